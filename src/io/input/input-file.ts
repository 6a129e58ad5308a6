/**
 * The one gate every input file passes before it is read: it must be a regular file (a FIFO
 * would block the read with no way to interrupt it, /dev/zero never ends), whole-file reads are
 * capped, and text that is not UTF-8 (a UTF-16 byte order mark, NUL bytes) is refused with its
 * line instead of being parsed into nonsense. The limits are listed in docs/reliability.md.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { inputError, SensortraceError } from '../../core/errors.js';

const MiB = 1024 * 1024;

export const INPUT_LIMITS = {
  /** One line of a file a user writes: a profile, a lookup table CSV, an events file. */
  lineBytes: MiB,
  /**
   * One line of a log sensortrace wrote: a trace row carries a whole payload (MQTT allows
   * 256 MiB, written base64 when binary, 4/3 of it), so the cap is above that, and below what
   * one JavaScript string can hold.
   */
  ownLogLineBytes: 400 * MiB,
  /** Files read whole: a rules file, a scenario, a password file. */
  smallFileBytes: 4 * MiB,
  /** A lookup table in JSON (read whole). */
  tableFileBytes: 64 * MiB,
} as const;

/** Text sniffed at the start of a streamed input for its encoding. */
const SNIFF_BYTES = 64 * 1024;

function sizeText(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** `a line longer than 1 MiB (the limit for <what>)`: the error of every capped reader. */
export function lineTooLong(file: string, line: number, limit: number, what: string): SensortraceError {
  return inputError({ file, line }, `a line longer than ${sizeText(limit)} (the limit for ${what}); is this the right file?`);
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Refuses anything but a regular file: missing, a folder, a FIFO, a device. FIFOs are refused
 * rather than read because several readers read a file twice (detection, then the rows) and a
 * FIFO with no writer blocks its reader in a system call that no signal interrupts.
 */
export function checkInputFile(path: string, what: string): Stats {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new SensortraceError(`${path}: cannot read the ${what}: ${reason}`, 'E_INPUT', { file: path }, { cause: error });
  }
  if (stats.isDirectory()) throw inputError({ file: path }, `is a folder, not a ${what}`);
  if (!stats.isFile()) throw inputError({ file: path }, `is ${kindOf(stats)}: the ${what} must be a regular file (saved to disk, not a pipe)`);
  return stats;
}

/** Opens a checked input without ever blocking in open() (O_NONBLOCK: a FIFO swapped in after the check). */
function openInput(path: string, what: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read the ${what}: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
}

/** Up to `bytes` from the start of a checked input file. */
export function readHead(path: string, what: string, bytes: number): Buffer {
  checkInputFile(path, what);
  const fd = openInput(path, what);
  try {
    const buffer = Buffer.alloc(bytes);
    let size = 0;
    while (size < bytes) {
      const n = readSync(fd, buffer, size, bytes - size, size);
      if (n === 0) break;
      size += n;
    }
    return buffer.subarray(0, size);
  } catch (error) {
    if (error instanceof SensortraceError) throw error;
    throw new SensortraceError(`${path}: cannot read the ${what}: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/**
 * Why these first bytes are not UTF-8 text, or undefined: UTF-16 (by its byte order mark) is
 * refused, not decoded — every file sensortrace reads is UTF-8, and saying so is clearer than
 * guessing; a NUL byte means binary data (UTF-16 without a mark has one in every other byte).
 */
export function checkUtf8Text(head: Buffer, file: string, what: string): void {
  const b0 = head[0];
  const b1 = head[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    throw inputError({ file, line: 1 }, `is UTF-16 text (byte order mark ${b0 === 0xff ? 'FF FE' : 'FE FF'}); save the ${what} as UTF-8`);
  }
  const nul = head.indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let at = head.indexOf(0x0a); at >= 0 && at < nul; at = head.indexOf(0x0a, at + 1)) line++;
    throw inputError({ file, line }, `holds a NUL byte: binary data or UTF-16 without a byte order mark, not a UTF-8 ${what}`);
  }
}

/** The gate of a streamed input: a regular file whose start is UTF-8 text. */
export function checkTextInput(path: string, what: string): void {
  checkUtf8Text(readHead(path, what, SNIFF_BYTES), path, what);
}

/**
 * A small file read whole (rules, scenario, password file), capped at `maxBytes`, checked as
 * UTF-8 text, UTF-8 byte order mark dropped. The size is checked on the open file and the read
 * stops at the cap, so a file that grows meanwhile cannot take more memory than that.
 */
export function readSmallTextFile(path: string, what: string, maxBytes: number = INPUT_LIMITS.smallFileBytes): string {
  checkInputFile(path, what);
  const fd = openInput(path, what);
  let buffer: Buffer;
  let size = 0;
  try {
    const declared = fstatSync(fd).size;
    if (declared > maxBytes) throw inputError({ file: path }, `is larger than ${sizeText(maxBytes)} (the limit for a ${what})`);
    buffer = Buffer.alloc(Math.min(maxBytes + 1, declared + 1));
    while (size < buffer.length) {
      const n = readSync(fd, buffer, size, buffer.length - size, size);
      if (n === 0) break;
      size += n;
    }
  } catch (error) {
    if (error instanceof SensortraceError) throw error;
    throw new SensortraceError(`${path}: cannot read the ${what}: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  } finally {
    closeSync(fd);
  }
  if (size > maxBytes) throw inputError({ file: path }, `is larger than ${sizeText(maxBytes)} (the limit for a ${what})`);
  const bytes = buffer.subarray(0, size);
  checkUtf8Text(bytes, path, what);
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
