import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { MqttClient, type IClientOptions } from 'mqtt';

/** MQTT control packet types by the high nibble of the first byte. */
export const PACKET_TYPES: Record<number, string> = { 3: 'publish', 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp', 8: 'subscribe', 12: 'pingreq', 14: 'disconnect' };

/**
 * Splits a byte stream into MQTT packet types as the bytes come (fixed header: type nibble,
 * then a variable-length remaining length).
 */
export class PacketSplitter {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const types: string[] = [];
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let at = 1;
      let complete = false;
      while (at < this.pending.length && at <= 4) {
        const byte = this.pending[at++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || this.pending.length < at + length) return types;
      const type = this.pending[0]! >> 4;
      types.push(PACKET_TYPES[type] ?? `type${type}`);
      this.pending = this.pending.subarray(at + length);
    }
  }
}

/**
 * An MQTT.js client on a socket of our own (MQTT.js's documented `new MqttClient(streamBuilder,
 * options)`): `onSent` sees each packet type at the moment its bytes leave `client.stream`, that
 * is after any cork, so a test can check what had happened by then (a flush, a row written).
 */
export function wireLoggedClient(broker: { host: string; port: number }, options: IClientOptions, onSent: (type: string) => void): MqttClient {
  const build = (): Duplex => {
    const socket = connect({ host: broker.host, port: broker.port });
    const splitter = new PacketSplitter();
    const duplex = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        for (const type of splitter.push(chunk)) onSent(type);
        // At once, not when the socket is done with it: everything that leaves at an uncork is seen then.
        socket.write(chunk);
        callback();
      },
      read() {},
      final(callback) {
        socket.end(callback);
      },
      destroy(error, callback) {
        socket.destroy();
        callback(error);
      },
    });
    socket.on('data', (data: Buffer) => duplex.push(data));
    socket.on('end', () => duplex.push(null));
    socket.on('error', (error) => duplex.destroy(error));
    socket.on('close', () => duplex.destroy());
    return duplex;
  };
  return new MqttClient(build, { reconnectPeriod: 0, protocolVersion: 4, keepalive: 60, clean: true, ...options });
}

/** Resolves when the client has its CONNACK. */
export function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
}
