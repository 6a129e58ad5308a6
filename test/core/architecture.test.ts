import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of docs/design.md are enforced by eslint.config.js (`npm run lint`, part of
 * `npm test`). These tests lint small snippets placed at virtual paths inside src/ with the real
 * config, so they fail when the config loses a rule or stops seeing a form of import.
 */
const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax', 'no-restricted-globals']);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: join(import.meta.dirname, '../..') });
});

async function lint(filePath: string, code: string): Promise<Array<{ ruleId: string | null; message: string }>> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result!.messages;
  // A snippet that does not parse reports nothing else: it would pass every "allowed" case.
  expect(messages.filter((m) => m.fatal).map((m) => m.message)).toEqual([]);
  return messages;
}

async function boundaryViolations(filePath: string, code: string): Promise<string[]> {
  return (await lint(filePath, code)).filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)).map((m) => m.message);
}

/** [file, code]: each must be reported by a boundary rule. */
const FORBIDDEN: Array<[string, string]> = [
  // core: no Node built-in, in any form
  ['src/core/x.ts', "import { readFileSync } from 'node:fs';"],
  ['src/core/x.ts', "import fs from 'fs';"],
  ['src/core/x.ts', "import { readFile } from 'fs/promises';"],
  ['src/core/x.ts', "import { connect } from 'net';"],
  ['src/core/x.ts', "import type { Writable } from 'node:stream';"],
  ['src/core/x.ts', "import 'node:child_process';"],
  ['src/core/x.ts', "export { createServer } from 'node:net';"],
  ['src/core/x.ts', "export * from 'http';"],
  ['src/core/x.ts', "export const load = async () => await import('node:fs');"],
  ['src/core/x.ts', "export const load = async () => await import('fs');"],
  ['src/core/x.ts', 'export const load = async () => await import(`node:fs`);'],
  ['src/core/x.ts', 'export const load = async (name: string) => await import(name);'],
  ['src/core/x.ts', "export const fs = require('fs');"],
  ['src/core/x.ts', "export const lib = require('./pure.js');"],
  ['src/core/x.ts', 'export const load = createRequire(import.meta.url);'],
  ['src/core/x.ts', "export type Stats = import('node:fs').Stats;"],
  // core: no MQTT, broker, renderer or WebSocket library
  ['src/core/x.ts', "import mqtt from 'mqtt';"],
  ['src/core/x.ts', "import { parser } from 'mqtt-packet';"],
  ['src/core/x.ts', "import { Aedes } from 'aedes';"],
  ['src/core/x.ts', "export { default } from 'aedes-persistence';"],
  ['src/core/x.ts', "import * as vega from 'vega';"],
  ['src/core/x.ts', "import { compile } from 'vega-lite';"],
  ['src/core/x.ts', "import { WebSocketServer } from 'ws';"],
  ['src/core/x.ts', "import { Resvg } from '@resvg/resvg-js';"],
  ['src/core/x.ts', "export const load = async () => await import('mqtt');"],
  ['src/core/x.ts', "export const load = async () => await import('@resvg/resvg-js');"],
  ['src/core/x.ts', "export const ws = require('ws');"],
  ['src/core/x.ts', "export type Client = import('mqtt').MqttClient;"],
  // core: no process
  ['src/core/x.ts', 'export const stop = () => process.exit(1);'],
  ['src/core/x.ts', 'export const home = () => process.env.HOME;'],
  ['src/core/x.ts', "export const say = () => process.stdout.write('x');"],
  ['src/core/x.ts', 'export const { env } = process;'],
  ['src/core/x.ts', 'export const stop = () => globalThis.process.exit(1);'],
  // core: no io, app or cli
  ['src/core/x.ts', "import { systemClock } from '../io/clock.js';"],
  ['src/core/mqtt/x.ts', "import { openConnection } from '../../io/mqtt/connection.js';"],
  ['src/core/x.ts', "import { replay } from '../app/replay/replay.js';"],
  ['src/core/x.ts', "export { runMain } from '../cli/main.js';"],
  ['src/core/x.ts', "export const load = async () => await import('../io/clock.js');"],
  // io: never app or cli
  ['src/io/x.ts', "import { replay } from '../app/replay/replay.js';"],
  ['src/io/mqtt/x.ts', "import { trace } from '../../app/trace/trace.js';"],
  ['src/io/x.ts', "import type { CliContext } from '../cli/context.js';"],
  ['src/io/x.ts', "export { runMain } from '../cli/main.js';"],
  ['src/io/x.ts', "export * from '../app/compare/compare.js';"],
  ['src/io/logs/x.ts', "export const load = async () => await import('../../app/replay/replay.js');"],
  ['src/io/x.ts', "export const main = require('../cli/main.js');"],
  // app: never cli
  ['src/app/x.ts', "import { runMain } from '../cli/main.js';"],
  ['src/app/replay/x.ts', "import type { CliContext } from '../../cli/context.js';"],
  ['src/app/replay/x.ts', "export { buildProgram } from '../../cli/program.js';"],
  ['src/app/replay/x.ts', "export const load = async () => await import('../../cli/main.js');"],
  ['src/app/x.ts', "export const main = require('../cli/main.js');"],
  // the library's entry point: never cli
  ['src/index.ts', "export { runMain } from './cli/main.js';"],
  ['src/index.ts', "export * from './cli/connection-flags.js';"],
  ['src/index.ts', "import './cli/bin.js';"],
  ['src/index.ts', "export const load = async () => await import('./cli/main.js');"],
  // nowhere: a recursive mkdir (it never returns under /proc on Node 20)
  ['src/io/x.ts', "import { mkdirSync } from 'node:fs';\nexport const make = (p: string) => mkdirSync(p, { recursive: true });"],
  ['src/app/x.ts', "import fs from 'node:fs';\nexport const make = (p: string) => fs.mkdirSync(p, { recursive: true });"],
  ['src/cli/x.ts', "import { mkdir } from 'node:fs/promises';\nexport const make = (p: string) => mkdir(p, { recursive: true });"],
];

