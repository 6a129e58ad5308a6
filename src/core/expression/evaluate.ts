import { formatNumber } from '../mqtt/payload.js';
import { ExpressionError, shorten } from './lexer.js';
import { parseExpression, type Node } from './parser.js';

export { ExpressionError } from './lexer.js';

/**
 * A small, safe expression language for rules (and compare --expect): numbers, strings,
 * booleans, arithmetic, comparisons, `and/or/not`, `?:`, whitelisted functions and
 * variables from a plain record. There is no eval/Function, no member access on values
 * and no way to name a prototype: a dotted name is looked up own-property by own-property
 * in the variables record and nowhere else (see CVE-2025-12735 for what happens otherwise).
 */
export type ScalarValue = number | string | boolean;
export interface Variables {
  [name: string]: ScalarValue | Variables | undefined;
}

export interface CompiledExpression {
  readonly source: string;
  /** Dotted variable names the expression reads (for validation and docs). */
  readonly variables: readonly string[];
  evaluate(variables: Variables): ScalarValue;
}

type Evaluator = (vars: Variables) => ScalarValue;
/** `unary`: the same function for one number argument, called without an argument array (sin(value) runs once per message). */
type Fn = { arity: [number, number]; call: (args: ScalarValue[], fail: (what: string) => never) => ScalarValue; unary?: (x: number) => number };

const num = (name: string, f: (...xs: number[]) => number, min: number, max = min): Fn => ({
  arity: [min, max],
  call: (args, fail) => f(...args.map((a, i) => (typeof a === 'number' ? a : fail(`${name}() argument ${i + 1} must be a number (got ${typeName(a)})`)))),
  unary: (x) => f(x),
});

