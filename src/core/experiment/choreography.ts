/**
 * When each client comes back after a broker restart. Left to MQTT.js's reconnect timers, the
 * order of the replayer and the recorder depends on where two timers land against the broker's
 * start time, and so does what a broker that lost its state drops. The experiment instead holds
 * both clients offline during the restart and lets them back as the scenario says: a client comes
 * back `at` a time after the broker's *scheduled* start (restart.at + downFor, on the replay's
 * timeline), or `after` the other one is back (connected, resent, subscribed) plus a gap. Pure:
 * the scenario's words in, the order of releases out.
 */

export type ClientRole = 'replayer' | 'recorder';

/** How one client comes back, as the scenario wrote it (durations in ms). */
export type AtComeback = { back: 'at'; atMs: number };
export type ClientComeback = AtComeback | { back: 'after-replayer' | 'before-replayer' | 'after-recorder' | 'before-recorder'; gapMs: number };

export interface Choreography {
  replayer: ClientComeback;
  recorder: ClientComeback;
}

/** The replayer is let back 500 ms after the broker's scheduled start: time enough for it to be listening. */
export const DEFAULT_REPLAYER: AtComeback = { back: 'at', atMs: 500 };
/** The recorder 300 ms after the replayer is back: what the replayer resent meanwhile meets a broker without the recorder's subscription. */
export const DEFAULT_RECORDER: ClientComeback = { back: 'after-replayer', gapMs: 300 };
export const DEFAULT_CHOREOGRAPHY: Choreography = { replayer: DEFAULT_REPLAYER, recorder: DEFAULT_RECORDER };

/** One release: `client` is let back at `atMs` after the scheduled broker start, or `gapMs` after `after` is back. */
export type AtRelease = { client: ClientRole; atMs: number };
export type FollowRelease = { client: ClientRole; after: ClientRole; gapMs: number };
export type Release = AtRelease | FollowRelease;

const other = (role: ClientRole): ClientRole => (role === 'replayer' ? 'recorder' : 'replayer');

/** "after-X"/"before-X" said by `role`, as "role after X" or "X after role"; undefined for `at`. */
function relation(role: ClientRole, comeback: ClientComeback): { first: ClientRole; second: ClientRole; gapMs: number } | string | undefined {
  if (comeback.back === 'at') return undefined;
  const [when, named] = comeback.back.split('-') as ['after' | 'before', ClientRole];
  if (named === role) return `the ${role} cannot come back ${when} itself`;
  return when === 'after' ? { first: named, second: role, gapMs: comeback.gapMs } : { first: role, second: named, gapMs: comeback.gapMs };
}

/**
 * The two releases in order, or a sentence saying why the choreography cannot be played (both
 * clients tied to each other in contradictory ways). A client tied to the other follows it; the
 * other one comes back at its own `at` (the defaults when it was not given one).
 */
export function releaseOrder(choreography: Choreography): [Release, Release] | string {
  const ties = (['replayer', 'recorder'] as const).map((role) => relation(role, choreography[role]));
  for (const tie of ties) if (typeof tie === 'string') return tie;
  const [replayerTie, recorderTie] = ties as Array<{ first: ClientRole; second: ClientRole; gapMs: number } | undefined>;
  if (replayerTie && recorderTie) {
    if (replayerTie.first !== recorderTie.first) return 'the replayer and the recorder each wait for the other: give one of them "back": "at"';
    return 'both clients say who comes back first: keep the order on one of them and give the other "back": "at"';
  }
  const tie = replayerTie ?? recorderTie;
  if (!tie) {
    const r = choreography.replayer as { atMs: number };
    const t = choreography.recorder as { atMs: number };
    const first: Release = r.atMs <= t.atMs ? { client: 'replayer', atMs: r.atMs } : { client: 'recorder', atMs: t.atMs };
    const second: Release = r.atMs <= t.atMs ? { client: 'recorder', atMs: t.atMs } : { client: 'replayer', atMs: r.atMs };
    return [first, second];
  }
  const firstComeback = choreography[tie.first];
  const atMs = firstComeback.back === 'at' ? firstComeback.atMs : DEFAULT_REPLAYER.atMs;
  return [
    { client: tie.first, atMs },
    { client: tie.second, after: tie.first, gapMs: tie.gapMs },
  ];
}

/** `replayer at +500 ms, then recorder 300 ms after the replayer is back`: for events and reports. */
export function describeReleases(releases: readonly Release[]): string {
  return releases
    .map((r) => ('atMs' in r ? `${r.client} back at +${r.atMs} ms after the broker's scheduled start` : `${r.client} back ${r.gapMs} ms after the ${r.after} is`))
    .join(', then ');
}

export { other as otherClient };
