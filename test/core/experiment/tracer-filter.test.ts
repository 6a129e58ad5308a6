import { describe, expect, it } from 'vitest';
import { filterForTemplate } from '../../../src/core/experiment/tracer-filter.js';

describe('filterForTemplate', () => {
  it.each([
    ['sensors/{sensor}/temperature', 'sensors/#'],
    ['sensors/lab/temperature', 'sensors/lab/temperature'],
    ['{sensor}', '#'],
    ['a/b/+/c', 'a/b/#'],
    ['a/#', 'a/#'],
    ['plant/{site}/{sensor}', 'plant/#'],
  ])('%s → %s', (template, filter) => {
    expect(filterForTemplate(template)).toBe(filter);
  });
});
