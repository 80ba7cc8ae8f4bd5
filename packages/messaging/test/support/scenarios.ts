import type { Database } from '@crp/platform/db';
import { createMetrics } from '@crp/platform/metrics';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { AppError } from '@crp/platform/errors';
import { deadLetterTopic, type Bus, type IncomingMessage } from '../../src/bus';
import {
  EventConsumer,
  EventFailed,
  type BatchHandlerMap,
  type EventConsumerOptions,
  type HandlerMap,
} from '../../src/consumer';
import { Outbox, OutboxRelay } from '../../src/outbox';
import { OutboxEntity } from '../../src/tables';
import { SeenEntity, customerEvent } from './harness';

export interface Env {
  bus: Bus;
  db: Database;
  /** Consumer group names must be unique per test so groups never share offsets. */
  group(name: string): string;
  /** Reads every message of a topic through a throw-away consumer group. */
  readAll(topic: string, atLeast: number): Promise<IncomingMessage[]>;
}

/**
 * Behaviour both bus adapters and both databases must show; run by the in-process/SQLite
 * component test and by the Kafka/MariaDB integration test.
 */
export function messagingScenarios(getEnv: () => Env) {
  const logger = testLogger('messaging');

  async function withConsumer(
    handlers: HandlerMap,
    name: string,
    opts: {
      maxAttempts?: number;
      batchHandlers?: BatchHandlerMap;
      inbox?: boolean;
      accountsHandled?: EventConsumerOptions['accountsHandled'];
    } = {},
  ) {
    const { bus, db, group } = getEnv();
    const consumer = new EventConsumer({
      groupId: group(name),
      bus,
      db,
      logger,
      metrics: createMetrics('test', { defaultMetrics: false }),
      handlers,
      batchHandlers: opts.batchHandlers,
      maxAttempts: opts.maxAttempts ?? 3,
      retryBaseMs: 5,
      inbox: opts.inbox,
      accountsHandled: opts.accountsHandled,
    });
    await consumer.start();
    return consumer;
  }

  const recordSeen: HandlerMap = {
    CustomerUpserted: async (event, tx) => {
      await tx.getRepository(SeenEntity).insert({
        eventId: event.eventId,
        customerId: event.payload.customer.customerId,
        seq: event.payload.customer.version,
      });
    },
  };

  it('outbox rows written in a committed transaction are published, in order per key, and consumed once', async () => {
    const { bus, db } = getEnv();
    const outbox = new Outbox();
    const relay = new OutboxRelay({ db, bus, outbox, logger, pollMs: 50 });
    const customerId = `cus_${Date.now()}`;
    const events = [1, 2, 3, 4, 5].map(() => customerEvent(customerId));
    const consumer = await withConsumer(recordSeen, 'order');
    relay.start();
    try {
      for (const e of events) await db.transaction((tx) => outbox.add(tx, e));
      const seen = await waitFor(
        async () => {
          const rows = await db.dataSource
            .getRepository(SeenEntity)
            .find({ where: { customerId }, order: { seq: 'ASC' } });
          return rows.length === events.length ? rows : undefined;
        },
        { what: 'all five events consumed', timeoutMs: 20000 },
      );
      expect(seen.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
      expect(await relay.pendingCount()).toBe(0);
    } finally {
      await relay.stop();
      await consumer.stop();
    }
  });

  it('an outbox row from a rolled-back transaction is never published', async () => {
    const { db } = getEnv();
    const outbox = new Outbox();
    const e = customerEvent('cus_rollback');
    await expect(
      db.transaction(async (tx) => {
        await outbox.add(tx, e);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(
      await db.dataSource.getRepository(OutboxEntity).findOne({ where: { eventId: e.eventId } }),
    ).toBeNull();
  });

  it('the same event delivered twice is handled once (inbox)', async () => {
    const { bus, db } = getEnv();
    const e = customerEvent(`cus_dup_${Date.now()}`);
    let calls = 0;
    const consumer = await withConsumer(
      {
        CustomerUpserted: async (event, tx, meta) => {
          // the topic may hold earlier tests' events (real Kafka): count only ours
          if (event.payload.customer.customerId === e.payload.customer.customerId) calls += 1;
          await recordSeen.CustomerUpserted!(event, tx, meta);
        },
      },
      'dup',
    );
    try {
      const msg = { topic: 'CustomerUpserted', key: e.payload.customer.customerId, value: JSON.stringify(e) };
      await bus.publish([msg, msg]);
      await bus.publish([msg]);
      const sentinel = customerEvent(e.payload.customer.customerId);
      await bus.publish([{ ...msg, value: JSON.stringify(sentinel) }]);
      await waitFor(
        () =>
          db.dataSource
            .getRepository(SeenEntity)
            .findOne({ where: { eventId: sentinel.eventId } })
            .then((r) => r ?? undefined),
        {
          what: 'sentinel consumed',
          timeoutMs: 20000,
        },
      );
      expect(calls).toBe(2);
      expect(await db.dataSource.getRepository(SeenEntity).count({ where: { eventId: e.eventId } })).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it('a group without an inbox (idempotent handlers) reads and writes no inbox row: a redelivered event is applied again', async () => {
    const { bus, db } = getEnv();
    const customerId = `cus_noinbox_${Date.now()}`;
    const e = customerEvent(customerId);
    const sentinel = customerEvent(customerId);
    const applied: string[] = [];
    const consumer = await withConsumer(
      {
        CustomerUpserted: async (event) => {
          if (event.payload.customer.customerId === customerId) applied.push(event.eventId);
        },
      },
      'noinbox',
      { inbox: false },
    );
    try {
      const msg = { topic: 'CustomerUpserted', key: customerId, value: JSON.stringify(e) };
      await bus.publish([msg]);
      await waitFor(async () => (applied.length > 0 ? true : undefined), {
        what: 'first delivery applied',
        timeoutMs: 20000,
      });
      // delivered again, as after a crash between the commit and the offset commit
      await bus.publish([msg, { ...msg, value: JSON.stringify(sentinel) }]);
      await waitFor(async () => (applied.includes(sentinel.eventId) ? true : undefined), {
        what: 'sentinel consumed',
        timeoutMs: 20000,
      });
      expect(applied).toEqual([e.eventId, e.eventId, sentinel.eventId]);
      // the event ids are new to this test: no group here has seen them, so any inbox row is this consumer's
      const rows = await db.dataSource.query(
        'SELECT COUNT(*) AS n FROM inbox_messages WHERE event_id IN (?, ?)',
        [e.eventId, sentinel.eventId],
      );
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('a group that handles some accounts only skips the messages of the others by their account-id header, before decoding them', async () => {
    const { bus } = getEnv();
    const key = `cus_accounts_${Date.now()}`;
    const on = `on_${Date.now()}`;
    const off = `off_${Date.now()}`;
    const applied: string[] = [];
    const asked: string[][] = [];
    const consumer = await withConsumer(
      {
        CustomerUpserted: async (event) => {
          if (event.payload.customer.customerId === key) applied.push(event.eventId);
        },
      },
      'accounts',
      {
        accountsHandled: async (_tx, accountIds) => {
          asked.push([...accountIds].sort());
          return new Set(accountIds.filter((a) => a.startsWith('on_')));
        },
      },
    );
    try {
      const handled = customerEvent(key, on);
      const skipped = customerEvent(key, off);
      const noHeader = customerEvent(key, off);
      const sentinel = customerEvent(key, on);
      const header = (accountId: string) => ({ 'account-id': accountId });
      // One key: one partition, so the four arrive in this order.
      await bus.publish([
        { topic: 'CustomerUpserted', key, value: JSON.stringify(handled), headers: header(on) },
        { topic: 'CustomerUpserted', key, value: JSON.stringify(skipped), headers: header(off) },
        // not even an event: skipped unread, so neither dead-lettered nor handled
        { topic: 'CustomerUpserted', key, value: 'not even json', headers: header(off) },
        { topic: 'CustomerUpserted', key, value: JSON.stringify(noHeader) },
        { topic: 'CustomerUpserted', key, value: JSON.stringify(sentinel), headers: header(on) },
      ]);
      await waitFor(async () => (applied.includes(sentinel.eventId) ? true : undefined), {
        what: 'sentinel consumed',
        timeoutMs: 20000,
      });
      expect(applied).toEqual([handled.eventId, noHeader.eventId, sentinel.eventId]);
      expect(asked.flat()).toEqual(expect.arrayContaining([on, off]));
    } finally {
      await consumer.stop();
    }
  });

  it('a malformed message goes to the dead-letter topic with the reason, and the consumer keeps going', async () => {
    const { bus, db, readAll } = getEnv();
    const consumer = await withConsumer(recordSeen, 'dlt');
    const good = customerEvent(`cus_after_bad_${Date.now()}`);
    const marker = `bad-${Date.now()}`;
    try {
      await bus.publish([
        {
          topic: 'CustomerUpserted',
          key: marker,
          value: `{"this is": "not an event", "marker": "${marker}"}`,
        },
        { topic: 'CustomerUpserted', key: marker, value: 'not even json' },
        // same key: same partition, so the good one is handled only after both bad ones
        { topic: 'CustomerUpserted', key: marker, value: JSON.stringify(good) },
      ]);
      await waitFor(
        () =>
          db.dataSource
            .getRepository(SeenEntity)
            .findOne({ where: { eventId: good.eventId } })
            .then((r) => r ?? undefined),
        {
          what: 'good event after bad ones',
          timeoutMs: 20000,
        },
      );
      const dead = await waitFor(
        async () => {
          const all = (await readAll(deadLetterTopic('CustomerUpserted'), 2)).filter((m) => m.key === marker);
          return all.length >= 2 ? all : undefined;
        },
        { what: 'two dead letters', timeoutMs: 40000 },
      );
      expect(dead).toHaveLength(2);
      const [first, second] = dead;
      expect(first!.value!.toString()).toContain(marker);
      expect(first!.headers['dlt-error-code']).toBe('CONTRACT_VIOLATION');
      expect(first!.headers['dlt-error-message']).toMatch(/must have property "eventId"/);
      expect(first!.headers['dlt-original-topic']).toBe('CustomerUpserted');
      expect(second!.value!.toString()).toBe('not even json');
      expect(second!.headers['dlt-error-message']).toMatch(/is not JSON/);
    } finally {
      await consumer.stop();
    }
  });

  it('a handler that keeps failing is retried a bounded number of times, then dead-lettered with its error', async () => {
    const { bus, db, readAll } = getEnv();
    const poison = customerEvent(`cus_poison_${Date.now()}`);
    const next = customerEvent(poison.payload.customer.customerId);
    let attempts = 0;
    const consumer = await withConsumer(
      {
        CustomerUpserted: async (event, tx, meta) => {
          if (event.eventId === poison.eventId) {
            attempts += 1;
            // the row written before the failure must roll back with it
            await recordSeen.CustomerUpserted!(event, tx, meta);
            throw new Error('downstream rule exploded');
          }
          await recordSeen.CustomerUpserted!(event, tx, meta);
        },
      },
      'poison',
      { maxAttempts: 3 },
    );
    try {
      const key = poison.payload.customer.customerId;
      await bus.publish([
        { topic: 'CustomerUpserted', key, value: JSON.stringify(poison) },
        { topic: 'CustomerUpserted', key, value: JSON.stringify(next) },
      ]);
      await waitFor(
        () =>
          db.dataSource
            .getRepository(SeenEntity)
            .findOne({ where: { eventId: next.eventId } })
            .then((r) => r ?? undefined),
        {
          what: 'message after the poison one',
          timeoutMs: 20000,
        },
      );
      expect(attempts).toBe(3);
      expect(
        await db.dataSource.getRepository(SeenEntity).count({ where: { eventId: poison.eventId } }),
      ).toBe(0);
      const dead = (await readAll(deadLetterTopic('CustomerUpserted'), 1)).filter((m) => m.key === key);
      expect(dead).toHaveLength(1);
      expect(JSON.parse(dead[0]!.value!.toString()).eventId).toBe(poison.eventId);
      expect(dead[0]!.headers['dlt-error-message']).toBe('downstream rule exploded');
      expect(dead[0]!.headers['dlt-attempts']).toBe('3');
    } finally {
      await consumer.stop();
    }
  });

  it('a non-retriable error is dead-lettered on the first attempt', async () => {
    const { bus, readAll } = getEnv();
    const e = customerEvent(`cus_nonretriable_${Date.now()}`);
    let attempts = 0;
    const consumer = await withConsumer(
      {
        CustomerUpserted: async (event) => {
          if (event.eventId !== e.eventId) return;
          attempts += 1;
          throw new AppError('ACCOUNT_CLOSED', 'account is closed', 409, false);
        },
      },
      'nonretriable',
    );
    try {
      const key = e.payload.customer.customerId;
      await bus.publish([{ topic: 'CustomerUpserted', key, value: JSON.stringify(e) }]);
      const dead = await waitFor(
        async () => {
          const all = (await readAll(deadLetterTopic('CustomerUpserted'), 1)).filter((m) => m.key === key);
          return all.length ? all : undefined;
        },
        { what: 'dead letter', timeoutMs: 20000 },
      );
      expect(attempts).toBe(1);
      expect(dead[0]!.headers['dlt-error-code']).toBe('ACCOUNT_CLOSED');
    } finally {
      await consumer.stop();
    }
  });

  describe('batches', () => {
    const seenIds = async (customerId: string) =>
      (
        await getEnv()
          .db.dataSource.getRepository(SeenEntity)
          .find({ where: { customerId }, order: { seq: 'ASC' } })
      ).map((r) => r.eventId);
    const insertSeen: BatchHandlerMap['CustomerUpserted'] = async (events, tx) => {
      await tx.getRepository(SeenEntity).insert(
        events.map((e) => ({
          eventId: e.eventId,
          customerId: e.payload.customer.customerId,
          seq: e.payload.customer.version,
        })),
      );
    };

    it('a batch handler gets many events in one call and applies each exactly once, in order, even when the whole delivery comes twice', async () => {
      const { bus } = getEnv();
      const key = `cus_batch_${Date.now()}`;
      const events = Array.from({ length: 300 }, () => customerEvent(key));
      const sizes: number[] = [];
      const consumer = await withConsumer({}, 'batch', {
        batchHandlers: {
          CustomerUpserted: async (batch, tx, meta) => {
            const ours = batch.filter((e) => e.payload.customer.customerId === key);
            if (ours.length) sizes.push(ours.length);
            expect(meta.messages).toHaveLength(batch.length);
            await insertSeen(ours, tx, meta);
          },
        },
      });
      try {
        const msgs = events.map((e) => ({ topic: 'CustomerUpserted', key, value: JSON.stringify(e) }));
        await bus.publish(msgs);
        await bus.publish(msgs); // redelivered: the inbox must drop every one of them
        const sentinel = customerEvent(key);
        await bus.publish([{ topic: 'CustomerUpserted', key, value: JSON.stringify(sentinel) }]);
        await waitFor(async () => ((await seenIds(key)).includes(sentinel.eventId) ? true : undefined), {
          what: 'sentinel after the batches',
          timeoutMs: 30000,
        });
        expect(await seenIds(key)).toEqual([...events, sentinel].map((e) => e.eventId));
        expect(Math.max(...sizes)).toBeGreaterThan(1);
      } finally {
        await consumer.stop();
      }
    });

    it('a poison event inside a batch is isolated by splitting: it alone is dead-lettered, every other event is applied once, in order', async () => {
      const { bus, readAll } = getEnv();
      const key = `cus_bisect_${Date.now()}`;
      const events = Array.from({ length: 64 }, () => customerEvent(key));
      const poison = events[37]!;
      let calls = 0;
      const consumer = await withConsumer({}, 'bisect', {
        maxAttempts: 2,
        batchHandlers: {
          CustomerUpserted: async (batch, tx, meta) => {
            const ours = batch.filter((e) => e.payload.customer.customerId === key);
            if (ours.length) calls += 1;
            // written first, so a failure must roll it back
            await insertSeen(ours, tx, meta);
            if (ours.some((e) => e.eventId === poison.eventId)) throw new Error('poison in the batch');
          },
        },
      });
      try {
        await bus.publish(events.map((e) => ({ topic: 'CustomerUpserted', key, value: JSON.stringify(e) })));
        const dead = await waitFor(
          async () => {
            const all = (await readAll(deadLetterTopic('CustomerUpserted'), 1)).filter((m) => m.key === key);
            return all.length ? all : undefined;
          },
          { what: 'the poison event dead-lettered', timeoutMs: 30000 },
        );
        await waitFor(async () => ((await seenIds(key)).length === 63 ? true : undefined), {
          what: 'the 63 good events',
          timeoutMs: 30000,
        });
        expect(dead).toHaveLength(1);
        expect(JSON.parse(dead[0]!.value!.toString()).eventId).toBe(poison.eventId);
        expect(dead[0]!.headers['dlt-error-message']).toBe('poison in the batch');
        expect(await seenIds(key)).toEqual(events.filter((e) => e !== poison).map((e) => e.eventId));
        // bisection: a handful of transactions, not one per event
        expect(calls).toBeLessThan(30);
      } finally {
        await consumer.stop();
      }
    });

    it('a batch handler that names the failing event (EventFailed) gets the others committed without a split', async () => {
      const { bus, readAll } = getEnv();
      const key = `cus_named_${Date.now()}`;
      const events = Array.from({ length: 20 }, () => customerEvent(key));
      const poison = events[5]!;
      const consumer = await withConsumer({}, 'named', {
        maxAttempts: 1,
        batchHandlers: {
          CustomerUpserted: async (batch, tx, meta) => {
            const ours = batch.filter((e) => e.payload.customer.customerId === key);
            const bad = ours.find((e) => e.eventId === poison.eventId);
            if (bad)
              throw new EventFailed(bad, new AppError('BAD_DATA', 'cannot store this one', 422, false));
            await insertSeen(ours, tx, meta);
          },
        },
      });
      try {
        await bus.publish(events.map((e) => ({ topic: 'CustomerUpserted', key, value: JSON.stringify(e) })));
        await waitFor(async () => ((await seenIds(key)).length === 19 ? true : undefined), {
          what: 'the 19 good events',
          timeoutMs: 30000,
        });
        const dead = (await readAll(deadLetterTopic('CustomerUpserted'), 1)).filter((m) => m.key === key);
        expect(dead.map((m) => JSON.parse(m.value!.toString()).eventId)).toEqual([poison.eventId]);
        expect(dead[0]!.headers['dlt-error-code']).toBe('BAD_DATA');
        expect(dead[0]!.headers['dlt-attempts']).toBe('1');
        expect(await seenIds(key)).toEqual(events.filter((e) => e !== poison).map((e) => e.eventId));
      } finally {
        await consumer.stop();
      }
    });
  });

  describe('outbox relay', () => {
    it('publishes a large backlog in batches, marks every row, and purges published rows past their retention', async () => {
      const { bus, db, readAll } = getEnv();
      const outbox = new Outbox();
      const key = `cus_relay_${Date.now()}`;
      const events = Array.from({ length: 1500 }, () => customerEvent(key));
      await db.transaction((tx) => outbox.addMany(tx, events));
      // Another instance's relay (or this one after a restart): it reads the batch rows back.
      const relay = new OutboxRelay({
        db,
        bus,
        outbox: new Outbox(),
        logger,
        batchSize: 700,
        retentionMs: 60_000,
      });
      // Three batch rows of 500 (ADR 0033); a pass publishes whole rows up to 700 events.
      expect(await relay.publishPending()).toBe(500);
      expect(await relay.publishPending()).toBe(500);
      expect(await relay.publishPending()).toBe(500);
      expect(await relay.publishPending()).toBe(0);
      expect(await relay.pendingCount()).toBe(0);
      const got = await waitFor(
        async () => {
          const all = (await readAll('CustomerUpserted', 1500)).filter((m) => m.key === key);
          return all.length >= 1500 ? all : undefined;
        },
        { what: 'all 1,500 published', timeoutMs: 30000 },
      );
      expect(got.map((m) => JSON.parse(m.value!.toString()).eventId)).toEqual(events.map((e) => e.eventId));
      const repo = db.dataSource.getRepository(OutboxEntity);
      expect(await relay.purge(Date.now())).toMatchObject({ outbox: 0 });
      // (other tests of the suite may have left published rows in the same database)
      expect((await relay.purge(Date.now() + 61_000)).outbox).toBeGreaterThanOrEqual(3);
      expect(await repo.count()).toBe(0);
    });
  });
}
