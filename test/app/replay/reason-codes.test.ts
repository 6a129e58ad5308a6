import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { replay } from '../../../src/app/replay/replay.js';
import { eventsPathFor } from '../../../src/core/records.js';
import { tempDir } from '../../helpers/brokers.js';

/**
 * A scripted MQTT 5 broker on a real socket: it answers the n-th publish (1-based) with the
 * reason code `codeFor(n)`: QoS 1 in its PUBACK; QoS 2 in its PUBCOMP when the code is 0x92 (the
 * only failure a PUBCOMP may carry), else in its PUBREC. Mosquitto never sends these on demand.
 */
async function scriptedBroker(codeFor: (n: number) => number): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (packet: Packet): void => void socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
    let n = 0;
    const codeOfId = new Map<number, number>();
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') send({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
      else if (packet.cmd === 'publish' && packet.qos === 1) send({ cmd: 'puback', messageId: packet.messageId!, reasonCode: codeFor(++n) });
      else if (packet.cmd === 'publish' && packet.qos === 2) {
        const code = codeFor(++n);
        codeOfId.set(packet.messageId!, code === 0x92 ? code : 0);
        send({ cmd: 'pubrec', messageId: packet.messageId!, reasonCode: code === 0x92 ? 0 : code });
      } else if (packet.cmd === 'pubrel') send({ cmd: 'pubcomp', messageId: packet.messageId!, reasonCode: codeOfId.get(packet.messageId!) ?? 0 });
      else if (packet.cmd === 'pingreq') send({ cmd: 'pingresp' });
    });
    socket.on('data', (chunk) => parser.parse(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

let servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of servers) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  servers = [];
});

describe('replay: MQTT 5 acknowledgements with a failure reason code', () => {
  it.each([
    // QoS 1: in the PUBACK; QoS 2: 0x92 in the PUBCOMP, 0x80 in the PUBREC.
    [1, 0x97, 'Quota exceeded'],
    [2, 0x92, 'Packet Identifier not found'],
    [2, 0x80, 'Unspecified error'],
  ] as const)('QoS %i, reason code %i (%s): logged per message, not counted acknowledged', async (qos, code, reason) => {
    const refusedSeqs = new Set([2, 5]);
    const broker = await scriptedBroker((n) => (refusedSeqs.has(n) ? code : 0));
    servers.push(broker);
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeFileSync(profile, ['time,value', ...Array.from({ length: 6 }, (_, i) => `${i},${i}`)].join('\n') + '\n');
    const log = join(dir, 'sent.csv');
    // One in flight at a time: the n-th publish the broker sees is seq n.
    const summary = await replay({ profile, topic: 'r/{sensor}', pacing: { mode: 'max' }, qos, maxInflight: 1, connection: { host: '127.0.0.1', port: broker.port, protocolVersion: 5, clean: true }, log });
    expect(summary).toMatchObject({ sent: 6, acknowledged: 4, published: 4, unconfirmed: 2, queued: 0 });
    const rows = readFileSync(log, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    expect(rows.map((cells) => [Number(cells[0]), cells[8] !== '', cells[9] !== ''])).toEqual([1, 2, 3, 4, 5, 6].map((seq) => [seq, true, !refusedSeqs.has(seq)]));
    const refusals = readFileSync(eventsPathFor(log), 'utf8').split('\n').filter((line) => line.includes('not acknowledged'));
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toContain(`seq 2 not acknowledged: the broker answered with reason code 0x${code.toString(16)} (Publish error: ${reason})`);
    expect(refusals[1]).toContain('seq 5 not acknowledged');
  });
});
