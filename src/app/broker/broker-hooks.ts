import type { Aedes } from 'aedes';

/** Refuses every client whose username and password are not in `credentials` (CONNACK return code 4). */
export function requireCredentials(aedes: Aedes, credentials: ReadonlyMap<string, string>, log: ((line: string) => void) | undefined): void {
  aedes.authenticate = (client, username, password, done) => {
    const expected = username === undefined ? undefined : credentials.get(username);
    if (expected !== undefined && password !== undefined && password.toString() === expected) done(null, true);
    else {
      log?.(`refused ${client.id}: bad username or password`);
      done(Object.assign(new Error('bad username or password'), { returnCode: 4 }) as Parameters<typeof done>[0], false);
    }
  };
}

/** The `-v` log, like Mosquitto's: connects, disconnects, (un)subscriptions, client errors. */
export function logActivity(aedes: Aedes, log: (line: string) => void): void {
  aedes.on('client', (client) => {
    const c = client as typeof client & { clean?: boolean; version?: number };
    log(`client connected: ${client.id} (clean ${c.clean ? 1 : 0}, MQTT v${c.version ?? '?'})`);
  });
  aedes.on('clientDisconnect', (client) => log(`client disconnected: ${client.id}`));
  aedes.on('subscribe', (subs, client) => log(`${client?.id ?? '?'} subscribed: ${subs.map((s) => `${s.topic} (q${s.qos})`).join(', ')}`));
  aedes.on('unsubscribe', (topics, client) => log(`${client?.id ?? '?'} unsubscribed: ${topics.join(', ')}`));
  aedes.on('clientError', (client, error) => log(`client ${client.id} error: ${error.message}`));
}
