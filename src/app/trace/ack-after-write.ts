/**
 * Write-before-ack with held acknowledgements: a PUBACK/PUBREC reaches the broker only after the
 * row it acknowledges is in the trace file, and a burst of them costs one flush and one socket
 * write instead of two syscalls a message (most of a QoS 1 drain).
 *
 * MQTT.js hands a whole socket read of packets through its handlers on process.nextTick and
 * writes each acknowledgement to `client.stream` (its socket) as soon as the handler lets it go.
 * So before the first acknowledgement of a burst the socket is corked; the acknowledgements pile
 * up in it while MQTT.js goes on to the next packet at once, and at setImmediate (after the
 * burst) the rows are flushed and then the socket uncorked: one write carries every ack. Anything
 * else written meanwhile (PUBCOMP, PINGREQ) waits in the same queue, so packets keep their order.
 *
 * If the flush fails (a full disk), the rows are not in the file and their acknowledgements must
 * never leave: the socket is destroyed, which discards what it holds, and the broker sends those
 * messages again on the next connection. Acknowledgements held for a connection that has since
 * dropped are lost with it, likewise resent (QoS 2 resends are recognised by packet id, see
 * core/trace/qos2-dedupe.ts; QoS 1 may be recorded twice, as it always could).
 */

/** The part of a Node writable stream (MQTT.js's `client.stream`) the gate uses. */
export interface CorkableSocket {
  cork?(): void;
  uncork?(): void;
  destroy(): unknown;
}

export class AckAfterWrite {
  /** The socket held since the first acknowledgement of the current burst. */
  private corked: CorkableSocket | undefined;
  private scheduled: NodeJS.Immediate | undefined;

  /**
   * @param socket the connection's current socket (it changes on every reconnect)
   * @param flush puts every row handed over so far in the file; throws when it cannot
   * @param onError a flush at the end of a burst failed (there is no caller to throw to)
   */
  constructor(
    private readonly socket: () => CorkableSocket,
    private readonly flush: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Call right before letting MQTT.js send an acknowledgement, once its row is handed to the
   * writer: the acknowledgement will wait in the socket until the row is flushed. Throws when a
   * flush it had to do first (the socket changed under a held burst) fails.
   */
  beforeAck(): void {
    const socket = this.socket();
    if (socket === this.corked) return;
    if (this.corked) this.release();
    if (typeof socket.cork !== 'function') {
      this.flush(); // a stream that cannot hold writes: the row goes to the file first, one by one
      return;
    }
    socket.cork();
    this.corked = socket;
    this.scheduled = setImmediate(this.releaseAfterBurst);
  }

  /** Flushes the rows, then lets every held acknowledgement out (one socket write). Throws on a failed flush. */
  release(): void {
    const socket = this.corked;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.corked = undefined;
    try {
      this.flush();
    } catch (error) {
      socket?.destroy();
      throw error;
    }
    socket?.uncork?.();
  }

  private readonly releaseAfterBurst = (): void => {
    this.scheduled = undefined;
    try {
      this.release();
    } catch (error) {
      this.onError(error);
    }
  };
}
