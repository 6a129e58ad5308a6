import { Writable } from 'node:stream';
import { MqttClient, type IPublishPacket, type Packet } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ackHandlerOption, applyAckHandlerOnAnyProtocol, overrideHandleMessage, writePlainAcksCompactly, type AckHandler, type PublishHandler } from '../../../src/io/mqtt/mqttjs-internals.js';
import { mosquittoAvailable, withBroker, withEmbeddedBroker } from '../../helpers/brokers.js';
import { connectPublisher } from '../../app/trace/helpers.js';
import { connected, wireLoggedClient } from './wire-client.js';

/**
 * What sensortrace relies on in MQTT.js (pinned ~5.16.0) beyond its construction options. If one
 * of these fails after an MQTT.js upgrade, the write-before-ack guarantee of `trace` is at stake:
 * read src/io/mqtt/mqttjs-internals.ts and src/app/trace/ack-after-write.ts before going on.
 */

/** The packet types the client has put on the wire, and a way to wait for one. */
class Wire {
  readonly sent: string[] = [];
  private waiters: Array<{ type: string; n: number; resolve: () => void }> = [];

  readonly onSent = (type: string): void => {
    this.sent.push(type);
    this.waiters = this.waiters.filter((w) => (this.count(w.type) >= w.n ? (w.resolve(), false) : true));
  };

  /** Resolves once `n` packets of this type have been sent (at once if they have). */
  until(type: string, n = 1): Promise<void> {
    if (this.count(type) >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ type, n, resolve }));
  }

  count(type: string): number {
    return this.sent.filter((t) => t === type).length;
  }
}

