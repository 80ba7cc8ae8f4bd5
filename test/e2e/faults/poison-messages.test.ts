import mysql from 'mysql2/promise';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { orderImportedJson } from '@crp/testing/order-stream';
import { describeReal, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { createStores, sendStream, settleAndCheck, sleep, startFaultSystem, stream } from './support/harness';

// Fault 5: poison messages on OrderImported in the middle of a stream — bytes that are not JSON, an
// event that breaks its schema, and one the database refuses — are dead-lettered with their
// reasons, and the partition keeps flowing: every good order is linked exactly once.
describeReal('fault: poison messages mid-stream', () => {
  it('dead-letters each with its reason and links every good order exactly once', async () => {
    const sys = await startFaultSystem('f_poison');
    const bus = new KafkaBus({
      brokers: sys.brokers.split(','),
      clientId: 'poison',
      topicPrefix: sys.prefix,
      logger: testLogger(),
    });
    try {
      const { orders, expected } = stream(2000, 14);
      const stores = await createStores(() => sys.procs.ord.url, Object.keys(expected));
      const account = Object.keys(expected)[0]!;
      const refused = JSON.parse(
        orderImportedJson({ ...orders.find((o) => o.accountId === account)!, storeOrderId: 'POISON-1' }),
      );
      // Valid by the contract (its texts are bounded by the columns), but no INT column holds it.
      refused.payload.order.revision = 3_000_000_000;
      const poison = [
        { kind: 'not json', value: 'this is not JSON {' },
        { kind: 'schema', value: JSON.stringify({ ...refused, eventId: 'not-a-uuid' }) },
        { kind: 'refused', value: JSON.stringify(refused) },
      ];
      let injected = false;
      await sendStream(() => sys.procs.ord.url, orders, stores, {
        between: async (n) => {
          if (!injected && n >= orders.length / 2) {
            injected = true;
            await bus.publish(poison.map((p) => ({ topic: 'OrderImported', key: account, value: p.value })));
          }
        },
      });
      const result = await settleAndCheck(sys, expected);
      expect(result.problems).toEqual([]);
      // The dead letters, with their reasons in the headers.
      const dead: Array<{ value: string; reason: string; code: string }> = [];
      const sub = await bus.subscribe({
        groupId: uniqueName('dlt'),
        topics: ['OrderImported.DLT'],
        eachBatch: async (ms, ctl) => {
          for (const m of ms) {
            ctl.ack(m);
            dead.push({
              value: m.value!.toString(),
              reason: m.headers['dlt-error-message'] ?? '',
              code: m.headers['dlt-error-code'] ?? '',
            });
          }
        },
      });
      for (let i = 0; i < 100 && dead.length < 3; i++) await sleep(200);
      await sub.stop();
      expect(dead.map((d) => d.value).sort()).toEqual(poison.map((p) => p.value).sort());
      expect(dead.find((d) => d.value === poison[0]!.value)!.reason).toMatch(/not JSON/);
      expect(dead.find((d) => d.value === poison[1]!.value)!.code).toBe('CONTRACT_VIOLATION');
      expect(dead.find((d) => d.value === poison[2]!.value)!.reason).not.toBe('');
      // The refused order never became a customer or a history row.
      const conn = await mysql.createConnection(sys.urls.cust);
      const [rows] = await conn.query(
        "SELECT COUNT(*) AS n FROM customer_orders WHERE store_order_id = 'POISON-1'",
      );
      await conn.end();
      expect(Number((rows as Array<{ n: number }>)[0]!.n)).toBe(0);
    } finally {
      await bus.close();
      await sys.stop();
    }
  }, 420_000);
});
