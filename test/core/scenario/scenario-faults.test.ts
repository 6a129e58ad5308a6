import { describe, expect, it } from 'vitest';
import { expandMatrix, parseScenario } from '../../../src/core/scenario/scenario.js';

const parse = (body: object) => parseScenario(JSON.stringify({ profile: 'p.csv', ...body }, null, 2), 's.json');

describe('scenario faults', () => {
  it('faults without a restart make one variant named after them', () => {
    const s = parse({ faults: [{ kind: 'blackhole', client: 'recorder', at: '2s', for: '10s' }, { kind: 'delay', client: 'both', at: '1s', for: '5s', delay: '200ms', jitter: '50ms' }] });
    expect(s.variants).toEqual([
      {
        name: 'delay 200 ms ± 50 ms both at 1s for 5s; blackhole recorder at 2s for 10s',
        restarts: [],
        faults: [
          { kind: 'delay', client: 'both', atMs: 1000, forMs: 5000, delayMs: 200, jitterMs: 50 },
          { kind: 'blackhole', client: 'recorder', atMs: 2000, forMs: 10_000 },
        ],
      },
    ]);
    expect(expandMatrix({ ...s, qos: [1] })[0]!.id).toBe('01-embedded-delay-200-ms-50-ms-both-at-1s-for-5s-bla-q1');
  });

  it('faults in a variant beside its restarts, and top-level faults in every variant', () => {
    const s = parse({
      faults: [{ kind: 'throttle', client: 'replayer', at: 0, for: '30s', rate: '2kB/s' }],
      restarts: ['none', { name: 'cut + restart', schedule: [{ at: '5s', downFor: '2s' }], faults: [{ kind: 'cut', client: 'recorder', at: '1s', for: '1s' }] }, { faults: [{ kind: 'cut', client: 'both', at: '1s', for: '1s' }] }],
    });
    expect(s.variants.map((v) => [v.name, v.restarts.length, v.faults?.map((f) => f.kind)])).toEqual([
      ['throttle 2 kB/s replayer at 0s for 30s', 0, ['throttle']],
      ['cut + restart', 1, ['throttle', 'cut']],
      ['throttle 2 kB/s replayer at 0s for 30s; cut both at 1s for 1s', 0, ['throttle', 'cut']],
    ]);
    expect(s.variants[0]!.faults![0]!.bytesPerS).toBe(2000);
  });

  it('a delay may overlap a restart; a cut may follow it once the clients are back', () => {
    const s = parse({ restarts: { at: '5s', downFor: '1s' }, faults: [{ kind: 'delay', client: 'both', at: '4s', for: '3s', delay: '100ms' }, { kind: 'cut', client: 'both', at: '9s', for: '1s' }] });
    expect(s.variants[0]!.faults).toHaveLength(2);
  });

  it('a scenario without faults has variants without them', () => {
    expect(parse({ restarts: { at: '5s' } }).variants[0]).toEqual({ name: 'graceful at 5s for 0s, state kept', restarts: [{ atMs: 5000, downForMs: 0, kind: 'graceful', state: 'kept' }] });
  });

  it.each<[string, object, RegExp]>([
    ['an unknown kind', { faults: [{ kind: 'storm', client: 'both', at: '1s', for: '1s' }] }, /s\.json:5: faults\[0\]\.kind: /],
    ['a missing for', { faults: [{ kind: 'cut', client: 'both', at: '1s' }] }, /faults\[0\]\.for: is required/],
    ['a zero for', { faults: [{ kind: 'cut', client: 'both', at: '1s', for: 0 }] }, /faults\[0\]\.for: /],
    ['a delay without its value', { faults: [{ kind: 'delay', client: 'both', at: '1s', for: '1s' }] }, /faults\[0\]\.delay: is required for a delay/],
    ['a throttle with a bad rate', { faults: [{ kind: 'throttle', client: 'both', at: '1s', for: '1s', rate: 'fast' }] }, /faults\[0\]\.rate: expected a rate like 2kB\/s.*\(found "fast"\)/],
    ['a rate on a blackhole', { faults: [{ kind: 'blackhole', client: 'both', at: '1s', for: '1s', rate: '1kB/s' }] }, /faults\[0\]\.rate: "rate" goes with throttle, not blackhole/],
    ['a fault in a variant', { restarts: [{ faults: [{ kind: 'cut', client: 'nobody', at: '1s', for: '1s' }] }] }, /restarts\[0\]\.faults\[0\]\.client: /],
    ['a blackhole over a restart', { restarts: [{ at: '5s', downFor: '2s', faults: [{ kind: 'blackhole', client: 'recorder', at: '3s', for: '3s' }] }] }, /restarts\[0\]: blackhole recorder at 3s for 3s overlaps the restart at 5s \(its clients are let back until about 9\.8s\): a cut or blackhole must not overlap a restart/],
    ['a cut just after a restart, while the clients come back', { restarts: { at: '5s', downFor: '1s' }, faults: [{ kind: 'cut', client: 'both', at: '8s', for: '1s' }] }, /overlaps the restart at 5s/],
  ])('refuses %s, naming the field', (_name, body, message) => {
    expect(() => parse(body)).toThrow(message);
  });
});
