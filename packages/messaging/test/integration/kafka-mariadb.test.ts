import type { Database } from '@crp/platform/db';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { KafkaBus } from '../../src/kafka-bus';
import type { IncomingMessage } from '../../src/bus';
import { Outbox, OutboxRelay } from '../../src/outbox';
import { customerEvent, openTestDb } from '../support/harness';
import { messagingScenarios } from '../support/scenarios';

describeReal('messaging on real Kafka and MariaDB', () => {
  let bus: KafkaBus;
  let db: Database;
  let drop: () => Promise<void>;
  const prefix = `${uniqueName('msg')}.`;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('messaging');
    drop = fresh.drop;
    db = await openTestDb(fresh.url);
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'messaging-test',
      topicPrefix: prefix,
      logger: testLogger(),
    });
  });
  afterAll(async () => {
    await bus?.close();
    await db?.close();
    await drop?.();
  });

  messagingScenarios(() => ({
    bus,
    db,
    group: (name) => uniqueName(`g_${name}`),
    readAll: async (topic: string, atLeast: number) => {
      const got: IncomingMessage[] = [];
      await bus.ensureTopics([topic]);
      const sub = await bus.subscribe({
        groupId: uniqueName('reader'),
        topics: [topic],
        eachBatch: async (msgs, ctl) => {
          for (const m of msgs) {
            got.push(m);
            ctl.ack(m);
          }
        },
      });
      const deadline = Date.now() + 15000;
      while (got.length < atLeast && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
      await sub.stop();
      return got;
    },
  }));
});

describeReal('outbox relays of two instances on one MariaDB database', () => {
  it('only the holder of the relay lock publishes; the standby takes over when the holder stops', async () => {
    const fresh = await freshMysqlDatabase('relaylock');
    const [dbA, dbB] = [await openTestDb(fresh.url), await openTestDb(fresh.url)];
    const published: string[] = [];
    const recordingBus = (who: string) =>
      ({
        kind: 'in-process',
        publish: async (msgs: Array<{ key: string }>) => {
          published.push(...msgs.map(() => who));
        },
      }) as unknown as KafkaBus;
    const outbox = new Outbox();
    const a = new OutboxRelay({ db: dbA, bus: recordingBus('a'), outbox, logger: testLogger() });
    const b = new OutboxRelay({ db: dbB, bus: recordingBus('b'), outbox, logger: testLogger() });
    try {
      await dbA.transaction((tx) => outbox.addMany(tx, [customerEvent('c1'), customerEvent('c1')]));
      expect(await a.publishPending()).toBe(2);
      await dbA.transaction((tx) => outbox.add(tx, customerEvent('c1')));
      expect(await b.publishPending()).toBe(0); // a holds the lock
      expect(await a.publishPending()).toBe(1);
      await a.stop(); // releases the lock (as a crashed instance's closed connection would)
      await dbA.transaction((tx) => outbox.add(tx, customerEvent('c1')));
      expect(await b.publishPending()).toBe(1);
      expect(published).toEqual(['a', 'a', 'a', 'b']);
    } finally {
      await b.stop();
      await dbA.close();
      await dbB.close();
      await fresh.drop();
    }
  });
});

describeReal('outbox backlog age on MariaDB', () => {
  it('outbox_oldest_pending_age_seconds reads the DATETIME(3) as UTC', async () => {
    const fresh = await freshMysqlDatabase('outboxage');
    const db = await openTestDb(fresh.url);
    const outbox = new Outbox();
    const relay = new OutboxRelay({ db, bus: {} as KafkaBus, outbox, logger: testLogger() });
    try {
      expect(await relay.oldestPendingAgeSeconds()).toBe(0);
      await db.transaction((tx) => outbox.add(tx, customerEvent('c1')));
      const age = await relay.oldestPendingAgeSeconds();
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(30);
    } finally {
      await db.close();
      await fresh.drop();
    }
  });
});
