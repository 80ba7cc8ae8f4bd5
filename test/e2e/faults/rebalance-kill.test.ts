import mysql from 'mysql2/promise';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import {
  checkCustomerDatabase,
  countRows,
  generateOrderStream,
  orderImportedJson,
} from '@crp/testing/order-stream';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { realEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { startServiceProcess, type ServiceProcess } from '../support/processes';

// The hot path's correctness under the failures that batches make dangerous: two customer-service
// instances share the consumer group; the second joins mid-stream (a rebalance), then the first is
// killed with SIGKILL mid-batch. The final data must be exactly what the generator expects: no
// duplicate customer, no lost order, no order counted twice.
describeReal('customer-service: two instances, a rebalance, and kill -9 mid-stream', () => {
  it('ends with exactly the customers, identities and order history the stream implies', async () => {
    const db = await freshMysqlDatabase('rebalance');
    const prefix = `${uniqueName('rebal')}.`;
    const bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'rebalance-test',
      topicPrefix: prefix,
      logger: testLogger(),
      partitions: 6,
    });
    const conn = await mysql.createConnection(db.url);
    const running: ServiceProcess[] = [];
    try {
      const { orders, expected } = generateOrderStream({ orders: 12_000, accounts: 12, seed: 7 });
      const total = Object.values(expected).reduce((t, e) => t + e.orders, 0);
      await bus.ensureTopics(['OrderImported', 'OrderImported.DLT', 'CustomerUpserted']);
      for (let i = 0; i < orders.length; i += 2000) {
        await bus.publish(
          orders
            .slice(i, i + 2000)
            .map((o) => ({ topic: 'OrderImported', key: o.accountId, value: orderImportedJson(o) })),
        );
      }
      const env = realEnv(db.url, prefix, {
        KAFKA_TOPIC_PARTITIONS: '6',
        // Small batches: many commits, so the kill lands between and inside them.
        CONSUMER_BATCH_MAX: '150',
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
      });
      const committed = () => countRows(conn, 'customer_orders');
      const a = await startServiceProcess('customer-service', env);
      running.push(a);
      await waitFor(async () => ((await committed()) >= total * 0.15 ? true : undefined), {
        timeoutMs: 90_000,
        intervalMs: 50,
        what: '15 % of the orders through instance A',
      });
      const b = await startServiceProcess('customer-service', env);
      running.push(b);
      const atJoin = await committed();
      await waitFor(
        async () => ((await committed()) >= Math.max(total * 0.4, atJoin + 500) ? true : undefined),
        {
          timeoutMs: 90_000,
          intervalMs: 50,
          what: 'progress after B joined (the rebalance)',
        },
      );
      expect(await committed()).toBeLessThan(total); // A dies mid-stream, not after it
      await a.kill9();
      await waitFor(
        async () =>
          (await committed()) >= total &&
          (await countRows(conn, 'outbox_events', 'published_at IS NULL')) === 0
            ? true
            : undefined,
        { timeoutMs: 120_000, intervalMs: 200, what: 'every order through instance B' },
      );
      const check = await checkCustomerDatabase(conn, expected);
      expect(check.problems).toEqual([]);
      expect(await committed()).toBe(total);
    } finally {
      for (const p of running) await p.kill9().catch(() => undefined);
      await conn.end();
      await bus.close();
      await db.drop();
    }
  }, 300_000);
});
