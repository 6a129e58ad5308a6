import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression, evaluateCondition, evaluateNumber, ExpressionError, type Variables } from '../../../src/core/expression/evaluate.js';
import { compileTemplate } from '../../../src/core/expression/template.js';

const vars: Variables = { value: 1.5, sensor: 'hdd0', hot: true, limits: { high: 50, low: 45, name: 'disk' }, n: -2 };
const run = (text: string, v: Variables = vars): unknown => compileExpression(text).evaluate(v);

describe('compileExpression: values', () => {
  it.each([
    ['sin(value)', Math.sin(1.5)],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 3', 8],
    ['-2 ^ 2', -4],
    ['10 % 4', 2],
    ['7 / 2', 3.5],
    ['-n', 2],
    ['value * 9 / 5 + 32', 34.7],
    ['c_to_f(100)', 212],
    ['round(3.14159, 2)', 3.14],
    ['max(1, value, 3)', 3],
    ['clamp(75, 0, 60)', 60],
    ['limits.high - limits.low', 5],
    ['PI', Math.PI],
    ['1e3', 1000],
    ['.5 + .5', 1],
    ['"a" + \'b\'', 'ab'],
    ['"it\\"s"', 'it"s'],
    ['str(value) + "°C"', '1.5°C'],
    ['num("42")', 42],
    ['len(sensor)', 4],
    ['upper(sensor)', 'HDD0'],
    ['contains(sensor, "dd")', true],
    ['value > 1 and value < 2', true],
    ['value > 1 && not hot', false],
    ['!hot || value == 1.5', true],
    ['sensor == "hdd0" ? limits.high : 0', 50],
    ['hot ? 1 : 2 > 1 ? 3 : 4', 1],
    ['sensor != "hdd1"', true],
    ['"abc" < "abd"', true],
    ['exists(limits.high)', true],
    ['exists(limits.missing)', false],
    ['exists(limits)', false],
    ['exists(nothing) and nothing > 1', false],
    ['true == true', true],
  ])('%s → %s', (text, expected) => {
    const result = run(text);
    if (typeof expected === 'number') expect(result).toBeCloseTo(expected, 9);
    else expect(result).toBe(expected);
  });

  it('reports the variables it reads', () => {
    expect(compileExpression('value > limits.high and hot').variables).toEqual(['value', 'limits.high', 'hot']);
  });

  it('evaluateCondition insists on true/false, evaluateNumber on a finite number', () => {
    expect(() => evaluateCondition(compileExpression('value'), vars)).toThrow(/not true\/false/);
    expect(() => evaluateNumber(compileExpression('1 / 0'), vars)).toThrow(/not a finite number/);
    expect(() => evaluateNumber(compileExpression('log(-1)'), vars)).toThrow(/not a finite number/);
    expect(evaluateNumber(compileExpression('sqrt(16)'), vars)).toBe(4);
  });

  it('matches Math for any finite X (sin, the exercise-14 transform)', () => {
    const sin = compileExpression('sin(value)');
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => Object.is(sin.evaluate({ value: x }), Math.sin(x))));
  });
});

describe('compileExpression: errors', () => {
  it.each([
    ['', /empty expression/],
    ['1 +', /unexpected end/],
    ['(1 + 2', /expected "\)"/],
    ['1 2', /unexpected "2" after the end/],
    ['1 < 2 < 3', /cannot be chained/],
    ['sinx(1)', /unknown function "sinx"/],
    ['sin(1, 2)', /sin\(\) takes 1 argument, got 2/],
    ['a = 1', /unexpected character "="/],
    ['"open', /unterminated string/],
    ['value[0]', /unexpected character "\["/],
    ['x => 1', /unexpected character "="/],
    ['`x`', /unexpected character "`"/],
    ['exists(1)', /exists\(\) takes a variable name/],
  ])('rejects %j', (text, message) => {
    expect(() => compileExpression(text)).toThrow(message);
  });

  it.each([
    ['missing + 1', /unknown variable "missing"/],
    ['limits + 1', /"limits" is a group of values/],
    ['sensor + 1', /"\+" needs two numbers or two strings/],
    ['sensor * 2', /"\*" needs a number \(got text "hdd0"\)/],
    ['value and hot', /"and" needs true\/false/],
    ['sensor < 3', /compares two numbers or two strings/],
    ['num("12abc")', /num\(\) cannot read a number/],
    ['sin(sensor)', /sin\(\) argument 1 must be a number/],
  ])('fails clearly at run time: %s', (text, message) => {
    const compiled = compileExpression(text);
    expect(() => compiled.evaluate(vars)).toThrow(ExpressionError);
    expect(() => compiled.evaluate(vars)).toThrow(message);
  });

  it('is an input error (exit 2)', () => {
    try {
      compileExpression('(');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_INPUT', exitCode: 2 });
    }
  });
});

