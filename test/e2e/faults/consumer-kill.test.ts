import { describeReal } from '@crp/testing/real-infra';
import { createStores, sendStream, settleAndCheck, startFaultSystem, stream } from './support/harness';

// Fault 3: customer-service is killed with SIGKILL in the middle of its batches (open transactions
// die with its connections) and started again; its consumer group resumes from the last committed
// offsets and the inbox drops what was already applied.
describeReal('fault: kill -9 of customer-service mid-batch, then restart', () => {
  it('ends with exactly the expected customers, identities and orders', async () => {
    const sys = await startFaultSystem('f_kill', { extraEnv: { CONSUMER_BATCH_MAX: '100' } });
    try {
      const { orders, expected } = stream(3000, 13);
      const stores = await createStores(() => sys.procs.ord.url, Object.keys(expected));
      let kills = 0;
      await sendStream(() => sys.procs.ord.url, orders, stores, {
        between: async (n) => {
          if ((kills === 0 && n >= orders.length * 0.3) || (kills === 1 && n >= orders.length * 0.7)) {
            kills += 1;
            await sys.restart('cust');
          }
        },
      });
      expect(kills).toBe(2);
      const result = await settleAndCheck(sys, expected);
      expect(result.problems).toEqual([]);
    } finally {
      await sys.stop();
    }
  }, 420_000);
});
