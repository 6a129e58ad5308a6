import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the processes whose command line mentions `text` (e.g. a run folder): what a test left running. */
export function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}