/** [file, code]: each must pass every boundary rule. */
const ALLOWED: Array<[string, string]> = [
  ['src/core/x.ts', "import { usageError } from './errors.js';"],
  ['src/core/mqtt/x.ts', "import type { Qos } from '../records.js';"],
  ['src/core/mqtt/x.ts', "export { parseDuration } from '../duration.js';"],
  ['src/core/x.ts', "export const load = async () => await import('./duration.js');"],
  ['src/core/x.ts', "export const check = (columns: { require(names: string[]): void }) => columns.require(['at']);"],
  ['src/core/x.ts', 'export const run = (job: { process(): number }) => job.process();'],
  ['src/core/x.ts', "export const text = 'process.exit(1) and node:fs are only words here';"],
  ['src/core/x.ts', "import { parse } from 'yaml';"],
  ['src/io/x.ts', "import { readFile } from 'node:fs/promises';"],
  ['src/io/mqtt/x.ts', "import mqtt from 'mqtt';"],
  ['src/io/mqtt/x.ts', "import { usageError } from '../../core/errors.js';"],
  ['src/io/x.ts', "export const load = async () => await import('node:net');"],
  ['src/io/x.ts', 'export const argv = () => process.argv;'],
  ['src/app/replay/x.ts', "import { openConnection } from '../../io/mqtt/connection.js';"],
  ['src/app/replay/x.ts', "import { plannedOffset } from '../../core/schedule/schedule.js';"],
  ['src/app/x.ts', "export const load = async () => await import('node:http');"],
  ['src/cli/x.ts', "import { replay } from '../app/replay/replay.js';"],
  ['src/cli/x.ts', "export const load = async () => await import('./commands/replay.js');"],
  ['src/index.ts', "export { replay } from './app/replay/replay.js';"],
  ['src/index.ts', "export * from './core/errors.js';"],
  ['src/index.ts', "export { openConnection } from './io/mqtt/connection.js';"],
  ['src/io/x.ts', "import { mkdirSync } from 'node:fs';\nexport const make = (p: string) => mkdirSync(p);"],
];

describe('architecture: eslint.config.js enforces the layers', () => {
  it.each(FORBIDDEN)('%s: reports %s', async (file, code) => {
    expect(await boundaryViolations(file, code)).not.toEqual([]);
  });

  it.each(ALLOWED)('%s: allows %s', async (file, code) => {
    expect(await boundaryViolations(file, code)).toEqual([]);
  });
});

describe('architecture: size limits', () => {
  const body = (lines: number): string => Array.from({ length: lines }, (_, i) => `  total += ${i};`).join('\n');
  /** A function of exactly `lines` lines. */
  const fn = (lines: number): string => `export function long(): number {\n  let total = 0;\n${body(lines - 4)}\n  return total;\n}\n`;

  it('a function over 80 lines is reported, one of 80 is not (blank lines and comments not counted)', async () => {
    const rules = async (code: string): Promise<string[]> => (await lint('src/core/x.ts', code)).map((m) => m.ruleId ?? '');
    expect(await rules(fn(80))).not.toContain('max-lines-per-function');
    expect(await rules(fn(81))).toContain('max-lines-per-function');
    expect(await rules(fn(80).replace('let total', '\n\n  // why\n  let total'))).not.toContain('max-lines-per-function');
  });

  it('a file over 300 lines is reported', async () => {
    const functions = (count: number): string => Array.from({ length: count }, (_, i) => `export const f${i} = (): number => ${i};`).join('\n');
    const rules = async (code: string): Promise<string[]> => (await lint('src/io/x.ts', code)).map((m) => m.ruleId ?? '');
    expect(await rules(functions(300))).not.toContain('max-lines');
    expect(await rules(functions(301))).toContain('max-lines');
  });
});