describe('compileExpression: hostile input cannot reach JavaScript', () => {
  // Each of these is a known route to code execution or to the prototype chain in evaluators
  // that expose JS objects (CVE-2025-12735 in expr-eval among them).
  it.each([
    ['constructor', /"constructor" is not allowed/],
    ['value.constructor', /"constructor" is not allowed/],
    ['__proto__', /"__proto__" is not allowed/],
    ['limits.__proto__.polluted', /"__proto__" is not allowed/],
    ['sensor.prototype', /"prototype" is not allowed/],
    ['constructor.constructor("return process")()', /only a function name can be called/],
    ['constructor.constructor("return process")', /unknown function "constructor.constructor"/],
    ['process.exit(1)', /unknown function "process.exit"/],
    ['process.mainModule.require("child_process")', /unknown function/],
    ['require("fs")', /unknown function "require"/],
    ['eval("1")', /unknown function "eval"/],
    ['Function("return 1")', /unknown function "Function"/],
    ['Function("return 1")()', /only a function name can be called/],
    ['globalThis', /unknown variable "globalThis"/],
    ['this', /unknown variable "this"/],
    ['toString()', /unknown function "toString"/],
    ['hasOwnProperty("x")', /unknown function "hasOwnProperty"/],
    ['valueOf', /unknown variable "valueOf"/],
    ['sin.call(1)', /unknown function "sin.call"/],
    ['Math.sin(1)', /unknown function "Math.sin"/],
  ])('%s fails with a clear error', (text, message) => {
    const attempt = (): unknown => compileExpression(text).evaluate({ value: 1, sensor: 'x', limits: { high: 1 } });
    expect(attempt).toThrow(ExpressionError);
    expect(attempt).toThrow(message);
  });

  it('never reads inherited properties of the variables, even of plain objects', () => {
    const inherited = Object.create({ secret: 42 }) as Variables;
    expect(() => compileExpression('secret').evaluate(inherited)).toThrow(/unknown variable "secret"/);
    expect(() => compileExpression('limits.toString').evaluate({ limits: {} })).toThrow(/unknown variable/);
  });

  it('treats payload text as data, whatever it says', () => {
    const payload = '"); process.exit(1); ("';
    expect(run('payload + "!"', { payload })).toBe(`${payload}!`);
    expect(run('len(payload)', { payload })).toBe(payload.length);
  });

  it('bounds nesting and length (no stack exhaustion)', () => {
    expect(() => compileExpression(`${'('.repeat(500)}1${')'.repeat(500)}`)).toThrow(/nested more than 64 levels/);
    expect(() => compileExpression(`${'-'.repeat(500)}1`)).toThrow(/nested more than 64 levels/);
    expect(() => compileExpression(`${'not '.repeat(500)}true`)).toThrow(/nested more than 64 levels/);
    expect(() => compileExpression('1+'.repeat(3000) + '1')).toThrow(/longer than 4096/);
  });

  it('does not pollute Object.prototype', () => {
    for (const text of ['__proto__.x', 'constructor.prototype.x']) expect(() => compileExpression(text)).toThrow();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('survives random text: every input compiles or fails with an ExpressionError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          const compiled = compileExpression(text);
          try {
            compiled.evaluate(vars);
          } catch (error) {
            return error instanceof ExpressionError;
          }
          return true;
        } catch (error) {
          return error instanceof ExpressionError;
        }
      }),
    );
  });
});

describe('compileTemplate', () => {
  it.each([
    ['alerts/{sensor}/overheat', 'alerts/hdd0/overheat'],
    ['{sensor} at {round(value * 10, 0)}', 'hdd0 at 15'],
    ['{{"literal": {value}}}', '{"literal": 1.5}'],
    ['{sensor == "hdd0" ? "}" : "x"}', '}'],
    ['no holes', 'no holes'],
    ['{hot}', 'true'],
  ])('%s → %s', (text, expected) => {
    expect(compileTemplate(text).render(vars)).toBe(expected);
  });

  it.each([
    ['a/{sensor', /unclosed "\{"/],
    ['a/}', /unmatched "\}"/],
    ['{}', /empty expression/],
    ['{constructor}', /"constructor" is not allowed/],
  ])('rejects %s', (text, message) => {
    expect(() => compileTemplate(text)).toThrow(message);
  });

  it('knows when it has no holes', () => {
    expect(compileTemplate('cep/sin').fixed).toBe(true);
    expect(compileTemplate('cep/{sensor}').fixed).toBe(false);
  });
});
