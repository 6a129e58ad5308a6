import { DefaultMessageIdProvider, type IClientOptions } from 'mqtt';

type MessageIdProvider = NonNullable<IClientOptions['messageIdProvider']>;

/**
 * MQTT.js's `messageIdProvider` option, keeping which packet id carries which seq. MQTT.js
 * assigns packet ids inside publish(), possibly later (while it resends its store after a
 * reconnect); allocations happen in publish order, so a FIFO of expected seqs pairs them up.
 * Ids themselves come from MQTT.js's own default provider.
 */
export class SeqMessageIds implements MessageIdProvider {
  private readonly ids = new DefaultMessageIdProvider();
  /** Seqs handed to publish() whose packet id is not allocated yet, oldest first. */
  private readonly awaiting: number[] = [];
  private readonly idToSeq = new Map<number, number>();
  private readonly seqToId = new Map<number, number>();

  /** The next allocated id is for this seq. */
  expect(seq: number): void {
    this.awaiting.push(seq);
  }

  /** The seq a packet id carries, while that message is outstanding. */
  seqOf(id: number): number | undefined {
    return this.idToSeq.get(id);
  }

  /** The message is final: its id no longer names it. */
  release(seq: number): void {
    const id = this.seqToId.get(seq);
    if (id === undefined) return;
    this.seqToId.delete(seq);
    if (this.idToSeq.get(id) === seq) this.idToSeq.delete(id);
  }

  allocate(): number | null {
    const id = this.ids.allocate();
    const seq = this.awaiting.shift();
    if (seq !== undefined) {
      this.idToSeq.set(id, seq);
      this.seqToId.set(seq, id);
    }
    return id;
  }

  getLastAllocated(): number | null {
    return this.ids.getLastAllocated();
  }

  register(id: number): boolean {
    return this.ids.register(id);
  }

  deallocate(id: number): void {
    this.ids.deallocate(id);
  }

  clear(): void {
    this.ids.clear();
  }
}
