import type { SensortraceError } from '../errors.js';
import type { Path } from '../schema/validate.js';
import { filterProblem } from '../rules/topic.js';

/**
 * A processing stage between replayer and recorder (scenario `"processor"`): the recorder
 * traces the processor's outputs and each output is compared with the sent log through
 * `expect` (compare --expect), so the report says what an outage did to the derived events.
 */
export type ScenarioProcessor = {
  /** Topic filters the recorder traces, by name (one comparison each). */
  outputs: Array<{ name: string; filter: string }>;
  /** compare --expect: what each derived value should be, from the sent reading (default: the value). */
  expect?: string;
} & (
  | {
      kind: 'rules';
      /** As written; the caller resolves it against the scenario's folder. */
      rules: string;
      /** Stopped when the broker stops and started again (a new process, fresh session) when it is back; default false: it reconnects. */
      restart: boolean;
    }
  | { kind: 'command'; command: string; /** A line the command prints when ready, or a port it then listens on. */ ready?: string | number }
);

type Json = Record<string, unknown>;
const NAME = /^[A-Za-z0-9_-]+$/;

/** The processor section, already shaped by the schema; `fail` words an error at a path. */
export function readProcessor(spec: Json, fail: (path: Path, what: string, found?: unknown) => SensortraceError): ScenarioProcessor {
  const outputs = Object.entries(spec.outputs as Record<string, string>).map(([name, filter]) => {
    if (!NAME.test(name)) throw fail(['processor', 'outputs', name], 'an output name must be letters, digits, _ or -', name);
    const problem = filterProblem(filter);
    if (problem) throw fail(['processor', 'outputs', name], problem, filter);
    return { name, filter };
  });
  const common = { outputs, ...(spec.expect === undefined ? {} : { expect: spec.expect as string }) };
  if ((spec.rules === undefined) === (spec.command === undefined)) throw fail(['processor'], 'give either "rules" (sensortrace process) or "command" (an external processor), not both');
  if (spec.rules !== undefined) {
    if (spec.ready !== undefined) throw fail(['processor', 'ready'], 'goes with "command" (sensortrace process says itself when it is subscribed)');
    return { ...common, kind: 'rules', rules: spec.rules as string, restart: spec.restart === true };
  }
  if (spec.restart !== undefined) throw fail(['processor', 'restart'], 'goes with "rules" (an external command is left running)');
  return { ...common, kind: 'command', command: spec.command as string, ...(spec.ready === undefined ? {} : { ready: spec.ready as string | number }) };
}
