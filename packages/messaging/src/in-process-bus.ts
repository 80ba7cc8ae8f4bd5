import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus';

interface Stored {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: string;
}

interface Member {
  opts: SubscribeOptions;
  stopped: boolean;
  pumping: Promise<void> | null;
  wake: () => void;
}

/**
 * A Kafka-like log in memory, for `npm start` with no setup and for fast component tests.
 * Same semantics as the Kafka adapter: keyed partitions kept in order, consumer groups with
 * committed offsets, at-least-once redelivery when a batch handler throws. One member per group.
 */
export class InProcessBus implements Bus {
  readonly kind = 'in-process' as const;
  private readonly log = new Map<string, Stored[][]>();
  /** group -> "topic/partition" -> next offset to deliver */
  private readonly offsets = new Map<string, Map<string, number>>();
  private readonly members = new Map<string, Member>();
  private closed = false;

  constructor(
    private readonly opts: { partitions?: number; batchSize?: number; retryDelayMs?: number } = {},
  ) {}

  private partitionsOf(topic: string): Stored[][] {
    let parts = this.log.get(topic);
    if (!parts) {
      parts = Array.from({ length: this.opts.partitions ?? 3 }, () => []);
      this.log.set(topic, parts);
    }
    return parts;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const touched = new Set<string>();
    for (const m of messages) {
      const parts = this.partitionsOf(m.topic);
      parts[partitionFor(m.key, parts.length)]!.push({
        key: m.key,
        value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
        headers: { ...(m.headers ?? {}) },
        timestamp: String(Date.now()),
      });
      touched.add(m.topic);
    }
    for (const member of this.members.values()) {
      if (member.opts.topics.some((t) => touched.has(t))) member.wake();
    }
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    if (this.members.has(opts.groupId)) {
      throw new Error(`in-process bus: group ${opts.groupId} already has a member`);
    }
    let groupOffsets = this.offsets.get(opts.groupId);
    if (!groupOffsets) {
      groupOffsets = new Map();
      this.offsets.set(opts.groupId, groupOffsets);
      for (const topic of opts.topics) {
        this.partitionsOf(topic).forEach((p, i) => {
          groupOffsets!.set(`${topic}/${i}`, opts.fromBeginning === false ? p.length : 0);
        });
      }
    }
    const member: Member = { opts, stopped: false, pumping: null, wake: () => undefined };
    member.wake = () => {
      if (!member.stopped && !member.pumping) {
        member.pumping = this.pump(member, groupOffsets!).finally(() => {
          member.pumping = null;
          if (!member.stopped && this.hasPending(member, groupOffsets!)) member.wake();
        });
      }
    };
    this.members.set(opts.groupId, member);
    member.wake();
    return {
      stop: async () => {
        member.stopped = true;
        this.members.delete(opts.groupId);
        await member.pumping;
      },
    };
  }

  private hasPending(member: Member, offsets: Map<string, number>): boolean {
    return member.opts.topics.some((topic) =>
      this.partitionsOf(topic).some((p, i) => (offsets.get(`${topic}/${i}`) ?? 0) < p.length),
    );
  }

  private async pump(member: Member, offsets: Map<string, number>): Promise<void> {
    // Yield first, so publish() returns before handlers run, as with a real broker.
    await new Promise((r) => setImmediate(r));
    for (const topic of member.opts.topics) {
      const parts = this.partitionsOf(topic);
      for (let partition = 0; partition < parts.length; partition++) {
        const slot = `${topic}/${partition}`;
        while (!member.stopped) {
          const from = offsets.get(slot) ?? 0;
          const stored = parts[partition]!.slice(from, from + (this.opts.batchSize ?? 1000));
          if (stored.length === 0) break;
          const batch: IncomingMessage[] = stored.map((s, i) => ({
            topic,
            partition,
            offset: String(from + i),
            key: s.key,
            value: s.value,
            headers: { ...s.headers },
            timestamp: s.timestamp,
          }));
          try {
            await member.opts.eachBatch(batch, {
              ack: (m) => {
                const next = Number(m.offset) + 1;
                if (next > (offsets.get(slot) ?? 0)) offsets.set(slot, next);
              },
              heartbeat: async () => undefined,
              isStopping: () => member.stopped,
            });
          } catch {
            // At-least-once: whatever was not acknowledged is delivered again after a pause.
            await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 200));
          }
        }
      }
    }
  }

  async ensureTopics(topics: string[]): Promise<void> {
    for (const t of topics) this.partitionsOf(t);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        m.stopped = true;
        await m.pumping;
      }),
    );
    this.members.clear();
  }

  /** Test helper: every message on a topic, in partition order. */
  messagesOn(topic: string): Array<{ key: string; value: string; headers: Record<string, string> }> {
    return this.partitionsOf(topic).flatMap((p) =>
      p.map((s) => ({ key: s.key, value: s.value.toString(), headers: s.headers })),
    );
  }
}

/** murmur2-free but stable: the same key always lands in the same partition. */
export function partitionFor(key: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % partitions;
}