/** Something to hold a callback with, and to know it was called. */
function hold<T>(): { arrived: Promise<T>; take(value: T): void } {
  let take!: (value: T) => void;
  const arrived = new Promise<T>((resolve) => (take = resolve));
  return { arrived, take };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function withHookedClient(
  protocolVersion: 4 | 5,
  hooks: { acks: AckHandler; message: PublishHandler },
  body: (client: MqttClient, wire: Wire, publish: (qos: 1 | 2, payload: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  // aedes speaks 3.1.1 only; MQTT 5 against Mosquitto.
  await withBroker(protocolVersion === 5 ? 'mosquitto' : 'aedes', async (broker) => {
    const wire = new Wire();
    const client = wireLoggedClient(broker, { clientId: `hooks-v${protocolVersion}`, protocolVersion, ...ackHandlerOption(hooks.acks) }, wire.onSent);
    overrideHandleMessage(client, hooks.message);
    applyAckHandlerOnAnyProtocol(client, hooks.acks);
    await connected(client);
    await client.subscribeAsync('h/#', { qos: 2 });
    const publisher = await connectPublisher(broker);
    try {
      await body(client, wire, (qos, payload) => publisher.publishAsync('h/x', payload, { qos }).then(() => {}));
    } finally {
      await publisher.endAsync(true);
      await client.endAsync(true);
    }
  });
}

describe('MQTT.js: customHandleAcks under MQTT 3.1.1', () => {
  it('is dropped at construction (why applyAckHandlerOnAnyProtocol exists) and applies once put back', async () => {
    await withEmbeddedBroker(async (broker) => {
      const handler: AckHandler = (_t, _m, _p, done) => done(null, 0);
      const client = wireLoggedClient(broker, { protocolVersion: 4, ...ackHandlerOption(handler) }, () => {});
      try {
        // If this fails, MQTT.js now keeps customHandleAcks under 3.1.1: the adapter can go.
        expect(client.options.customHandleAcks).not.toBe(ackHandlerOption(handler).customHandleAcks);
        applyAckHandlerOnAnyProtocol(client, handler);
        expect(client.options.customHandleAcks).toBe(handler);
      } finally {
        await client.endAsync(true);
      }
    });
  });
});

describe.each(mosquittoAvailable ? ([4, 5] as const) : ([4] as const))('MQTT.js hooks the recorder relies on, MQTT %s', (protocolVersion) => {
  it('QoS 2: customHandleAcks runs before any PUBREC; PUBREC waits for its done; handleMessage runs at PUBREL and PUBCOMP waits for its callback', async () => {
    const acked = hold<{ packet: IPublishPacket; done: (error: Error | null, code?: number) => void }>();
    const handled = hold<{ packet: IPublishPacket; done: (error?: Error) => void }>();
    await withHookedClient(
      protocolVersion,
      { acks: (_t, _m, packet, done) => acked.take({ packet, done }), message: (packet, done) => handled.take({ packet, done }) },
      async (_client, wire, publish) => {
        const published = publish(2, 'q2');
        const { packet, done } = await acked.arrived;
        expect(packet).toMatchObject({ qos: 2, topic: 'h/x' });
        await nextTurn();
        expect(wire.count('pubrec')).toBe(0);
        done(null, 0);
        await wire.until('pubrec');
        const atPubrel = await handled.arrived;
        expect(atPubrel.packet.messageId).toBe(packet.messageId);
        await nextTurn();
        expect(wire.count('pubcomp')).toBe(0);
        atPubrel.done();
        await wire.until('pubcomp');
        await published;
      },
    );
  });

  it('QoS 2: done(error) sends no PUBREC, and the client goes on to the next message', async () => {
    const seen: string[] = [];
    const second = hold<void>();
    await withHookedClient(
      protocolVersion,
      {
        acks: (_t, message, _p, done) => {
          seen.push(message.toString());
          if (message.toString() === 'refused') done(new Error('not recorded'));
          else {
            second.take();
            done(null, 0);
          }
        },
        message: (_p, done) => done(),
      },
      async (client, wire, publish) => {
        client.on('error', () => {}); // MQTT.js reports the refusal as an error event
        void publish(2, 'refused');
        void publish(2, 'accepted');
        await second.arrived;
        await wire.until('pubrec');
        expect(seen).toEqual(['refused', 'accepted']);
        expect(wire.count('pubrec')).toBe(1);
      },
    );
  });

  it('QoS 1: customHandleAcks, then handleMessage; PUBACK waits for handleMessage’s callback', async () => {
    const order: string[] = [];
    const handled = hold<(error?: Error) => void>();
    await withHookedClient(
      protocolVersion,
      {
        acks: (_t, _m, _p, done) => {
          order.push('acks');
          done(null, 0);
        },
        message: (_p, done) => {
          order.push('message');
          handled.take(done);
        },
      },
      async (_client, wire, publish) => {
        const published = publish(1, 'q1');
        const done = await handled.arrived;
        await nextTurn();
        expect(order).toEqual(['acks', 'message']);
        expect(wire.count('puback')).toBe(0);
        done();
        await wire.until('puback');
        await published;
      },
    );
  });

  it('acknowledgements are written to client.stream: corked, a PUBACK stays there until uncork', async () => {
    const handled = hold<(error?: Error) => void>();
    await withHookedClient(protocolVersion, { acks: (_t, _m, _p, done) => done(null, 0), message: (_p, done) => handled.take(done) }, async (client, wire, publish) => {
      const published = publish(1, 'corked');
      const done = await handled.arrived;
      client.stream.cork();
      done();
      await nextTurn();
      await nextTurn();
      expect(wire.count('puback')).toBe(0);
      client.stream.uncork();
      await wire.until('puback');
      await published;
    });
  });
});

describe('writePlainAcksCompactly (MQTT.js private _writePacket)', () => {
  /** A client on a stream that keeps every chunk written to it (never connected: only _writePacket is used). */
  function recordingClient(protocolVersion: 4 | 5): { client: MqttClient; chunks: Buffer[]; write: (packet: Packet) => Promise<void> } {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    const client = new MqttClient(() => stream as never, { protocolVersion, manualConnect: true, log: () => {} } as never);
    client.stream = stream as never;
    const internals = client as unknown as { _writePacket(packet: Packet, callback: () => void): void };
    const write = (packet: Packet): Promise<void> => new Promise((resolve) => internals._writePacket(packet, resolve));
    return { client, chunks, write };
  }

  it.each([4, 5] as const)('MQTT %s: plain PUBACK/PUBREC/PUBCOMP go out as one 4-byte chunk, with packetsend and the callback; others unchanged', async (protocolVersion) => {
    const compact = recordingClient(protocolVersion);
    const reference = recordingClient(protocolVersion);
    writePlainAcksCompactly(compact.client);
    const sent: string[] = [];
    compact.client.on('packetsend', (packet: Packet) => sent.push(packet.cmd));
    const plain: Packet[] = [
      { cmd: 'puback', messageId: 0x1234, reasonCode: 0 },
      { cmd: 'pubrec', messageId: 7 },
      { cmd: 'pubcomp', messageId: 0x0102 },
    ];
    for (const packet of plain) await compact.write(packet);
    expect(compact.chunks).toEqual([Buffer.from([0x40, 2, 0x12, 0x34]), Buffer.from([0x50, 2, 0, 7]), Buffer.from([0x70, 2, 1, 2])]);
    expect(sent).toEqual(['puback', 'pubrec', 'pubcomp']);
    if (protocolVersion === 4) {
      // The very bytes mqtt-packet writes under 3.1.1.
      for (const packet of plain) await reference.write(packet);
      await nextTurn(); // mqtt-packet corks the stream until the next tick
      expect(Buffer.concat(reference.chunks)).toEqual(Buffer.concat(compact.chunks));
    }
    // A PUBREL, a PUBACK with a reason code: MQTT.js's own writer.
    compact.chunks.length = 0;
    reference.chunks.length = 0;
    const others: Packet[] = [{ cmd: 'pubrel', messageId: 9 }, ...(protocolVersion === 5 ? [{ cmd: 'puback', messageId: 3, reasonCode: 16 } as Packet] : [])];
    for (const packet of others) {
      await compact.write(packet);
      await reference.write(packet);
    }
    await nextTurn();
    expect(Buffer.concat(compact.chunks)).toEqual(Buffer.concat(reference.chunks));
    expect(compact.chunks.length).toBeGreaterThan(others.length); // mqtt-packet's several chunks a packet
  });
});
