import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AckAfterWrite, type CorkableSocket } from '../../../src/app/trace/ack-after-write.js';

/** A writable that logs what actually leaves it (after any cork), next to the flushes. */
function loggedSocket(log: string[], name = 'socket'): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      log.push(`${name}:${chunk.toString()}`);
      callback();
    },
  });
}

const nextImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AckAfterWrite', () => {
  it('holds a burst of acknowledgements until one flush at the end of the burst, then lets them out in order', async () => {
    const log: string[] = [];
    const socket = loggedSocket(log);
    const gate = new AckAfterWrite(() => socket, () => log.push('flush'), (error) => log.push(`error:${String(error)}`));
    for (const ack of ['a1', 'a2', 'a3']) {
      gate.beforeAck();
      socket.write(ack);
    }
    socket.write('pingreq'); // anything else written meanwhile waits behind them
    expect(log).toEqual([]);
    await nextImmediate();
    expect(log).toEqual(['flush', 'socket:a1', 'socket:a2', 'socket:a3', 'socket:pingreq']);
  });

  it('release() (stopping) flushes and lets the held acknowledgements out at once; the burst timer is cancelled', async () => {
    const log: string[] = [];
    const socket = loggedSocket(log);
    const gate = new AckAfterWrite(() => socket, () => log.push('flush'), () => log.push('error'));
    gate.beforeAck();
    socket.write('a1');
    gate.release();
    expect(log).toEqual(['flush', 'socket:a1']);
    await nextImmediate();
    expect(log).toEqual(['flush', 'socket:a1']);
    gate.release(); // nothing held: still flushes (rows without acknowledgements, QoS 0)
    expect(log).toEqual(['flush', 'socket:a1', 'flush']);
  });

  it('a new burst after a release is held again', async () => {
    const log: string[] = [];
    const socket = loggedSocket(log);
    const gate = new AckAfterWrite(() => socket, () => log.push('flush'), () => log.push('error'));
    gate.beforeAck();
    socket.write('a1');
    await nextImmediate();
    gate.beforeAck();
    socket.write('a2');
    expect(log).toEqual(['flush', 'socket:a1']);
    await nextImmediate();
    expect(log).toEqual(['flush', 'socket:a1', 'flush', 'socket:a2']);
  });

  it('when the socket changes under a held burst (a reconnect), flushes and releases the old one first', async () => {
    const log: string[] = [];
    const sockets = [loggedSocket(log, 'old'), loggedSocket(log, 'new')];
    let current = sockets[0]!;
    const gate = new AckAfterWrite(() => current, () => log.push('flush'), () => log.push('error'));
    gate.beforeAck();
    current.write('a1');
    current = sockets[1]!;
    gate.beforeAck();
    current.write('b1');
    expect(log).toEqual(['flush', 'old:a1']);
    await nextImmediate();
    expect(log).toEqual(['flush', 'old:a1', 'flush', 'new:b1']);
  });

  it('on a failed flush the held acknowledgements never leave: the socket is destroyed and the error reported', async () => {
    const log: string[] = [];
    const socket = loggedSocket(log);
    const errors: unknown[] = [];
    const gate = new AckAfterWrite(
      () => socket,
      () => {
        throw new Error('ENOSPC');
      },
      (error) => errors.push(error),
    );
    gate.beforeAck();
    socket.write('a1');
    socket.on('error', () => {}); // writes pending on a destroyed stream error out
    await nextImmediate();
    await nextImmediate();
    expect(errors).toEqual([new Error('ENOSPC')]);
    expect(socket.destroyed).toBe(true);
    expect(log).toEqual([]);
  });

  it('release() throws a failed flush to its caller (and still sends nothing)', () => {
    const log: string[] = [];
    const socket = loggedSocket(log);
    const gate = new AckAfterWrite(
      () => socket,
      () => {
        throw new Error('EIO');
      },
      () => log.push('error'),
    );
    gate.beforeAck();
    socket.write('a1');
    expect(() => gate.release()).toThrow('EIO');
    expect(socket.destroyed).toBe(true);
    expect(log).toEqual([]);
  });

  it('a stream that cannot cork gets each row flushed before its acknowledgement', () => {
    const log: string[] = [];
    const plain: CorkableSocket = { destroy: () => log.push('destroy') };
    const gate = new AckAfterWrite(() => plain, () => log.push('flush'), () => log.push('error'));
    gate.beforeAck();
    log.push('ack');
    gate.beforeAck();
    log.push('ack');
    expect(log).toEqual(['flush', 'ack', 'flush', 'ack']);
  });
});
