import type { MqttClient } from 'mqtt';
import type { ProfileFormatOptions } from '../../core/profile/format.js';
import type { PayloadFormat } from '../../core/mqtt/payload.js';
import type { ConnectionEvent, Qos } from '../../core/records.js';
import type { PacingPercentiles } from '../../core/schedule/pacing-stats.js';
import type { Partition } from '../../core/schedule/partition.js';
import type { Pacing, ResumePlan } from '../../core/schedule/schedule.js';
import type { Clock } from '../../io/clock.js';
import type { ProfileSummary } from '../../io/input/profile-reader.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import type { SessionIdentity } from '../../io/mqtt/session.js';

/* What `replay()` takes and gives back: the library's replay API. */

export interface ReplayOptions {
  profile: string;
  format?: ProfileFormatOptions;
  /** Topic template (`sensors/{sensor}/temperature`); optional when the profile has a topic column. */
  topic?: string;
  pacing: Pacing;
  qos: Qos;
  retain?: boolean;
  /** Passes over the profile (default 1); 0 repeats until stopped. */
  loop?: number;
  payloadFormat?: PayloadFormat;
  /** Move a historical profile so its first reading is now. */
  shiftToNow?: boolean;
  /**
   * At QoS 1/2 a persistent session is used unless `connection.clean` is true (client id:
   * `connection.clientId`, else derived from `log`'s path, else random); it starts fresh each run.
   * `connection.giveUpAfterMs`: stop with E_UNREACHABLE once the broker has been away that long.
   */
  connection: ConnectionOptions;
  /**
   * Client connections to spread the sensors over (default 1). A sensor always goes out on the
   * same one (core/schedule/partition.ts), so its readings keep their order; client ids
   * `<id>-c<k>`, events source `replay-c<k>`, and the sent log gets a `connection` column.
   */
  connections?: number;
  /** Publish only the sensors of shard `index` of `count` (same hash as `connections`); seq stays the whole profile's. */
  partition?: Partition;
  /** One common start instant (epoch ms) for several processes: the pacing counts from it. Refused once more than 1 s past. */
  startAt?: number;
  /** Most messages not yet final (unacknowledged QoS 1/2, unwritten QoS 0), per connection. Default: the broker's Receive Maximum, else defaultMaxInflight(qos): 100 at QoS 1, 20 at QoS 0/2. */
  maxInflight?: number;
  /** Keep QoS 0 messages while the broker is away and send them on reconnect (default: drop them). */
  queueQos0?: boolean;
  /** Sent log path; connection events go beside it (eventsPathFor). */
  log?: string;
  /**
   * Continue an earlier run from its sent log (appended, seq continues): starts after the last
   * logged seq. At QoS 2 the seqs the killed run had handed to the client but not logged as
   * acknowledged are not sent again (they are logged with an empty published_at); QoS 1 resends them.
   */
  resume?: boolean;
  /** After the last reading, how long to wait for outstanding acknowledgments (default 10 s). */
  drainTimeoutMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (progress: ReplayProgress) => void;
  onEvent?: (event: ConnectionEvent) => void;
  /** Each paced send's error (actual − planned send, ms) with its planned time; on the publish path, so O(1) please (a live view). */
  onPacing?: (errorMs: number, plannedAt: number) => void;
  /** The MQTT client as soon as it exists: an experiment holds it offline during a broker restart. */
  onClient?: (client: MqttClient) => void;
  /** Holds rows by planned time until the caller opens it (an experiment's cut and returns, see PublishGate). */
  gate?: PublishGate;
  /** Called once the profile is validated, before connecting. */
  onValidated?: (summary: ProfileSummary) => void;
  /** Called at the replay's start time, once connected (experiment lines its broker actions up on this). */
  onStart?: (info: { startAt: number; maxInflight: number }) => void;
}

/**
 * Rows held back by their planned time (startAt + offset on the replay's timeline), whatever the
 * wall clock says: an experiment closes it at a moment T so that rows planned after T reach the
 * client only once it opens it again. Asked before each paced row (on the publish path: keep it O(1)).
 */
export interface PublishGate {
  /** undefined: the row planned at `plannedAt` may go; else it waits for the promise and asks again. */
  hold(plannedAt: number): Promise<void> | undefined;
  /** The pacing loop has handed over its last row, or was stopped: nothing more will be held. */
  ended?(): void;
}

export interface ReplayProgress {
  sent: number;
  published: number;
  acknowledged: number;
  queued: number;
  dropped: number;
  /** Readings the whole replay will send; undefined when looping until stopped. */
  total?: number;
  elapsedMs: number;
  /** Estimated time left; undefined when unknown. */
  etaMs?: number;
  /** Published per second since the start. */
  rate: number;
  connected: boolean;
  reconnects: number;
}

export interface ReplaySummary {
  /** Handed to the MQTT client. */
  sent: number;
  /** Left on the wire (QoS 0) or acknowledged (QoS 1/2). */
  published: number;
  acknowledged: number;
  /** Handed over but neither published nor dropped at the end (still in the client's queue). */
  queued: number;
  /** QoS 0 readings that came due while the broker was away (without queueQos0), or failed to write. */
  dropped: number;
  /**
   * QoS 1/2 messages whose final acknowledgement did not confirm delivery — an MQTT 5 failure
   * reason code, or a QoS 2 PUBCOMP after the broker lost the session holding the message:
   * logged without acked_at, one `error` line each in the events file.
   */
  unconfirmed: number;
  reconnects: number;
  durationMs: number;
  /** |actual send − planned send| of the sends made while connected; zeros with --max. */
  pacingErrorMs: PacingPercentiles;
  /** Sends that waited out an outage (connection down between planned time and send): their delay. */
  outageDelayMs?: PacingPercentiles & { count: number };
  maxInflight: number;
  stoppedBy: 'end' | 'signal';
  profile: ProfileSummary;
  log?: string;
  events?: string;
  /** With resume: where this run started and what it did not send again. */
  resumed?: ResumePlan;
  /** The persistent session's client id (QoS 1/2 without `connection.clean`); with several connections, `-c<k>` is added to it. */
  session?: SessionIdentity;
  /** Connections used, when more than one. */
  connections?: number;
  /** The shard published (partition option). */
  partition?: Partition;
}
