import { AppError } from '@crp/platform/errors';
import type { Database } from '@crp/platform/db';
import { describeReal, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { runDlt } from '../../src/cli/dlt';
import { runTopics } from '../../src/cli/topics';
import { EventConsumer } from '../../src/consumer';
import { KafkaAdmin } from '../../src/kafka-admin';
import { KafkaBus } from '../../src/kafka-bus';
import { topicPlan } from '../../src/topic-plan';
import { customerEvent, openTestDb } from '../support/harness';

const DAY = 86_400_000;

describe('topic plan', () => {
  it('every contract topic and its DLT; OrderImported 96 partitions, the others 48; events 7 days, dead letters 30', () => {
    const plan = topicPlan();
    const byName = new Map(plan.map((t) => [t.topic, t]));
    expect(byName.get('OrderImported')).toEqual({
      topic: 'OrderImported',
      partitions: 96,
      retentionMs: 7 * DAY,
    });
    expect(byName.get('CustomerUpserted')?.partitions).toBe(48);
    expect(byName.get('OrderImported.DLT')).toEqual({
      topic: 'OrderImported.DLT',
      partitions: 3,
      retentionMs: 30 * DAY,
    });
    expect(plan.filter((t) => t.topic.endsWith('.DLT'))).toHaveLength(plan.length / 2);
  });
});

describeReal('npm run topics on the real broker', () => {
  it('apply creates the plan, is idempotent, adds partitions and sets retention on topics the services created', async () => {
    const prefix = `${uniqueName('topics')}.`;
    const env = { KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix };
    // A service came first and created two topics its own way (3 partitions, broker retention).
    const bus = new KafkaBus({
      brokers: kafkaBrokers(),
      topicPrefix: prefix,
      logger: testLogger(),
      clientId: 't',
    });
    await bus.ensureTopics(['OrderImported', 'OrderImported.DLT']);
    await bus.close();

    const lines: string[] = [];
    expect(await runTopics(['apply', '--partitions', '4'], env, (l) => lines.push(l))).toBe(0);
    const actionOf = (topic: string) =>
      lines
        .find((l) => l.startsWith(`${topic} `))
        ?.slice(34)
        .trim();
    expect(actionOf('OrderImported')).toBe('partitions added (now 4)');
    expect(actionOf('OrderImported.DLT')).toBe('retention set (2592000000 ms)');
    expect(actionOf('CustomerUpserted')).toBe('created (4 partitions)');

    const admin = new KafkaAdmin({ brokers: kafkaBrokers(), topicPrefix: prefix });
    try {
      expect(
        await admin.describeTopics(['OrderImported', 'OrderImported.DLT', 'CustomerMerged.DLT']),
      ).toEqual([
        { topic: 'OrderImported', partitions: 4, retentionMs: 7 * DAY },
        { topic: 'OrderImported.DLT', partitions: 3, retentionMs: 30 * DAY },
        { topic: 'CustomerMerged.DLT', partitions: 3, retentionMs: 30 * DAY },
      ]);
    } finally {
      await admin.close();
    }

    lines.length = 0;
    expect(await runTopics(['apply', '--partitions', '4'], env, (l) => lines.push(l))).toBe(0);
    expect(lines.every((l) => l.endsWith('unchanged'))).toBe(true);
    expect(lines).toHaveLength(topicPlan().length);
  });
});

describeReal('npm run dlt on the real broker', () => {
  let bus: KafkaBus;
  let db: Database;
  let consumer: EventConsumer;
  const prefix = `${uniqueName('dlt')}.`;
  const env = { KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix };
  const failing = new Set<string>();
  // A set: a batch that fails rolls back, and the handler runs again for the events before the culprit.
  const applied = new Set<string>();

  beforeAll(async () => {
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      topicPrefix: prefix,
      logger: testLogger(),
      clientId: 'dlt',
    });
    db = await openTestDb('sqlite::memory:');
    consumer = new EventConsumer({
      groupId: 'svc',
      bus,
      db,
      logger: testLogger(),
      maxAttempts: 1,
      handlers: {
        CustomerUpserted: async (event) => {
          if (failing.has(event.payload.customer.customerId))
            throw new AppError('CUSTOMER_LOCKED', 'customer locked by a merge', 409);
          applied.add(event.payload.customer.customerId);
        },
      },
    });
    await consumer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await bus?.close();
    await db?.close();
  });

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runDlt(args, env, (l) => out.push(l));
    return { code, out };
  };

  it('list, show and replay: fixed causes are applied after the replay; what fails again comes back once', async () => {
    failing.add('cus_b').add('cus_c');
    const events = ['cus_a', 'cus_b', 'cus_c'].map((id) => customerEvent(id));
    await bus.publish([
      ...events.map((e) => ({
        topic: 'CustomerUpserted',
        key: e.payload.customer.customerId,
        value: JSON.stringify(e),
      })),
      { topic: 'CustomerUpserted', key: 'junk', value: '{"not":"an event"}' },
    ]);
    await waitFor(
      async () => ((await run('list')).out.find((l) => / 3 messages/.test(l)) ? true : undefined),
      {
        timeoutMs: 30000,
        what: 'three dead letters',
      },
    );
    expect([...applied]).toEqual(['cus_a']);
    const list = await run('list');
    expect(list.out).toEqual([expect.stringMatching(/^CustomerUpserted\.DLT\s+3 messages\s+0 replayed$/)]);

    const shown = await run('show', 'CustomerUpserted.DLT', '--json');
    const letters = shown.out.map((l) => JSON.parse(l) as { key: string; headers: Record<string, string> });
    expect(letters.map((d) => [d.key, d.headers['dlt-error-code']]).sort()).toEqual([
      ['cus_b', 'CUSTOMER_LOCKED'],
      ['cus_c', 'CUSTOMER_LOCKED'],
      ['junk', 'CONTRACT_VIOLATION'],
    ]);
    const text = await run('show', 'CustomerUpserted.DLT', '--limit', '1');
    expect(text.out.join('\n')).toMatch(/from CustomerUpserted \[\d+\] offset \d+, group svc, \d attempt/);

    expect((await run('replay', 'CustomerUpserted.DLT', '--dry-run')).out).toEqual([
      'would replay 3 (3 to CustomerUpserted)',
    ]);
    failing.clear(); // the cause is fixed
    expect((await run('replay', 'CustomerUpserted.DLT')).out).toEqual(['replayed 3 (3 to CustomerUpserted)']);
    await waitFor(() => (applied.size === 3 ? true : undefined), {
      timeoutMs: 30000,
      what: 'replayed events applied',
    });
    expect([...applied].sort()).toEqual(['cus_a', 'cus_b', 'cus_c']);

    // The junk message failed again: it is back once, and only it is left to replay.
    await waitFor(
      async () =>
        (await run('list')).out.find((l) => / 4 messages\s+3 replayed/.test(l)) ? true : undefined,
      {
        timeoutMs: 30000,
        what: 'the junk message dead-lettered again',
      },
    );
    expect((await run('replay', 'CustomerUpserted.DLT', '--dry-run')).out).toEqual([
      'would replay 1 (1 to CustomerUpserted)',
    ]);
  });

  it('refuses a topic that is not a dead-letter topic', async () => {
    const r = await run('replay', 'CustomerUpserted');
    expect(r.code).toBe(2);
    expect(r.out[0]).toContain('needs a dead-letter topic');
  });
});