/** The whitelist. A Map, so no inherited name (constructor, __proto__ ...) can ever resolve. */
const FUNCTIONS = new Map<string, Fn>([
  ...(['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sqrt', 'cbrt', 'exp', 'log', 'log10', 'log2', 'abs', 'floor', 'ceil', 'trunc', 'sign'] as const).map(
    (name) => [name, num(name, Math[name], 1)] as [string, Fn],
  ),
  ['atan2', num('atan2', Math.atan2, 2)],
  ['pow', num('pow', Math.pow, 2)],
  ['hypot', num('hypot', Math.hypot, 1, 16)],
  ['min', num('min', Math.min, 1, 64)],
  ['max', num('max', Math.max, 1, 64)],
  ['round', num('round', (x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits, 1, 2)],
  ['clamp', num('clamp', (x, lo, hi) => Math.min(Math.max(x, lo), hi), 3)],
  ['deg', num('deg', (x) => (x * 180) / Math.PI, 1)],
  ['rad', num('rad', (x) => (x * Math.PI) / 180, 1)],
  ['c_to_f', num('c_to_f', (c) => (c * 9) / 5 + 32, 1)],
  ['f_to_c', num('f_to_c', (f) => ((f - 32) * 5) / 9, 1)],
  ['str', { arity: [1, 1], call: ([a]) => (typeof a === 'number' ? formatNumber(a) : String(a)) }],
  [
    'num',
    {
      arity: [1, 1],
      call: ([a], fail) => {
        if (typeof a === 'number') return a;
        const n = typeof a === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(a) ? Number(a) : Number.NaN;
        return Number.isFinite(n) ? n : fail(`num() cannot read a number from "${shorten(String(a))}"`);
      },
    },
  ],
  ['len', { arity: [1, 1], call: ([a], fail) => (typeof a === 'string' ? a.length : fail('len() takes a string')) }],
  ['lower', { arity: [1, 1], call: ([a], fail) => (typeof a === 'string' ? a.toLowerCase() : fail('lower() takes a string')) }],
  ['upper', { arity: [1, 1], call: ([a], fail) => (typeof a === 'string' ? a.toUpperCase() : fail('upper() takes a string')) }],
  ['contains', { arity: [2, 2], call: ([a, b], fail) => (typeof a === 'string' && typeof b === 'string' ? a.includes(b) : fail('contains() takes two strings')) }],
]);

const CONSTANTS = new Map<string, number>([
  ['PI', Math.PI],
  ['E', Math.E],
]);

export const FUNCTION_NAMES: readonly string[] = [...FUNCTIONS.keys(), 'exists'];

/** Names a rule author may never use, even as data: they only ever appear in attacks. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor', '__defineGetter__', '__lookupGetter__']);

export function compileExpression(text: string): CompiledExpression {
  if (typeof text !== 'string') throw new ExpressionError('an expression must be text', String(text));
  if (text.trim() === '') throw new ExpressionError('empty expression', text);
  const tree = parseExpression(text);
  const variables = new Set<string>();
  const evaluator = compileNode(tree, text, variables);
  return {
    source: text,
    variables: [...variables],
    evaluate: (vars) => evaluator(vars),
  };
}

/** Evaluates to a boolean or fails: conditions never treat 0 or "" as false by accident. */
export function evaluateCondition(expression: CompiledExpression, vars: Variables): boolean {
  const result = expression.evaluate(vars);
  if (typeof result !== 'boolean') throw new ExpressionError(`condition "${shorten(expression.source)}" gave ${typeName(result)} ${show(result)}, not true/false`, expression.source);
  return result;
}

/** Evaluates to a finite number or fails (what a derived reading needs). */
export function evaluateNumber(expression: CompiledExpression, vars: Variables): number {
  const result = expression.evaluate(vars);
  if (typeof result !== 'number' || !Number.isFinite(result)) {
    throw new ExpressionError(`"${shorten(expression.source)}" gave ${typeName(result)} ${show(result)}, not a finite number`, expression.source);
  }
  return result;
}

export function lookupVariable(vars: Variables, name: string): ScalarValue | Variables | undefined {
  return lookupPath(vars, name.split('.'));
}

/** lookupVariable with the name already split at its dots (compiled once per expression). */
function lookupPath(vars: Variables, segments: readonly string[]): ScalarValue | Variables | undefined {
  if (segments.length === 1) {
    const only = segments[0]!;
    return Object.hasOwn(vars, only) ? vars[only] : undefined;
  }
  let current: ScalarValue | Variables | undefined = vars;
  for (const segment of segments) {
    if (current === undefined || typeof current !== 'object' || current === null) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

function compileNode(node: Node, text: string, variables: Set<string>): Evaluator {
  const fail = (what: string): never => {
    throw new ExpressionError(`${what} in "${shorten(text)}"`, text);
  };
  const sub = (n: Node): Evaluator => compileNode(n, text, variables);
  switch (node.type) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'exists': {
      const segments = checkName(node.name, text).split('.');
      return (vars) => {
        const v = lookupPath(vars, segments);
        return v !== undefined && typeof v !== 'object';
      };
    }
    case 'variable': {
      const name = checkName(node.name, text);
      variables.add(name);
      const constant = CONSTANTS.get(name);
      const segments = name.split('.');
      return (vars) => {
        const v = lookupPath(vars, segments);
        if (v === undefined) {
          if (constant !== undefined) return constant;
          return fail(`unknown variable "${name}"`);
        }
        if (typeof v === 'object') return fail(`"${name}" is a group of values, not a value (use ${name}.<field>)`);
        return v;
      };
    }
    case 'call': {
      const fn = FUNCTIONS.get(node.name);
      if (!fn) throw new ExpressionError(`unknown function "${node.name}" in "${shorten(text)}" (available: ${FUNCTION_NAMES.join(', ')})`, text, node.at);
      const [min, max] = fn.arity;
      if (node.args.length < min || node.args.length > max) {
        const wanted = min === max ? `${min}` : `${min} to ${max}`;
        throw new ExpressionError(`${node.name}() takes ${wanted} argument${max === 1 ? '' : 's'}, got ${node.args.length} in "${shorten(text)}"`, text, node.at);
      }
      const args = node.args.map(sub);
      const unary = fn.unary;
      const only = args[0];
      if (unary && only && args.length === 1) {
        const name = node.name;
        return (vars) => {
          const a = only(vars);
          return typeof a === 'number' ? unary(a) : fail(`${name}() argument 1 must be a number (got ${typeName(a)})`);
        };
      }
      return (vars) => fn.call(args.map((a) => a(vars)), fail);
    }
    case 'unary': {
      const operand = sub(node.operand);
      if (node.op === 'not') return (vars) => !bool(operand(vars), 'not', fail);
      const sign = node.op === '-' ? -1 : 1;
      return (vars) => sign * number(operand(vars), node.op, fail);
    }
    case 'logical': {
      const left = sub(node.left);
      const right = sub(node.right);
      // Short-circuit, so `exists(x) and x > 3` is safe when x is missing.
      if (node.op === 'and') return (vars) => bool(left(vars), 'and', fail) && bool(right(vars), 'and', fail);
      return (vars) => bool(left(vars), 'or', fail) || bool(right(vars), 'or', fail);
    }
    case 'conditional': {
      const test = sub(node.test);
      const then = sub(node.then);
      const otherwise = sub(node.otherwise);
      return (vars) => (bool(test(vars), '?:', fail) ? then(vars) : otherwise(vars));
    }
    case 'binary':
      return binary(node.op, sub(node.left), sub(node.right), fail);
  }
}

function binary(op: string, left: Evaluator, right: Evaluator, fail: (what: string) => never): Evaluator {
  switch (op) {
    case '+':
      return (vars) => {
        const a = left(vars);
        const b = right(vars);
        if (typeof a === 'number' && typeof b === 'number') return a + b;
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        return fail(`"+" needs two numbers or two strings (got ${typeName(a)} and ${typeName(b)}; use str())`);
      };
    case '-':
      return (vars) => number(left(vars), op, fail) - number(right(vars), op, fail);
    case '*':
      return (vars) => number(left(vars), op, fail) * number(right(vars), op, fail);
    case '/':
      return (vars) => number(left(vars), op, fail) / number(right(vars), op, fail);
    case '%':
      return (vars) => number(left(vars), op, fail) % number(right(vars), op, fail);
    case '^':
      return (vars) => number(left(vars), op, fail) ** number(right(vars), op, fail);
    case '==':
      return (vars) => left(vars) === right(vars);
    case '!=':
      return (vars) => left(vars) !== right(vars);
    default:
      return (vars) => {
        const a = left(vars);
        const b = right(vars);
        if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
          return fail(`"${op}" compares two numbers or two strings (got ${typeName(a)} and ${typeName(b)})`);
        }
        switch (op) {
          case '<':
            return a < b;
          case '<=':
            return a <= b;
          case '>':
            return a > b;
          default:
            return a >= b;
        }
      };
  }
}

function checkName(name: string, text: string): string {
  const bad = name.split('.').find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  if (bad !== undefined) throw new ExpressionError(`"${bad}" is not allowed in a name (in "${shorten(text)}")`, text);
  return name;
}

function number(value: ScalarValue, op: string, fail: (what: string) => never): number {
  return typeof value === 'number' ? value : fail(`"${op}" needs a number (got ${typeName(value)} ${show(value)})`);
}

function bool(value: ScalarValue, op: string, fail: (what: string) => never): boolean {
  return typeof value === 'boolean' ? value : fail(`"${op}" needs true/false (got ${typeName(value)} ${show(value)})`);
}

function typeName(value: unknown): string {
  return typeof value === 'boolean' ? 'true/false' : typeof value === 'string' ? 'text' : typeof value;
}

function show(value: ScalarValue): string {
  return typeof value === 'string' ? `"${shorten(value)}"` : String(value);
}
