import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { Path } from './validate.js';

/** Maps a path in a parsed document to the 1-based line it starts on (undefined when unknown). */
export type Locate = (path: Path) => number | undefined;

export const NO_LINES: Locate = () => undefined;

/** YAML read safely: core schema only (no custom tags), unique keys, no merge keys. */
export function parseYamlDocument(text: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false, schema: 'core' });
  return { doc, lineCounter };
}

/**
 * The line of a path, or of its nearest ancestor the document has (a value written in short
 * form, such as `qos: 1` for `qos: [1]`, has no node for `qos[0]`; its parent's line is the place).
 */
export function documentLocator(doc: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/**
 * A locator for text already parsed elsewhere (JSON.parse): JSON is YAML, so the `yaml` package
 * finds the lines. It parses only when a line is first asked for — i.e. only for an error.
 */
export function lazyTextLocator(text: string): Locate {
  let locate: Locate | undefined;
  return (path) => {
    if (!locate) {
      const { doc, lineCounter } = parseYamlDocument(text);
      locate = doc.errors.length === 0 ? documentLocator(doc, lineCounter) : NO_LINES;
    }
    return locate(path);
  };
}
