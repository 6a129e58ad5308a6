import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';
import { runCli } from '../../helpers/cli.js';

describe('the embedded broker and shared subscriptions (aedes has none)', () => {
  it('refuses $share/… with a SUBACK failure, so trace and process stop with the reason instead of waiting in silence', async () => {
    await withEmbeddedBroker(async (broker) => {
      const dir = tempDir();
      const connection = ['-h', broker.host, '-p', String(broker.port)];
      const traced = await runCli(['trace', '-t', '$share/g/x/#', '-o', join(dir, 't.csv'), '-W', '10', ...connection]);
      expect(traced.code).toBe(1);
      expect(traced.stderr).toMatch(/broker refused the subscription to \$share\/g\/x\/# \(SUBACK reason 128\); shared subscriptions \(\$share\/…\) need a broker that has them/);
      const rules = join(dir, 'r.yaml');
      writeFileSync(rules, 'name: r\nrules:\n  - name: copy\n    on: x/+\n    do: { publish: { topic: "y/{sensor}", payload: "{value}" } }\n');
      const processed = await runCli(['process', rules, '--share', 'g', '-W', '10', ...connection]);
      expect(processed.code).toBe(1);
      expect(processed.stderr).toMatch(/broker refused the subscription to \$share\/g\/x\/\+; shared subscriptions/);
      // Beside a plain filter, the refused one is noted and the trace goes on.
      const mixed = await runCli(['trace', '-t', '$share/g/x/#', '-t', 'x/#', '-o', join(dir, 'p.csv'), '-W', '1', ...connection]);
      expect(mixed.code).toBe(0);
      expect(readFileSync(join(dir, 'p.events.csv'), 'utf8')).toMatch(/,trace,subscribe,,\$share\/g\/x\/# q128 x\/# q0 \(refused: \$share\/g\/x\/#\)/);
    });
  });
});
