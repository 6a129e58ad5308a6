import type { Path } from './validate.js';

/** Maps a path in a parsed document to the 1-based line it starts on (undefined when unknown). */
export type Locate = (path: Path) => number | undefined;

export const NO_LINES: Locate = () => undefined;

/** The line of a path, or of its nearest ancestor that has one (short forms have no own node). */
export function nearestLine(lineOf: (path: Path) => number | undefined): Locate {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const line = lineOf(path.slice(0, n));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

interface Frame {
  path: Path;
  /** The next element's index in a list; undefined in a mapping. */
  index?: number;
  /** The key whose value comes next in a mapping (undefined while a key is expected). */
  key?: string;
}

/**
 * The line of every key and list element in JSON text that JSON.parse has accepted. A small
 * scanner of its own, so reading a scenario does not load a YAML parser; it runs only when an
 * error needs a line.
 */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: Frame[] = [];
  let line = 1;
  const here = (): Path => {
    const top = stack.at(-1);
    if (!top) return [];
    return [...top.path, top.index ?? top.key ?? ''];
  };
  const mark = (path: Path): void => {
    const id = JSON.stringify(path);
    if (!lines.has(id)) lines.set(id, line);
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    else if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top && top.index === undefined && top.key === undefined) top.key = JSON.parse(text.slice(i, end + 1)) as string;
      mark(here());
      i = end;
    } else if (ch === '{' || ch === '[') {
      mark(here());
      stack.push(ch === '[' ? { path: here(), index: 0 } : { path: here() });
    } else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') {
      const top = stack.at(-1)!;
      if (top.index === undefined) delete top.key;
      else top.index++;
    } else if (/[-0-9tfn]/.test(ch)) {
      mark(here());
      while (i + 1 < text.length && /[^\s,\]}]/.test(text[i + 1]!)) i++;
    }
  }
  return lines;
}

/** A locator for JSON text, built on first use (i.e. only for an error). */
export function lazyJsonLocator(text: string): Locate {
  let lines: Map<string, number> | undefined;
  return nearestLine((path) => {
    lines ??= linesOrNone(text);
    return lines.get(JSON.stringify(path));
  });
}

/** Text that is not JSON after all has no lines to give (the error is reported without one). */
function linesOrNone(text: string): Map<string, number> {
  try {
    return jsonLines(text);
  } catch {
    return new Map();
  }
}
