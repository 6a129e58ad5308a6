import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { nearestLine, type Locate } from './json-lines.js';

export { NO_LINES, type Locate } from './json-lines.js';

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
  return nearestLine((path) => {
    const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
    return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  });
}
