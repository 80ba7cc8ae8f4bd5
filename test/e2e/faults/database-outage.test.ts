import { describeReal } from '@crp/testing/real-infra';
import {
  createStores,
  mysqlProxy,
  sendStream,
  settleAndCheck,
  sleep,
  startFaultSystem,
  stream,
} from './support/harness';

// Fault 2: MariaDB becomes unreachable for both services mid-stream (their connections go
// through a proxy that drops every connection and refuses new ones for a few seconds; the machine's
// MariaDB keeps running), then comes back. Requests answered 5xx meanwhile are retried by the
// client; the consumer gives its deliveries back instead of dead-lettering them.
describeReal('fault: the database goes away mid-stream and comes back', () => {
  it('ends with exactly the expected customers, identities and orders, and nothing dead-lettered', async () => {
    const proxy = await mysqlProxy();
    const sys = await startFaultSystem('f_db', { viaPort: proxy.port });
    try {
      const { orders, expected } = stream(3000, 12);
      const stores = await createStores(() => sys.procs.ord.url, Object.keys(expected));
      let outage = false;
      const sent = await sendStream(() => sys.procs.ord.url, orders, stores, {
        between: async (n) => {
          if (!outage && n >= orders.length * 0.4) {
            outage = true;
            await proxy.down();
            setTimeout(() => void proxy.up(), 6000);
            await sleep(100);
          }
        },
      });
      expect(sent.retries).toBeGreaterThan(0); // the outage was felt
      const result = await settleAndCheck(sys, expected);
      expect(result.problems).toEqual([]);
    } finally {
      await sys.stop();
      await proxy.down();
    }
  }, 420_000);
});
