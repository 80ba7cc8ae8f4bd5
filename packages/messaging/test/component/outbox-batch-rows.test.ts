import type { OutgoingMessage } from '../../src/bus';
import { InProcessBus } from '../../src/in-process-bus';
import { Outbox, OutboxRelay } from '../../src/outbox';
import { OutboxEntity } from '../../src/tables';
import { testLogger } from '@crp/testing/silent-logger';
import { CustomerImportRowResult } from '@crp/contracts/events/customer-import-row-result';
import { newEvent } from '@crp/contracts/new-event';
import { customerEvent, openTestDb } from '../support/harness';

// ADR 0033: a run of at least BATCH_FROM events of one topic goes in batch rows of up to
// BATCH_MAX_EVENTS; the bus gets exactly the messages a row per event would have given it, in the
// same order, whether the relay holds them or reads them back (after a restart, another instance).
describe('outbox batch rows', () => {
  const answer = (n: number) =>
    newEvent(
      CustomerImportRowResult,
      { accountId: 'acme', correlationId: `corr-answer-${n}` },
      { ...structuredClone(CustomerImportRowResult.example.payload), chunk: n },
    );

  async function run(readBack: boolean) {
    const db = await openTestDb('sqlite::memory:');
    const bus = new InProcessBus();
    const sent: OutgoingMessage[] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = async (messages) => {
      sent.push(...messages);
      return publish(messages);
    };
    const writer = new Outbox();
    // Reading back: the relay's own outbox never wrote the rows, so it holds none of them.
    const relay = new OutboxRelay({
      db,
      bus,
      outbox: readBack ? new Outbox() : writer,
      logger: testLogger(),
    });
    // One transaction: 1,203 events of a customer import batch, then two answers; then a click's
    // single event; then 15 events of one topic (under BATCH_FROM).
    const upserts = Array.from({ length: 1203 }, (_, i) => customerEvent(`cus_b${i % 40}`));
    const answers = [answer(1), answer(2)];
    const click = customerEvent('cus_click');
    const few = Array.from({ length: Outbox.BATCH_FROM - 1 }, (_, i) => customerEvent(`cus_f${i}`));
    await db.transaction((tx) => writer.addMany(tx, [...upserts, ...answers]));
    await db.transaction((tx) => writer.addMany(tx, [click]));
    await db.transaction((tx) => writer.addMany(tx, few));
    const all = [...upserts, ...answers, click, ...few];
    try {
      const rows = await db.dataSource.getRepository(OutboxEntity).find({
        order: { id: 'ASC' },
        select: { id: true, eventId: true, eventType: true, eventCount: true, headers: true },
      });
      // 1,203 upserts in three batch rows (500, 500, 203); the answers, the click and the 15 a row each.
      expect(rows.map((r) => r.eventCount)).toEqual([500, 500, 203, 1, 1, 1, ...few.map(() => 1)]);
      expect(rows.slice(0, 3).map((r) => r.eventId)).toEqual(
        [upserts[0], upserts[500], upserts[1000]].map((e) => e!.eventId),
      );
      expect(rows.slice(0, 3).every((r) => r.headers === null)).toBe(true);
      expect(await relay.pendingCount()).toBe(all.length);

      // A pass publishes whole rows up to batchSize (1,000) events: two batch rows, then the rest.
      expect(await relay.publishPending()).toBe(1000);
      expect(await relay.publishPending()).toBe(all.length - 1000);
      expect(await relay.publishPending()).toBe(0);
      expect(await relay.pendingCount()).toBe(0);

      expect(sent.map((m) => JSON.parse(String(m.value)).eventId)).toEqual(all.map((e) => e.eventId));
      sent.forEach((m, i) => {
        const e = all[i]!;
        expect(m.value).toBe(JSON.stringify(e));
        expect(m.topic).toBe(
          e.eventType === 'CustomerUpserted' ? 'CustomerUpserted' : 'CustomerImportRowResult',
        );
        expect(m.headers).toEqual({
          'event-type': e.eventType,
          'event-version': String(e.eventVersion),
          'correlation-id': e.correlationId,
          'account-id': 'acme',
        });
      });
      expect(sent.slice(0, 1203).map((m) => m.key)).toEqual(
        upserts.map((e) => e.payload.customer.customerId),
      );
    } finally {
      await relay.stop();
      await bus.close();
      await db.close();
    }
  }

  it('publishes a batch row event by event, in order, from the messages it holds', () => run(false));
  it('publishes a batch row read back from the table exactly as it would from memory', () => run(true));

  it('keeps at most MAX_HELD messages in memory, counting every event of a batch row', async () => {
    const db = await openTestDb('sqlite::memory:');
    const outbox = new Outbox();
    try {
      const first = Array.from({ length: 500 }, (_, i) => customerEvent(`cus_h${i}`));
      await db.transaction((tx) => outbox.addMany(tx, first));
      const rest = Array.from({ length: Outbox.MAX_HELD }, (_, i) => customerEvent(`cus_r${i}`));
      await db.transaction((tx) => outbox.addMany(tx, rest));
      // The oldest row (500 messages) went to keep the bound; the newest are held.
      expect(outbox.held(first[0]!.eventId)).toBeUndefined();
      expect(outbox.held(rest[0]!.eventId)).toHaveLength(500);
      expect(outbox.held(rest[Outbox.MAX_HELD - 500]!.eventId)).toHaveLength(500);
    } finally {
      await db.close();
    }
  });
});
