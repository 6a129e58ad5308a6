/**
 * Which shard a sensor belongs to, for `replay --partition k/N` (which process publishes it) and
 * `replay --connections C` (which of its connections). One hash for both, the same on every
 * machine and Node version, so N processes started anywhere split a profile without talking:
 *
 *   h          = FNV-1a, 32 bit, over the sensor id's UTF-8 bytes
 *   partition  = (h mod N) + 1                    (N = 1 without --partition)
 *   connection = (floor(h / N) mod C) + 1
 *
 * The connection takes the quotient, not h mod C again: with N = C = 4, partition 2 would
 * otherwise put every one of its sensors on connection 2.
 */
import { optionError } from '../errors.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a (32 bit) of the sensor id's UTF-8 bytes, as an unsigned integer. */
export function sensorHash(sensor: string): number {
  let h = FNV_OFFSET;
  for (const byte of utf8.encode(sensor)) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** A shard "k of N" (1-based k). */
export interface Partition {
  index: number;
  count: number;
}

/** The partition (1..count) a sensor falls in. */
export function partitionOf(sensor: string, count: number): number {
  return (sensorHash(sensor) % count) + 1;
}

/** The connection (1..connections) a sensor is sent on, inside partitions of `partitions`. */
export function connectionOf(sensor: string, connections: number, partitions = 1): number {
  return (Math.floor(sensorHash(sensor) / partitions) % connections) + 1;
}

/** `"2/4"` → {index: 2, count: 4}; `option` names the option in the error. */
export function parsePartition(text: string, option = 'partition'): Partition {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) throw optionError(option, `expected k/N with 1 ≤ k ≤ N, e.g. 2/4 (found "${text}")`);
  return { index, count };
}

/** A partition given as an object (library use) is checked like the text form. */
export function checkPartition(partition: Partition): Partition {
  return parsePartition(`${partition.index}/${partition.count}`);
}
