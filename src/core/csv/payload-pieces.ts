/**
 * A payload cell in pieces, for payloads too big to hold as one string. payloadToCell() of a
 * 256 MB binary payload is a 341 MB base64 string, and the row, its UTF-8 copy and the writer's
 * buffer copy it again (≈ 6× the payload in all). These generators give the same cell text
 * (byte for byte: a property test holds them to csvCell(payloadToCell(...)) and JSON.stringify)
 * as a series of pieces — slices of the payload itself (zero-copy views), the base64 of
 * 3-byte-aligned slices, short strings — that a writer puts in the file one after the other.
 * Extra memory: one slice (≈ 1 MiB), whatever the payload's size.
 */

/** A payload over this many bytes is written in pieces (TraceWriter); smaller ones as one line. */
export const STREAMED_PAYLOAD_BYTES = 1 << 20;

/**
 * Bytes of payload per piece: a multiple of 3, so base64 slices join without padding in between,
 * and small enough (48 KiB → 64 KiB of base64) for V8 to make each piece's string in the young
 * generation, freed by the next scavenge. Strings over ~128 KiB go to the large-object space and
 * stay until a full GC: 1 MiB pieces left ~40 MB of them behind for a 64 MB payload.
 */
const SLICE_BYTES = 3 << 14;

export type RowPiece = string | Uint8Array;

const BASE64_PREFIX = 'base64:';
const QUOTE = 0x22;

/**
 * Same test as csv.ts's isPrintableUtf8, without building the text: no control bytes but TAB, LF,
 * CR, and valid UTF-8 (decoded slice by slice, each slice's text dropped at once).
 */
export function isPrintableUtf8Bytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) decoder.decode(bytes.subarray(start, start + SLICE_BYTES), { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** payloadToCell() writes these bytes as `base64:…` (binary, or text that itself starts with `base64:`). */
function isBase64Cell(bytes: Buffer): boolean {
  return !isPrintableUtf8Bytes(bytes) || bytes.subarray(0, BASE64_PREFIX.length).toString('latin1') === BASE64_PREFIX;
}

function* base64Pieces(bytes: Buffer): Generator<RowPiece> {
  yield BASE64_PREFIX;
  for (let start = 0; start < bytes.length; start += SLICE_BYTES) yield bytes.toString('base64', start, Math.min(bytes.length, start + SLICE_BYTES));
}

const FORMULA_CHARS = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** csv.ts's escapeFormula() decision, on the bytes: an apostrophe run, then = + - @ TAB CR, and not a number. */
function needsFormulaEscape(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0x27) i++;
  if (i >= bytes.length || !FORMULA_CHARS.has(bytes[i]!)) return false;
  // A number is ASCII only, so its Latin-1 text equals its UTF-8 text (a rare path: + or - first).
  return i > 0 || !NUMBER.test(bytes.toString('latin1'));
}

function needsQuotes(bytes: Buffer): boolean {
  return bytes.indexOf(QUOTE) >= 0 || bytes.indexOf(0x2c) >= 0 || bytes.indexOf(0x0a) >= 0 || bytes.indexOf(0x0d) >= 0;
}

/** The CSV cell of a payload, as csvCell(payloadToCell(bytes)) writes it. */
export function* csvPayloadPieces(bytes: Buffer): Generator<RowPiece> {
  if (isBase64Cell(bytes)) {
    yield* base64Pieces(bytes); // letters, digits, + / = : never quoted, never a formula
    return;
  }
  const quoted = needsQuotes(bytes);
  if (quoted) yield '"';
  if (needsFormulaEscape(bytes)) yield "'";
  if (!quoted) {
    yield bytes;
    return;
  }
  let from = 0;
  for (let at = bytes.indexOf(QUOTE); at >= 0; at = bytes.indexOf(QUOTE, at + 1)) {
    yield bytes.subarray(from, at + 1);
    yield '"'; // doubled
    from = at + 1;
  }
  yield bytes.subarray(from);
  yield '"';
}

/** The payload as a JSON string literal (quotes included), as JSON.stringify(payloadToCell(bytes)) writes it. */
export function* jsonPayloadPieces(bytes: Buffer): Generator<RowPiece> {
  yield '"';
  if (isBase64Cell(bytes)) yield* base64Pieces(bytes); // nothing in base64 needs a JSON escape
  else {
    // Valid UTF-8 (checked above): a streaming decoder never splits a character, so each piece escapes on its own.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
      const text = decoder.decode(bytes.subarray(start, start + SLICE_BYTES), { stream: true });
      if (text) yield JSON.stringify(text).slice(1, -1);
    }
  }
  yield '"';
}
