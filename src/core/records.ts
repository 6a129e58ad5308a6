/**
 * The records that flow between commands, and the column order of the files that hold them.
 * The CSV headers here are the file formats' contract: replay writes SENT_COLUMNS, trace writes
 * TRACE_COLUMNS, every command writes EVENT_COLUMNS beside its output, compare reads all three.
 * All times are epoch milliseconds with a fractional part.
 */

export type Qos = 0 | 1 | 2;

/** One reading of a profile, after parsing. */
export interface ProfileRow {
  /** 1-based line in the source file, for error messages. */
  line: number;
  sensor: string;
  /** Epoch ms for absolute profiles, ms since the first row for relative ones. */
  time: number;
  value: number;
  /** Optional topic named by the profile itself. */
  topic?: string;
}

export const SENT_COLUMNS = [
  'seq',
  'sensor',
  'topic',
  'qos',
  'retain',
  'profile_time',
  'value',
  'planned_at',
  'published_at',
  'acked_at',
  'payload',
] as const;

/**
 * Written after SENT_COLUMNS only by `replay --connections N` (N > 1): which client connection
 * (1..N, client id `<id>-c<k>`) sent the row. Readers look columns up by name, so logs with and
 * without it read alike.
 */
export const SENT_CONNECTION_COLUMN = 'connection';

export interface SentRecord {
  seq: number;
  sensor: string;
  topic: string;
  qos: Qos;
  retain: boolean;
  /** Epoch ms of the reading as it was sent (relative profiles are anchored at the replay's start). */
  profileTime: number;
  value: number;
  plannedAt: number;
  /** When the packet left on the wire; undefined if it never did. */
  publishedAt?: number;
  /** PUBACK/PUBCOMP time for QoS 1/2; undefined for QoS 0 or when none came. */
  ackedAt?: number;
  payload: string;
  /** `replay --connections N`: the connection (1..N) that sent it. */
  connection?: number;
}

export const TRACE_COLUMNS = [
  'received_at',
  'topic',
  'qos',
  'retain',
  'dup',
  'payload',
  'seq',
  'sensor',
  'profile_time',
  'value',
  'published_at',
  'latency_ms',
] as const;

export interface TraceRecord {
  receivedAt: number;
  topic: string;
  qos: Qos;
  retain: boolean;
  dup: boolean;
  /** Raw payload bytes; writers encode non-text payloads so the CSV round-trips. */
  payload: Buffer;
  seq?: number;
  sensor?: string;
  profileTime?: number;
  value?: number;
  publishedAt?: number;
  latencyMs?: number;
}

export const EVENT_COLUMNS = ['at', 'source', 'event', 'session_present', 'detail'] as const;

/**
 * connect/offline/reconnect/close/error come from clients; session_lost when a reconnect finds
 * no session; broker_stop/broker_start from whoever controls the broker (experiment);
 * fault_start/fault_end from an experiment's network faults (faults.events.csv).
 */
export type ConnectionEventKind =
  | 'connect'
  | 'offline'
  | 'reconnect'
  | 'close'
  | 'error'
  | 'session_lost'
  | 'subscribe'
  | 'broker_stop'
  | 'broker_start'
  | 'fault_start'
  | 'fault_end';

export interface ConnectionEvent {
  at: number;
  source: string;
  event: ConnectionEventKind;
  sessionPresent?: boolean;
  detail?: string;
}

/** `out/sent.csv` → `out/sent.events.csv`: where a command's connection events go, beside its output. */
export function eventsPathFor(outputPath: string): string {
  return outputPath.replace(/\.(csv|jsonl|parquet)$/i, '') + '.events.csv';
}
