/**
 * A scenario's network faults (`faults: [...]` at the top, for every variant, and in a variant
 * beside its restarts), read after the schema vouched for their shape: what it cannot say —
 * which kind takes which value, and the rate's grammar — is checked here. Pure.
 */
import { durationToMs } from '../duration.js';
import type { SensortraceError } from '../errors.js';
import { byteRate, RATE_EXAMPLE, type FaultClient, type FaultKind, type NetworkFault } from '../experiment/faults.js';
import type { Path } from '../schema/validate.js';

type Json = Record<string, unknown>;
export type FaultErrorAt = (path: Path, what: string, found?: unknown) => SensortraceError;

/** Which value each kind takes; a value given to the wrong kind is an error, not ignored. */
const VALUES: Record<FaultKind, readonly string[]> = { cut: [], blackhole: [], delay: ['delay', 'jitter'], throttle: ['rate'] };

function readFault(spec: Json, path: Path, errorAt: FaultErrorAt): NetworkFault {
  const kind = spec.kind as FaultKind;
  for (const field of ['delay', 'jitter', 'rate']) {
    if (spec[field] !== undefined && !VALUES[kind].includes(field)) throw errorAt([...path, field], `"${field}" goes with ${field === 'rate' ? 'throttle' : 'delay'}, not ${kind}`, spec[field]);
  }
  const fault: NetworkFault = { kind, client: spec.client as FaultClient, atMs: durationToMs(spec.at)!, forMs: durationToMs(spec.for)! };
  if (kind === 'delay') {
    if (spec.delay === undefined) throw errorAt([...path, 'delay'], 'is required for a delay (e.g. "200ms")');
    fault.delayMs = durationToMs(spec.delay)!;
    if (spec.jitter !== undefined) fault.jitterMs = durationToMs(spec.jitter)!;
  }
  if (kind === 'throttle') {
    if (spec.rate === undefined) throw errorAt([...path, 'rate'], `is required for a throttle (${RATE_EXAMPLE})`);
    const rate = byteRate(spec.rate);
    if (rate === undefined) throw errorAt([...path, 'rate'], `expected ${RATE_EXAMPLE}`, spec.rate);
    fault.bytesPerS = rate;
  }
  return fault;
}

/** The faults listed at `path` (none when the field is absent). */
export function readFaults(value: unknown, path: Path, errorAt: FaultErrorAt): NetworkFault[] {
  if (value === undefined) return [];
  return (value as Json[]).map((spec, i) => readFault(spec, [...path, i], errorAt)).sort((a, b) => a.atMs - b.atMs);
}
