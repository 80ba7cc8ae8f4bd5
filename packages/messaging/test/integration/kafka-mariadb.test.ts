import type { Database } from '@crp/platform/db';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { KafkaBus } from '../../src/kafka-bus';
import type { IncomingMessage } from '../../src/bus';
import { openTestDb } from '../support/harness';
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
