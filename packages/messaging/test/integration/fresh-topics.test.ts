import { Kafka, logLevel } from 'kafkajs';
import { describeReal, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import type { IncomingMessage } from '../../src/bus';
import { KafkaBus } from '../../src/kafka-bus';

// Issue 20, finding 5: `npm start -- --real` on a fresh broker failed in 2 of 4 starts with "This
// server does not host this topic-partition". Four services start at once, each creating the topics
// it consumes (overlapping sets) and publishing at once; a topic created by another process, or
// auto-created by a first publish, was used before its partitions had leaders.
describeReal('topics on a fresh prefix, used by several processes at once (finding 5)', () => {
  const prefix = `${uniqueName('fresh')}.`;
  const buses: KafkaBus[] = [];
  const bus = (id: string) => {
    const b = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: id,
      topicPrefix: prefix,
      logger: testLogger(),
      partitions: 5,
    });
    buses.push(b);
    return b;
  };
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  it('four buses ensure overlapping topic sets, subscribe and publish immediately: every message arrives', async () => {
    const sets = [
      ['A', 'A.DLT', 'B'],
      ['B', 'B.DLT', 'A'],
      ['C', 'C.DLT', 'A'],
      ['A', 'B', 'C', 'D'],
    ];
    const received = sets.map(() => new Set<string>());
    const subs = await Promise.all(
      sets.map(async (topics, i) => {
        const b = bus(`svc${i}`);
        await b.ensureTopics(topics);
        const sub = await b.subscribe({
          groupId: `g${i}`,
          topics,
          eachBatch: async (messages: IncomingMessage[], ctl) => {
            for (const m of messages) {
              received[i]!.add(`${m.topic}:${m.value?.toString()}`);
              ctl.ack(m);
            }
          },
        });
        await b.publish(topics.map((topic) => ({ topic, key: `k${i}`, value: `from${i}` })));
        return sub;
      }),
    );
    const expected = sets.map((topics) =>
      topics.flatMap((t) => sets.flatMap((other, j) => (other.includes(t) ? [`${t}:from${j}`] : []))),
    );
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && received.some((r, i) => r.size < expected[i]!.length)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(subs.map((s) => s.stop()));
    received.forEach((r, i) => expect([...r].sort()).toEqual([...expected[i]!].sort()));
  });

  it('a first publish to a topic nobody created makes it with KAFKA_TOPIC_PARTITIONS partitions, not the broker default', async () => {
    await bus('producer').publish([{ topic: 'OnlyPublished', key: 'k', value: 'v' }]);
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [`${prefix}OnlyPublished`] });
      expect(topics[0]!.partitions).toHaveLength(5);
      expect(topics[0]!.partitions.every((p) => p.leader >= 0)).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});
