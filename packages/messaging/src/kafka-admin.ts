import { ConfigResourceTypes, Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import type { TopicSpec } from './topic-plan';

export interface KafkaAdminOptions {
  brokers: string[];
  /** KAFKA_TOPIC_PREFIX: the same prefix the services use. */
  topicPrefix?: string;
  clientId?: string;
}

export interface TopicAction {
  topic: string;
  action: 'created' | 'partitions added' | 'retention set' | 'unchanged';
  detail?: string;
}

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: string;
}

export interface DeadLetterTopicSummary {
  topic: string;
  messages: number;
  /** How many of them `replay` has already sent back (its consumer group's committed offsets). */
  replayed: number;
}

const DLT_SUFFIX = '.DLT';
const header = (v: IHeaders[string]) =>
  Array.isArray(v)
    ? String(v[0] ?? '')
    : v === undefined
      ? ''
      : Buffer.isBuffer(v)
        ? v.toString()
        : String(v);

/**
 * The operator's side of Kafka (topics script, DLT tool): kept apart from KafkaBus, which is what
 * services run. Topic names are logical; the prefix is added and removed here.
 */
export class KafkaAdmin {
  private readonly kafka: Kafka;
  private readonly prefix: string;
  private admin?: Admin;

  constructor(private readonly opts: KafkaAdminOptions) {
    this.prefix = opts.topicPrefix ?? '';
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'crp-admin',
      brokers: opts.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 15000,
      retry: { retries: 5, initialRetryTime: 300 },
    });
  }

  private physical = (topic: string) => `${this.prefix}${topic}`;

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /**
   * Brings the topics to the plan: creates the missing ones (partitions, retention), adds
   * partitions where there are fewer (never removes: Kafka cannot), sets retention where it differs.
   * Idempotent.
   */
  async applyTopicPlan(plan: TopicSpec[], opts: { replicationFactor?: number } = {}): Promise<TopicAction[]> {
    const admin = await this.connected();
    const existing = new Set(await admin.listTopics());
    const missing = plan.filter((t) => !existing.has(this.physical(t.topic)));
    const actions: TopicAction[] = [];
    if (missing.length) {
      const rf = opts.replicationFactor ?? -1;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: this.physical(t.topic),
          numPartitions: t.partitions,
          replicationFactor: rf,
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            // With 3 replicas, acks=all (the producers' setting) then survives one broker down.
            ...(rf >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []),
          ],
        })),
      });
      for (const t of missing)
        actions.push({ topic: t.topic, action: 'created', detail: `${t.partitions} partitions` });
    }
    const present = plan.filter((t) => existing.has(this.physical(t.topic)));
    if (present.length === 0) return actions;
    const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => this.physical(t.topic)) });
    const grow = present.filter((t) => {
      const count = topics.find((m) => m.name === this.physical(t.topic))?.partitions.length ?? 0;
      return count < t.partitions;
    });
    if (grow.length) {
      await admin.createPartitions({
        topicPartitions: grow.map((t) => ({ topic: this.physical(t.topic), count: t.partitions })),
      });
      for (const t of grow)
        actions.push({ topic: t.topic, action: 'partitions added', detail: `now ${t.partitions}` });
    }
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({
        type: ConfigResourceTypes.TOPIC,
        name: this.physical(t.topic),
        configNames: ['retention.ms'],
      })),
    });
    const retentionOf = new Map(
      configs.resources.map((r) => [
        r.resourceName,
        r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue,
      ]),
    );
    const retune = present.filter((t) => retentionOf.get(this.physical(t.topic)) !== String(t.retentionMs));
    if (retune.length) {
      // Incremental alteration is not in kafkajs: alterConfigs replaces the topic's overrides, so
      // this tool owns them (retention, and min ISR set at creation is repeated where it applies).
      await admin.alterConfigs({
        validateOnly: false,
        resources: retune.map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: this.physical(t.topic),
          configEntries: [{ name: 'retention.ms', value: String(t.retentionMs) }],
        })),
      });
      for (const t of retune)
        actions.push({ topic: t.topic, action: 'retention set', detail: `${t.retentionMs} ms` });
    }
    const touched = new Set(actions.map((a) => a.topic));
    // The broker applies partition and config changes asynchronously: return once they show.
    await this.waitUntilApplied(plan.filter((t) => touched.has(t.topic)));
    for (const t of plan) if (!touched.has(t.topic)) actions.push({ topic: t.topic, action: 'unchanged' });
    return actions;
  }

  private async waitUntilApplied(plan: TopicSpec[], timeoutMs = 30_000): Promise<void> {
    if (plan.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.describeTopics(plan.map((t) => t.topic)).catch(() => []);
      const late = plan.filter((t) => {
        const d = now.find((x) => x.topic === t.topic);
        return !d || d.partitions < t.partitions || d.retentionMs !== t.retentionMs;
      });
      if (late.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`topics not updated after ${timeoutMs} ms: ${late.map((t) => t.topic).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Partitions and retention.ms of topics as the broker has them (logical names). */
  async describeTopics(
    topics: string[],
  ): Promise<Array<{ topic: string; partitions: number; retentionMs: number }>> {
    const admin = await this.connected();
    const names = topics.map(this.physical);
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    });
    return topics.map((topic, i) => ({
      topic,
      partitions: meta.find((m) => m.name === names[i])?.partitions.length ?? 0,
      retentionMs: Number(
        configs.resources
          .find((r) => r.resourceName === names[i])
          ?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue ?? NaN,
      ),
    }));
  }

  private replayGroup = (dlt: string) => this.physical(`crp-dlt-replay.${dlt}`);

  /** The dead-letter topics under the prefix, with how many messages each holds and has replayed. */
  async listDeadLetterTopics(): Promise<DeadLetterTopicSummary[]> {
    const admin = await this.connected();
    const all = (await admin.listTopics()).filter((t) => t.startsWith(this.prefix) && t.endsWith(DLT_SUFFIX));
    const out: DeadLetterTopicSummary[] = [];
    for (const physical of all.sort()) {
      const topic = physical.slice(this.prefix.length);
      const offsets = await admin.fetchTopicOffsets(physical);
      const messages = offsets.reduce((n, p) => n + (Number(p.high) - Number(p.low)), 0);
      const committed = await admin.fetchOffsets({ groupId: this.replayGroup(topic), topics: [physical] });
      const replayed = (committed[0]?.partitions ?? []).reduce((n, p) => {
        const low = Number(offsets.find((o) => o.partition === p.partition)?.low ?? 0);
        return n + (Number(p.offset) >= 0 ? Math.max(0, Number(p.offset) - low) : 0);
      }, 0);
      out.push({ topic, messages, replayed });
    }
    return out;
  }

  /** Reads a dead-letter topic from the start (at most `limit` messages), without moving any group. */
  async readDeadLetters(topic: string, limit = 100): Promise<DeadLetter[]> {
    assertDeadLetterTopic(topic);
    const admin = await this.connected();
    const physical = this.physical(topic);
    const offsets = await admin.fetchTopicOffsets(physical);
    const total = offsets.reduce((n, p) => n + (Number(p.high) - Number(p.low)), 0);
    const want = Math.min(limit, total);
    if (want === 0) return [];
    const groupId = this.physical(`crp-dlt-show.${process.pid}.${Date.now()}`);
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    const got: DeadLetter[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [physical], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => resolve(), 30_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (got.length >= want) return;
              got.push({
                partition,
                offset: message.offset,
                key: message.key ? message.key.toString() : null,
                value: message.value ? message.value.toString() : '',
                headers: Object.fromEntries(
                  Object.entries(message.headers ?? {}).map(([k, v]) => [k, header(v)]),
                ),
                timestamp: message.timestamp,
              });
              if (got.length >= want) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return got.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  }

  /**
   * Sends each dead letter not replayed yet back to the topic it came from: same key, same bytes,
   * the original headers without the `dlt-*` ones. Progress is the committed offset of a consumer
   * group of its own, so a message is replayed once; one that fails again comes back as a new dead
   * letter. The consumers' inbox makes a replayed event that did get applied meanwhile a no-op.
   */
  async replayDeadLetters(
    topic: string,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ replayed: number; byTopic: Record<string, number> }> {
    assertDeadLetterTopic(topic);
    const admin = await this.connected();
    const physical = this.physical(topic);
    const groupId = this.replayGroup(topic);
    const offsets = await admin.fetchTopicOffsets(physical);
    const committed = await admin.fetchOffsets({ groupId, topics: [physical] });
    const pending = offsets.reduce((n, p) => {
      const c = Number(committed[0]?.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
      return n + Number(p.high) - Math.max(Number(p.low), c);
    }, 0);
    const byTopic: Record<string, number> = {};
    if (pending === 0) return { replayed: 0, byTopic };
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    let replayed = 0;
    try {
      if (!opts.dryRun) await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [physical], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => resolve(), 60_000);
        consumer
          .run({
            autoCommit: !opts.dryRun,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
              for (const m of batch.messages) {
                const headers = Object.fromEntries(
                  Object.entries(m.headers ?? {}).map(([k, v]) => [k, header(v)]),
                );
                const original = headers['dlt-original-topic'];
                if (!original)
                  throw new Error(`${topic} offset ${m.offset} has no dlt-original-topic header`);
                if (!opts.dryRun) {
                  await producer.send({
                    topic: this.physical(original),
                    acks: -1,
                    messages: [
                      {
                        key: m.key,
                        value: m.value,
                        headers: Object.fromEntries(
                          Object.entries(headers).filter(([k]) => !k.startsWith('dlt-')),
                        ),
                      },
                    ],
                  });
                }
                byTopic[original] = (byTopic[original] ?? 0) + 1;
                replayed++;
                resolveOffset(m.offset);
              }
              if (!opts.dryRun) await commitOffsetsIfNecessary();
              if (replayed >= pending) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    }
    return { replayed, byTopic };
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}

function assertDeadLetterTopic(topic: string) {
  if (!topic.endsWith(DLT_SUFFIX)) throw new Error(`${topic} is not a dead-letter topic (…${DLT_SUFFIX})`);
}
