import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from '@crp/platform/logger';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  topicPrefix?: string;
  logger: Logger;
  /** Partitions for topics this bus creates (KAFKA_TOPIC_PARTITIONS). */
  partitions?: number;
  /** How many partitions one consumer handles at the same time (CONSUMER_PARTITIONS_CONCURRENTLY). */
  partitionsConsumedConcurrently?: number;
  /** How long a fetch waits for data before returning what it has (CONSUMER_MAX_WAIT_MS). */
  maxWaitTimeInMs?: number;
  /**
   * Bytes fetched per partition per request (CONSUMER_MAX_BYTES_PER_PARTITION): bounds a delivery's
   * size and so the memory it holds (default 1 MB, about 1,000 order events: one batch).
   */
  maxBytesPerPartition?: number;
  /** CONSUMER_SESSION_TIMEOUT_MS: a consumer silent this long loses its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  /** How long ensureTopics waits for new topics' partition leaders (default 30 s). */
  topicReadyTimeoutMs?: number;
}

/** Keeps each produce request well under the broker's default 1 MB record-batch limit. */
const MAX_REQUEST_BYTES = 512 * 1024;

/** The only place kafkajs is used. */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer?: Producer;
  private producerConnecting?: Promise<Producer>;
  private admin?: Admin;
  private readonly consumers = new Set<Consumer>();
  private readonly prefix: string;
  /** Physical topics known to exist with a leader for every partition. */
  private readonly ready = new Set<string>();

  constructor(private readonly opts: KafkaBusOptions) {
    this.prefix = opts.topicPrefix ?? '';
    const log = opts.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        const fn = entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
        log[fn]({ namespace: entry.namespace, ...extra }, message);
      },
    });
  }

  private maxBytesPerPartition(): number {
    return this.opts.maxBytesPerPartition ?? 1024 * 1024;
  }

  private physical(topic: string) {
    return `${this.prefix}${topic}`;
  }

  private logical(topic: string) {
    return this.prefix && topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerConnecting ??= (async () => {
      // Idempotent with one request in flight: no duplicates from producer retries, and one key's
      // messages keep their order even across retries.
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
      });
      await p.connect();
      this.producer = p;
      return p;
    })().finally(() => {
      this.producerConnecting = undefined;
    });
    return this.producerConnecting;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic) ?? [];
      list.push(m);
      byTopic.set(m.topic, list);
    }
    // A topic the broker would auto-create on first use gets the broker's partition count and is
    // unusable until its leaders exist: create it the way consumers do, once per process.
    await this.ensureTopics([...byTopic.keys()]);
    const producer = await this.getProducer();
    try {
      // Many messages per request, in order, each request bounded in size: one key's messages
      // keep their order because requests go one at a time (maxInFlightRequests 1).
      let request: Array<{ topic: string; message: OutgoingMessage }> = [];
      let bytes = 0;
      const flush = async () => {
        if (request.length === 0) return;
        const grouped = new Map<string, OutgoingMessage[]>();
        for (const { topic, message } of request) {
          const list = grouped.get(topic) ?? [];
          list.push(message);
          grouped.set(topic, list);
        }
        request = [];
        bytes = 0;
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...grouped].map(([topic, list]) => ({
            topic: this.physical(topic),
            messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
          })),
        });
      };
      for (const [topic, list] of byTopic) {
        for (const message of list) {
          const size =
            (typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.length) +
            200;
          if (bytes + size > MAX_REQUEST_BYTES) await flush();
          request.push({ topic, message });
          bytes += size;
        }
      }
      await flush();
    } catch (err) {
      // A producer that lost its broker may be wedged; the next publish builds a fresh one.
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      // The group carries the topic prefix too: runs that share a cluster under different
      // prefixes (parallel test suites, several environments) must never share a group, or its
      // leader hands one run's partitions to another run's member, which does not read them.
      groupId: this.physical(opts.groupId),
      sessionTimeout: this.opts.sessionTimeoutMs ?? 30000,
      heartbeatInterval: Math.min(3000, Math.floor((this.opts.sessionTimeoutMs ?? 30000) / 3)),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.opts.maxWaitTimeInMs ?? 50,
      // A fetch holds at most one delivery per partition handled at once: decoded, an event takes
      // several times its bytes, so 4 MB per partition kept customer-service above 300 MB RSS.
      maxBytesPerPartition: this.maxBytesPerPartition(),
      maxBytes: this.maxBytesPerPartition() * Math.max(1, this.opts.partitionsConsumedConcurrently ?? 3),
      retry: {
        retries: 8,
        initialRetryTime: 300,
        maxRetryTime: 5000,
        // After a broker outage kafkajs gives up; we always want the consumer back.
        restartOnFailure: async () => true,
      },
    });
    let stopping = false;
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: opts.topics.map((t) => this.physical(t)),
        fromBeginning: opts.fromBeginning ?? true,
      });
      await consumer.run({
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 3,
        eachBatchAutoResolve: false,
        autoCommit: true,
        autoCommitInterval: 1000,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          commitOffsetsIfNecessary,
          isRunning,
          isStale,
        }) => {
          const messages: IncomingMessage[] = batch.messages.map((m) => ({
            topic: this.logical(batch.topic),
            partition: batch.partition,
            offset: m.offset,
            key: m.key ? m.key.toString() : null,
            value: m.value,
            headers: Object.fromEntries(
              Object.entries(m.headers ?? {}).map(([k, v]) => [
                k,
                Array.isArray(v) ? String(v[0]) : String(v ?? ''),
              ]),
            ),
            timestamp: m.timestamp,
          }));
          await opts.eachBatch(messages, {
            ack: (m) => resolveOffset(m.offset),
            heartbeat,
            isStopping: () => stopping || !isRunning() || isStale(),
          });
          await commitOffsetsIfNecessary();
        },
      });
    } catch (err) {
      // Half connected (the broker dropped it mid-way): nothing of this consumer may linger.
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumers.add(consumer);
    return {
      stop: async () => {
        stopping = true;
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /**
   * Creates the topics that do not exist (KAFKA_TOPIC_PARTITIONS partitions each) and returns only
   * once every one of them, created here or by another process, has a leader for each partition.
   * A topic that exists but has no leader yet ("This server does not host this topic-partition")
   * is what made services that start together on a fresh broker fail: kafkajs' own
   * `waitForLeaders` only waits when this call created every topic itself.
   */
  async ensureTopics(topics: string[]): Promise<void> {
    const wanted = [...new Set(topics.map((t) => this.physical(t)))].filter((t) => !this.ready.has(t));
    if (wanted.length === 0) return;
    try {
      const admin = await this.getAdmin();
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        // Another service may create some of them at the same moment: kafkajs then resolves false
        // (all "already exists") without waiting, which the loop below makes up for.
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 3 })),
        });
      }
      await this.waitForLeaders(admin, wanted);
    } catch (err) {
      await this.dropAdmin();
      throw err;
    }
    for (const t of wanted) this.ready.add(t);
  }

  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + (this.opts.topicReadyTimeoutMs ?? 30000);
    let last = '';
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        const waiting = topics.filter((t) => {
          const parts = meta.find((m) => m.name === t)?.partitions ?? [];
          return parts.length === 0 || parts.some((p) => p.leader < 0);
        });
        if (waiting.length === 0) return;
        last = `no leader yet for ${waiting.join(', ')}`;
      } catch (err) {
        const type = (err as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw err;
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`Kafka topics not ready: ${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async ping(): Promise<void> {
    try {
      const admin = await this.getAdmin();
      await admin.describeCluster();
    } catch (err) {
      await this.dropAdmin();
      throw err;
    }
  }

  /** A failed admin call may leave a broken connection: the next call builds a fresh admin. */
  private async dropAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    this.consumers.clear();
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.admin = undefined;
  }
}
