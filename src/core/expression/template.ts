import { ExpressionError, compileExpression, type CompiledExpression, type Variables } from './evaluate.js';
import { formatNumber } from '../mqtt/payload.js';

/**
 * Text with `{expression}` holes, e.g. `alerts/{sensor}/overheat` or `{sensor} at {round(value,1)}`.
 * `{{` and `}}` stand for literal braces. Holes are compiled once, with the same safe evaluator.
 */
export interface CompiledTemplate {
  readonly source: string;
  /** True when there are no holes (the text is fixed). */
  readonly fixed: boolean;
  render(variables: Variables): string;
}

export function compileTemplate(text: string): CompiledTemplate {
  const parts: Array<string | CompiledExpression> = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      literal += ch;
      i++;
    } else if (ch === '{') {
      const end = closingBrace(text, i);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(compileExpression(text.slice(i + 1, end)));
      i = end;
    } else if (ch === '}') {
      throw new ExpressionError(`unmatched "}" at column ${i + 1} of template "${text}" (write "}}" for a literal brace)`, text, i);
    } else literal += ch;
  }
  if (literal) parts.push(literal);
  const fixed = parts.every((p) => typeof p === 'string');
  // A fixed text (most output topics) is the same string every time: joined once.
  const fixedText = fixed ? parts.join('') : '';
  return {
    source: text,
    fixed,
    render: fixed ? () => fixedText : (vars) => parts.map((p) => (typeof p === 'string' ? p : renderValue(p.evaluate(vars)))).join(''),
  };
}

function renderValue(value: number | string | boolean): string {
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** The `}` closing the hole opened at `start`, skipping braces inside quoted strings. */
function closingBrace(text: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}') return i;
  }
  throw new ExpressionError(`unclosed "{" at column ${start + 1} of template "${text}"`, text, start);
}
