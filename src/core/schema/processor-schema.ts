import type { Schema } from './validate.js';

/**
 * A scenario's processing stage (`"processor"`): sensortrace's own `process` on a rules file,
 * or an external command (a Node-RED flow) with how to tell it is ready. `outputs` names the
 * topic filters the recorder traces instead of the replayed topic; `expect` is compare's
 * `--expect` for every output. Cross-field rules (rules xor command) are in core/scenario/processor.ts.
 */
const text: Schema = { type: 'string', pattern: '\\S', message: 'expected a non-empty string' };

export const PROCESSOR_SCHEMA: Schema = {
  type: 'object',
  message: 'expected an object like {"rules": "rules/sin.yaml", "outputs": {"sin": "cep/sin"}}',
  properties: {
    rules: text,
    command: text,
    ready: { anyOf: [text, { type: 'integer', minimum: 1, maximum: 65535 }], message: 'expected a line the command prints when ready, or a TCP port it listens on' },
    outputs: { type: 'object', minProperties: 1, additionalProperties: text, message: 'expected {"name": "topic/filter", …}' },
    expect: text,
    restart: { type: 'boolean', message: 'expected true (stopped with the broker, started again when it is back) or false' },
  },
  required: ['outputs'],
  additionalProperties: false,
};
