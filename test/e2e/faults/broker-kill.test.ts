import { describeReal } from '@crp/testing/real-infra';
import { privateBroker } from '../support/private-broker';
import { createStores, sendStream, settleAndCheck, sleep, startFaultSystem, stream } from './support/harness';

// Fault 1: the Kafka broker is killed (SIGKILL) in the middle of a stream and restarted. Orders
// keep being accepted into order-ingest's outbox while it is down; once it is back every order is
// linked exactly once.
describeReal('fault: kill -9 of the broker mid-stream, then restart', () => {
  it('ends with exactly the expected customers, identities and orders', async () => {
    const broker = await privateBroker();
    const sys = await startFaultSystem('f_broker', { brokers: broker.brokers });
    try {
      const { orders, expected } = stream(3000, 11);
      const stores = await createStores(() => sys.procs.ord.url, Object.keys(expected));
      let killed = false;
      const sent = await sendStream(() => sys.procs.ord.url, orders, stores, {
        between: async (n) => {
          if (!killed && n >= orders.length * 0.3) {
            killed = true;
            await broker.kill();
          }
          if (killed && n >= orders.length * 0.6 && n < orders.length * 0.6 + 200) {
            await sleep(500);
            await broker.start();
          }
        },
      });
      expect(sent.answered.rejected).toBe(0);
      const result = await settleAndCheck(sys, expected);
      expect(result.problems).toEqual([]);
    } finally {
      await sys.stop();
      await broker.stop().catch(() => undefined);
    }
  }, 420_000);
});
