import { writeLines } from './measure.js';

const START_S = 1_700_000_000;

/** A `time,value` profile (epoch seconds, 1 row per second of profile time). */
export async function writeProfile(path: string, rows: number): Promise<void> {
  function* lines(): Generator<string> {
    yield 'time,value\n';
    for (let i = 0; i < rows; i++) yield `${START_S + i},${(20 + 5 * Math.sin(i / 600)).toFixed(2)}\n`;
  }
  await writeLines(path, lines());
}

/** The same readings as mosquitto_pub -l input lines in the plain payload format. */
export async function writePlainLines(path: string, rows: number): Promise<void> {
  function* lines(): Generator<string> {
    for (let i = 0; i < rows; i++) yield `${START_S + i} ${(20 + 5 * Math.sin(i / 600)).toFixed(2)}\n`;
  }
  await writeLines(path, lines());
}

/**
 * A sent log and a trace of `rows` messages as replay and trace write them, with every 1000th
 * message lost and every 5000th duplicated, so compare has real work to do.
 */
export async function writeSentAndTrace(sentPath: string, tracePath: string, rows: number): Promise<{ lost: number; duplicates: number }> {
  const t0 = 1_700_000_000_000;
  let lost = 0;
  let duplicates = 0;
  function* sent(): Generator<string> {
    yield 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n';
    for (let i = 1; i <= rows; i++) {
      const t = t0 + i * 10;
      const v = (20 + 5 * Math.sin(i / 600)).toFixed(2);
      yield `${i},s1,bench/s1,1,0,${t},${v},${t}.000,${t}.050,${t}.900,${(t / 1000).toFixed(2)} ${v}\n`;
    }
  }
  function* trace(): Generator<string> {
    yield 'received_at,topic,qos,retain,dup,payload,seq,sensor,profile_time,value,published_at,latency_ms\n';
    for (let i = 1; i <= rows; i++) {
      if (i % 1000 === 0) {
        lost++;
        continue;
      }
      const t = t0 + i * 10;
      const v = (20 + 5 * Math.sin(i / 600)).toFixed(2);
      const line = `${t}.700,bench/s1,1,0,0,${(t / 1000).toFixed(2)} ${v},${i},s1,${t},${v},${t}.050,0.650\n`;
      yield line;
      // Halfway between two lost ones: a multiple of 5000 is also a multiple of 1000, and lost.
      if (i % 5000 === 2500) {
        duplicates++;
        yield line.replace(',1,0,0,', ',1,0,1,');
      }
    }
  }
  await writeLines(sentPath, sent());
  await writeLines(tracePath, trace());
  return { lost, duplicates };
}
