import { testLogger } from '@crp/testing/silent-logger';
import { InProcessBus } from '../../src/in-process-bus';
import { Outbox, OutboxRelay } from '../../src/outbox';
import { customerEvent, openTestDb } from '../support/harness';

// The relay publishes the rows this process committed from memory and reads the others (written
// before a restart, or by another instance) from the table: the bus gets the same messages either
// way, and a rolled-back write never reaches it.
describe('outbox relay: held messages and rows read back', () => {
  it('publishes held and unheld rows alike, in id order, and never a rolled-back one', async () => {
    const db = await openTestDb('sqlite::memory:');
    const bus = new InProcessBus();
    const mine = new Outbox();
    const other = new Outbox(); // another instance (or this one before a restart)
    const relay = new OutboxRelay({ db, bus, outbox: mine, logger: testLogger() });
    const order: string[] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = async (messages) => {
      order.push(...messages.map((m) => JSON.parse(String(m.value)).eventId as string));
      return publish(messages);
    };
    try {
      const [a, b, c, d] = ['c1', 'c2', 'c3', 'c4'].map((id) => customerEvent(id));
      await db.transaction((tx) => mine.addMany(tx, [a!]));
      await db.transaction((tx) => other.addMany(tx, [b!]));
      await db.transaction((tx) => mine.addMany(tx, [c!]));
      await expect(
        db.transaction(async (tx) => {
          await mine.addMany(tx, [d!]);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(mine.held(a!.eventId)).toBeDefined();
      expect(mine.held(b!.eventId)).toBeUndefined();
      expect(mine.held(d!.eventId)).toBeUndefined();

      expect(await relay.publishPending()).toBe(3);
      expect(order).toEqual([a, b, c].map((e) => e!.eventId));
      // (messagesOn lists partition by partition; the relay hands the bus the rows in id order.)
      const sent = new Map(bus.messagesOn('CustomerUpserted').map((m) => [JSON.parse(m.value).eventId, m]));
      expect([...sent.keys()].sort()).toEqual([a, b, c].map((e) => e!.eventId).sort());
      for (const e of [a!, b!, c!]) {
        const m = sent.get(e.eventId)!;
        expect(m.value).toBe(JSON.stringify(e));
        expect(m.key).toBe(e.payload.customer.customerId);
        expect(m.headers).toMatchObject({
          'event-type': 'CustomerUpserted',
          'event-version': String(e.eventVersion),
          'correlation-id': e.correlationId,
          'account-id': 'acme',
        });
      }
      // Published: no longer held, and nothing is sent twice.
      expect(mine.held(a!.eventId)).toBeUndefined();
      expect(await relay.publishPending()).toBe(0);
      expect(bus.messagesOn('CustomerUpserted')).toHaveLength(3);
    } finally {
      await relay.stop();
      await bus.close();
      await db.close();
    }
  });
});
