import { KafkaBus } from '@crp/messaging/kafka-bus';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import {
  SECRET,
  buyer,
  customerScenarios,
  orderEvent,
  type CustomerServiceHandle,
} from '../support/scenarios';
import { duplicateScenarios } from '../support/duplicate-scenarios';
import { exportScenarios } from '../support/export-scenarios';
import { searchScenarios } from '../support/search-scenarios';
import { realEnv } from '@crp/testing/service-env';

describeReal('customer-service on real MariaDB and Kafka', () => {
  let svc: CustomerServiceHandle;
  let bus: KafkaBus;
  let drop: () => Promise<void>;
  const prefix = `${uniqueName('cs')}.`;

  const publishOrder = (event: OrderImportedV1) =>
    bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]);

  // One service for the suite; every scenario works in its own account (uniqueName('acct')).
  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('cust');
    drop = fresh.drop;
    svc = await createCustomerService(loadConfig(realEnv(fresh.url, prefix)), { logger: testLogger() });
    await svc.start();
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'customer-service-test',
      topicPrefix: prefix,
      logger: testLogger(),
    });
    // Warm-up: the consumer group's first join takes a few seconds; no scenario should pay for it.
    const warm = orderEvent(uniqueName('warm'), { buyer: buyer('warm-up') });
    await publishOrder(warm);
    const token = `Bearer ${await signDevToken(SECRET, { accountId: warm.accountId })}`;
    await waitFor(
      async () => {
        const res = await request(svc.app).get('/v1/customers').set('Authorization', token);
        return res.body.total === 1;
      },
      { timeoutMs: 60000, what: 'the warm-up order consumed from Kafka' },
    );
  }, 120000);
  afterAll(async () => {
    await bus?.close();
    await svc?.stop();
    await drop?.();
  });

  const deadLetters = async () => {
    const got: Array<{ eventId: string | null; reason: string }> = [];
    const sub = await bus.subscribe({
      groupId: uniqueName('dlt-reader'),
      topics: ['OrderImported.DLT'],
      eachBatch: async (messages, ctl) => {
        for (const m of messages) {
          ctl.ack(m);
          let eventId: string | null = null;
          try {
            eventId = (JSON.parse(m.value!.toString()) as { eventId?: string }).eventId ?? null;
          } catch {
            eventId = null;
          }
          got.push({ eventId, reason: m.headers['dlt-error-message'] ?? '' });
        }
      },
    });
    await new Promise((r) => setTimeout(r, 3000)); // one read of the topic from the beginning
    await sub.stop();
    return got;
  };

  customerScenarios(() => ({ svc, bus, publishOrder, deadLetters }));
  searchScenarios(() => ({ svc, bus, publishOrder, deadLetters }));
  exportScenarios(() => ({ svc, bus, publishOrder, deadLetters }));
  duplicateScenarios(() => ({ svc, bus, publishOrder, deadLetters }));

  // MariaDB only: SQLite stores any integer in an INT column, so there the same event is no poison.
  it('a poison event in a batch (data the database refuses) goes to the dead-letter topic with its reason; every other event of the batch is applied once', async () => {
    const acct = uniqueName('acct');
    const good = [1, 2, 3, 4, 5, 6].map((n) =>
      orderEvent(acct, { buyer: buyer(`ok${n}`), order: { total: n } }),
    );
    // Valid by the contract, refused by the column: the contracts bound every text to its column
    // (limits.ts), so only a number the INT cannot hold gets this far — as from a foreign producer.
    const poison = orderEvent(acct, { buyer: buyer('poison'), order: { revision: 3_000_000_000 } });
    await bus.publish(
      [...good.slice(0, 3), poison, ...good.slice(3)].map((e) => ({
        topic: 'OrderImported',
        key: e.accountId,
        value: JSON.stringify(e),
      })),
    );
    const token = `Bearer ${await signDevToken(SECRET, { accountId: acct })}`;
    const list = await waitFor(
      async () => {
        const res = await request(svc.app).get('/v1/customers').set('Authorization', token);
        return res.body.total === 6 ? res.body : undefined;
      },
      { timeoutMs: 30000, what: 'the six good orders' },
    );
    expect(list.customers.map((c: { history: { orderCount: number } }) => c.history.orderCount)).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    const dead = await waitFor(
      async () => {
        const all = (await deadLetters()).filter((d) => d.eventId === poison.eventId);
        return all.length ? all : undefined;
      },
      { timeoutMs: 30000, what: 'the poison event dead-lettered' },
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.reason).toMatch(/out of range|revision/i);
  });

  it('is ready on MariaDB and Kafka', async () => {
    const res = await request(svc.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toMatchObject({ database: 'ok', bus: 'ok' });
  });
});
