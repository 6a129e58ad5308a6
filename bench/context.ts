import { join } from 'node:path';
import type { MosquittoBroker } from '../src/io/broker/mosquitto-broker.js';

export interface BenchContext {
  quick: boolean;
  repeats: number;
  broker: MosquittoBroker;
  /** Scratch folder for generated data and outputs. */
  dir: string;
  /** The repository (for shipped rules and profiles). */
  root: string;
  /** `node dist/cli/bin.js` */
  cli: { command: string; args: string[] };
  log: (line: string) => void;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  /** How many runs the median is of (summarize fills it in). */
  runs?: number;
}

export interface CaseResult {
  name: string;
  ours: string;
  baseline: string;
  unit: string;
  oursStats: Stats;
  baselineStats: Stats;
  /** ours ÷ baseline for rates, baseline ÷ ours for times: > 1 means sensortrace is ahead. */
  ratio: number;
  target: string;
  met: boolean | undefined;
  /** Messages that should have arrived and did not (must be 0 where the case says so). */
  dropped: number;
  peakRssMb?: number;
  detail?: Record<string, unknown>;
}

export function cliPath(root: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [join(root, 'dist/cli/bin.js')] };
}
