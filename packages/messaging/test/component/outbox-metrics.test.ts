import { createMetrics } from '@crp/platform/metrics';
import { testLogger } from '@crp/testing/silent-logger';
import { InProcessBus } from '../../src/in-process-bus';
import { Outbox, OutboxRelay } from '../../src/outbox';
import { customerEvent, openTestDb } from '../support/harness';

// What docs/operations.md tells operators to alert on when the broker is away: the outbox backlog
// and the age of its oldest event, read from the database at each scrape.
describe('outbox backlog metrics', () => {
  it('outbox_pending_events and outbox_oldest_pending_age_seconds follow the unpublished rows', async () => {
    const db = await openTestDb('sqlite::memory:');
    const bus = new InProcessBus();
    const metrics = createMetrics('t', { defaultMetrics: false });
    const outbox = new Outbox();
    const relay = new OutboxRelay({ db, bus, outbox, logger: testLogger(), metrics });
    const scrape = async () => {
      const text = await metrics.registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
      return { pending: value('outbox_pending_events'), age: value('outbox_oldest_pending_age_seconds') };
    };
    try {
      expect(await scrape()).toEqual({ pending: 0, age: 0 });
      await db.transaction((tx) => outbox.addMany(tx, [customerEvent('c1'), customerEvent('c2')]));
      await new Promise((r) => setTimeout(r, 1100));
      const backlog = await scrape();
      expect(backlog.pending).toBe(2);
      expect(backlog.age).toBeGreaterThanOrEqual(1);
      expect(backlog.age).toBeLessThan(60);
      expect(await relay.publishPending()).toBe(2);
      expect(await scrape()).toEqual({ pending: 0, age: 0 });
    } finally {
      await relay.stop();
      await bus.close();
      await db.close();
    }
  });
});
