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
 * A burst is held at most MAX_HELD_ACKS acknowledgements at a time, though. A broker that has
 * queued messages for us (a default Mosquitto keeps 20 in flight and queues the rest) answers
 * acknowledgements with more messages, so one socket read can hold hundreds of them; holding
 * every acknowledgement until the whole read is recorded kept the broker's queue that much
 * fuller for that long (a cold tracer takes ~40 µs a message), and past 1000 queued it drops.
 * Probed with the kernel's tcp_probe on a live 2k QoS 1 burst: reads of 300–500 messages, their
 * acknowledgements out 10–20 ms later in one write, while mosquitto_sub acknowledges each one.
 * So after MAX_HELD_ACKS the rows so far are flushed and their acknowledgements let out, and the
 * next ones are held anew: one flush and one socket write per 20 messages at most.
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

/** Acknowledgements held at most before the rows are flushed and they go out: Mosquitto's default in-flight window. */
export const MAX_HELD_ACKS = 20;

export class AckAfterWrite {
  /** The socket held since the first acknowledgement of the current burst. */
  private corked: CorkableSocket | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  /** Acknowledgements waiting in the corked socket (this one included once beforeAck returns). */
  private held = 0;

  /**
   * @param socket the connection's current socket (it changes on every reconnect)
   * @param flush puts every row handed over so far in the file; throws when it cannot
   * @param onError a flush at the end of a burst failed (there is no caller to throw to)
   * @param maxHeld acknowledgements held at most before they go out (tests use small ones)
   */
  constructor(
    private readonly socket: () => CorkableSocket,
    private readonly flush: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly maxHeld = MAX_HELD_ACKS,
  ) {}

  /**
   * Call right before letting MQTT.js send an acknowledgement, once its row is handed to the
   * writer: the acknowledgement will wait in the socket until the row is flushed. Throws when a
   * flush it had to do first (the socket changed under a held burst) fails.
   */
  beforeAck(): void {
    const socket = this.socket();
    if (socket === this.corked && this.held < this.maxHeld) {
      this.held++;
      return;
    }
    // Another socket (a reconnect) or a full hold: what is held goes out first, this one is held anew.
    if (this.corked) this.release();
    if (typeof socket.cork !== 'function') {
      this.flush(); // a stream that cannot hold writes: the row goes to the file first, one by one
      return;
    }
    socket.cork();
    this.corked = socket;
    this.held = 1;
    this.scheduled ??= setImmediate(this.releaseAfterBurst);
  }

  /** Flushes the rows, then lets every held acknowledgement out (one socket write). Throws on a failed flush. */
  release(): void {
    const socket = this.corked;
    this.corked = undefined;
    this.held = 0;
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
    if (!this.corked) return; // released already (a full hold, a stop) and nothing held since
    try {
      this.release();
    } catch (error) {
      this.onError(error);
    }
  };
}
