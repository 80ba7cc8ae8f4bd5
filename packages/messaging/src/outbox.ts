import type { EntityManager, QueryRunner } from 'typeorm';
import type { AnyEvent } from '@crp/contracts/registry';
import { builtByNewEvent } from '@crp/contracts/new-event';
import { assertEvent, contractFor } from '@crp/contracts/registry';
import { afterCommit, type Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { Metrics } from '@crp/platform/metrics';
import { BatchTable, dialectOf, inList, queryRows, sqlStamp } from '@crp/platform/sql';
import type { Bus, OutgoingMessage } from './bus';
import { OutboxEntity, type OutboxRow } from './tables';

const outboxTable = new BatchTable<OutboxRow>(OutboxEntity);

/**
 * Writes events into the outbox table inside the caller's transaction: the event exists if and
 * only if the state change committed. The relay publishes it afterwards.
 *
 * A few events of a topic (a click, an order) are a row each. A run of at least `BATCH_FROM`
 * consecutive events of one topic (an import batch's CustomerUpserted, its order batch's
 * OrderImported) goes in batch rows of up to `BATCH_MAX_EVENTS`: the payload is the JSON array of
 * the events, `event_count` says how many, `event_id` and `msg_key` are the first event's. The
 * relay publishes a batch row's events in order, one message each, as it would have published
 * their rows: consumers see no difference. A row per event cost MariaDB an insert, an update and
 * a delete with three index entries each per event (docs/adr/0033-outbox-batch-rows.md).
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();
  /**
   * The messages of rows this process committed and has not published yet, by the row's eventId:
   * the relay publishes them without reading their payload back from the table. Only a shortcut —
   * which rows are pending, and in what order, is always read from the table, and a row not held
   * here (written before a restart, by another instance, or pushed out by the bound) is read in full.
   */
  private readonly committed = new Map<string, OutgoingMessage[]>();
  private heldMessages = 0;

  /** Most messages held for the relay (the oldest rows are dropped first; the relay then reads them). */
  static readonly MAX_HELD = 20_000;
  /** A run of this many consecutive events of one topic goes in batch rows. */
  static readonly BATCH_FROM = 16;
  /** Most events in one batch row. */
  static readonly BATCH_MAX_EVENTS = 500;
  /** About the most payload bytes in one batch row (the column holds 16 MB on MySQL). */
  static readonly BATCH_MAX_BYTES = 4 * 1024 * 1024;

  private readonly batchFrom: number;

  /** `batchFrom`: the run of one topic's events stored in batch rows (default BATCH_FROM; Infinity: a row per event, the baseline of `npm run bench -- outbox`). */
  constructor(opts: { batchFrom?: number } = {}) {
    this.batchFrom = opts.batchFrom ?? Outbox.BATCH_FROM;
  }

  /** `tx` is required: an outbox write outside a transaction would defeat the pattern. */
  async add(tx: EntityManager, ...events: AnyEvent[]): Promise<void> {
    await this.addMany(tx, events);
  }

  /** The batch form of `add`: every event of a batch in one multi-row insert. */
  async addMany(tx: EntityManager, events: readonly AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = new Date();
    // newEvent validated and froze what it built; anything else is checked here, before it can reach the bus.
    const built = events.map((event) => ({ event, message: messageOf(event, !builtByNewEvent(event)) }));
    const rows: OutboxRow[] = [];
    const held: OutgoingMessage[][] = [];
    const row = (first: AnyEvent, message: OutgoingMessage, fields: Partial<OutboxRow>): OutboxRow =>
      ({
        eventId: first.eventId,
        topic: message.topic,
        msgKey: message.key,
        eventType: first.eventType,
        createdAt: now,
        publishedAt: null,
        attempts: 0,
        lastError: null,
        ...fields,
      }) as OutboxRow;
    for (let i = 0; i < built.length;) {
      let end = i + 1;
      while (end < built.length && built[end]!.message.topic === built[i]!.message.topic) end++;
      if (end - i < this.batchFrom) {
        for (const { event, message } of built.slice(i, end)) {
          rows.push(
            row(event, message, {
              payload: message.value as string,
              headers: JSON.stringify(message.headers),
              eventCount: 1,
            }),
          );
          held.push([message]);
        }
      } else {
        for (let from = i; from < end;) {
          let to = from;
          let bytes = 0;
          while (
            to < end &&
            (to === from ||
              (to - from < Outbox.BATCH_MAX_EVENTS &&
                bytes + (built[to]!.message.value as string).length < Outbox.BATCH_MAX_BYTES))
          )
            bytes += (built[to++]!.message.value as string).length + 1;
          const part = built.slice(from, to);
          rows.push(
            row(part[0]!.event, part[0]!.message, {
              payload: `[${part.map((b) => b.message.value as string).join(',')}]`,
              headers: null,
              eventCount: part.length,
            }),
          );
          held.push(part.map((b) => b.message));
          from = to;
        }
      }
      i = end;
    }
    await outboxTable.insert(tx, rows);
    afterCommit(tx, () => {
      for (let i = 0; i < rows.length; i++) {
        this.committed.set(rows[i]!.eventId, held[i]!);
        this.heldMessages += held[i]!.length;
      }
      for (const [id, messages] of this.committed) {
        if (this.heldMessages <= Outbox.MAX_HELD) break;
        this.committed.delete(id);
        this.heldMessages -= messages.length;
      }
      this.listeners.forEach((l) => l());
    });
  }

  /** The messages of a committed row this process wrote, if it still holds them (see `committed`). */
  held(eventId: string): OutgoingMessage[] | undefined {
    return this.committed.get(eventId);
  }

  /** Published: the relay no longer needs them. */
  release(eventIds: readonly string[]): void {
    for (const id of eventIds) {
      const messages = this.committed.get(id);
      if (!messages) continue;
      this.committed.delete(id);
      this.heldMessages -= messages.length;
    }
  }

  /** The relay listens so that a commit wakes it at once instead of at the next poll. */
  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The bus message of an event: its contract's topic and partition key, the envelope as headers. */
function messageOf(event: AnyEvent, validate: boolean): OutgoingMessage {
  const contract = contractFor(event.eventType, event.eventVersion);
  if (!contract) throw new Error(`no contract for ${event.eventType} v${event.eventVersion}`);
  if (validate) assertEvent(contract, event);
  return {
    topic: contract.topic,
    key: contract.partitionKey(event as never),
    value: JSON.stringify(event),
    headers: {
      'event-type': event.eventType,
      'event-version': String(event.eventVersion),
      'correlation-id': event.correlationId,
      'account-id': event.accountId,
    },
  };
}

/**
 * The messages of a row read back from the table: an event row as written; a batch row (its
 * payload a JSON array) as `addMany` built each event's message, so the bus gets the same bytes.
 */
function messagesOfRow(r: OutboxRow): OutgoingMessage[] {
  if (r.payload.startsWith('[')) {
    return (JSON.parse(r.payload) as AnyEvent[]).map((event) => messageOf(event, false));
  }
  const headers = r.headers ? (JSON.parse(r.headers) as Record<string, string>) : {};
  return [{ topic: r.topic, key: r.msgKey, value: r.payload, headers }];
}

export interface OutboxRelayOptions {
  db: Database;
  bus: Bus;
  outbox: Outbox;
  logger: Logger;
  metrics?: Metrics;
  pollMs?: number;
  /** Rows read, published and marked per pass (default 1,000). */
  batchSize?: number;
  maxBackoffMs?: number;
  /** Published rows older than this are deleted (default 1 hour; 0 keeps them). */
  retentionMs?: number;
  /** How often the purge runs (default 30 s). */
  purgeEveryMs?: number;
  /** Processed inbox rows older than this are deleted by the same purge (default 7 days; 0 keeps them). */
  inboxRetentionMs?: number;
}

/**
 * Publishes unsent outbox rows in id order (so in order per key), many per send, marks them sent
 * in one statement, and keeps retrying with backoff while the broker is away. A crash between
 * publish and mark re-publishes: consumers are idempotent by eventId, so at-least-once is enough.
 *
 * On MySQL only one relay per database publishes at a time (a named lock, `GET_LOCK`), so two
 * instances of a service never publish one key's events out of order; the other waits as a
 * standby and takes over when the holder's connection goes away.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private unsubscribe: (() => void) | null = null;
  private lockRunner: QueryRunner | null = null;
  private lastPurge = 0;
  private readonly published;
  private readonly failures;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.published = opts.metrics?.counter('outbox_published_total', 'Events published from the outbox', [
      'topic',
    ]);
    this.failures = opts.metrics?.counter('outbox_publish_failures_total', 'Failed outbox publish attempts');
    // The backlog, read at each scrape: what to alert on when the broker is away (docs/operations.md).
    opts.metrics?.gauge('outbox_pending_events', 'Outbox events not published yet', () =>
      this.pendingCount(),
    );
    opts.metrics?.gauge(
      'outbox_oldest_pending_age_seconds',
      'Age of the oldest outbox event not published yet (0 when none)',
      () => this.oldestPendingAgeSeconds(),
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.opts.outbox.onCommitted(() => this.nudge());
    this.loop = this.run();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Publishes what is pending (best effort, bounded by `drainMs`), then stops. */
  async stop(drainMs = 2000): Promise<void> {
    if (!this.running) return this.releaseLock();
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && (await this.pendingCount().catch(() => 0)) > 0) {
      this.nudge();
      await sleep(50);
    }
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    await this.releaseLock();
  }

  async pendingCount(): Promise<number> {
    const rows: Array<{ n: number | string | null }> = await this.opts.db.dataSource.query(
      'SELECT SUM(event_count) AS n FROM outbox_events WHERE published_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async oldestPendingAgeSeconds(): Promise<number> {
    const rows: Array<{ oldest: Date | string | null }> = await this.opts.db.dataSource.query(
      'SELECT MIN(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL',
    );
    const oldest = rows[0]?.oldest;
    if (!oldest) return 0;
    // SQLite hands back the stored text (UTC, no zone); MySQL a Date (the connection runs in UTC).
    const at = oldest instanceof Date ? oldest : new Date(`${String(oldest).replace(' ', 'T')}Z`);
    return Math.max(0, (Date.now() - at.getTime()) / 1000);
  }

  /**
   * One pass: publish pending rows, in id order, up to batchSize events (a batch row is published
   * whole, so a pass holds at least one row). Returns how many events were published.
   */
  async publishPending(): Promise<number> {
    if (!(await this.holdsLock())) return 0;
    const { db } = this.opts;
    // Reads and marks run as transactions of their own: on SQLite that also keeps them from
    // interleaving with (and seeing the uncommitted rows of) a use case's transaction on the
    // one shared connection. The pending rows and their order come from the table; the messages
    // of rows this process committed come from memory (Outbox.held), the others are read in full.
    const limit = Math.max(1, Math.floor(this.opts.batchSize ?? 1000));
    const { pending, read } = await db.transaction(async (tx) => {
      const heads = await queryRows(
        tx,
        `SELECT id, event_id, event_count FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT ${limit}`,
        [],
      );
      let events = 0;
      let take = 0;
      while (take < heads.length && (take === 0 || events + Number(heads[take]!.event_count) <= limit))
        events += Number(heads[take++]!.event_count);
      const taken = heads.slice(0, take);
      const missing = taken.filter((h) => !this.opts.outbox.held(String(h.event_id))).map((h) => h.id);
      const ids = inList(missing);
      const full = missing.length ? await outboxTable.select(tx, `id IN ${ids.sql}`, ids.params) : [];
      return { pending: taken, read: new Map(full.map((r) => [String(r.eventId), r])) };
    });
    if (pending.length === 0) return 0;
    const rows = pending.map((h) => {
      const eventId = String(h.event_id);
      const held = this.opts.outbox.held(eventId);
      if (held) return { id: h.id, eventId, messages: held };
      const r = read.get(eventId);
      // Both reads are one transaction, so a row is always found; if not, the next pass has it.
      if (!r) return null;
      return { id: h.id, eventId, messages: messagesOfRow(r) };
    });
    const sending = rows.filter((r): r is NonNullable<typeof r> => r !== null);
    const messages = sending.flatMap((r) => r.messages);
    await this.opts.bus.publish(messages);
    if (sending.length === 0) return 0;
    const ids = inList(sending.map((r) => r.id));
    await db.transaction((tx) =>
      tx.query(`UPDATE outbox_events SET published_at = ? WHERE id IN ${ids.sql}`, [
        sqlStamp(tx, new Date()),
        ...ids.params,
      ]),
    );
    this.opts.outbox.release(sending.map((r) => r.eventId));
    for (const m of messages) this.published?.inc({ topic: m.topic });
    return messages.length;
  }

  /** Deletes published outbox rows and processed inbox rows past their retention. */
  async purge(now = Date.now()): Promise<{ outbox: number; inbox: number }> {
    const retention = this.opts.retentionMs ?? 3_600_000;
    const inboxRetention = this.opts.inboxRetentionMs ?? 7 * 86_400_000;
    const chunk = 5000;
    // In chunks, so a long backlog never holds a big lock; MySQL cannot LIMIT an IN subquery.
    const run = async (table: 'outbox_events' | 'inbox_messages', column: string, before: Date) => {
      let total = 0;
      for (;;) {
        const n = await this.opts.db.transaction(async (tx) => {
          const sql =
            dialectOf(tx) === 'mysql'
              ? `DELETE FROM ${table} WHERE ${column} < ? LIMIT ${chunk}`
              : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ? LIMIT ${chunk})`;
          const res = await tx.queryRunner!.query(sql, [sqlStamp(tx, before)], true);
          return Number(res.affected ?? 0);
        });
        total += n;
        if (n < chunk) return total;
      }
    };
    return {
      outbox: retention > 0 ? await run('outbox_events', 'published_at', new Date(now - retention)) : 0,
      inbox:
        inboxRetention > 0 ? await run('inbox_messages', 'processed_at', new Date(now - inboxRetention)) : 0,
    };
  }

  /** MySQL: hold the relay lock of this database on a connection of its own. SQLite: one process. */
  private async holdsLock(): Promise<boolean> {
    const ds = this.opts.db.dataSource;
    if (dialectOf(ds.manager) !== 'mysql') return true;
    try {
      if (!this.lockRunner) {
        this.lockRunner = ds.createQueryRunner();
        await this.lockRunner.connect();
      }
      const [row]: Array<{ mine: number | null }> = await this.lockRunner.query(
        "SELECT IS_USED_LOCK(CONCAT('crp-outbox-relay:', DATABASE())) = CONNECTION_ID() AS mine",
      );
      if (Number(row?.mine) === 1) return true;
      const [got]: Array<{ ok: number | null }> = await this.lockRunner.query(
        "SELECT GET_LOCK(CONCAT('crp-outbox-relay:', DATABASE()), 0) AS ok",
      );
      return Number(got?.ok) === 1;
    } catch (err) {
      await this.releaseLock();
      throw err;
    }
  }

  private async releaseLock(): Promise<void> {
    const r = this.lockRunner;
    this.lockRunner = null;
    if (!r) return;
    await r.query("SELECT RELEASE_LOCK(CONCAT('crp-outbox-relay:', DATABASE()))").catch(() => undefined);
    await r.release().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (this.running) {
      try {
        this.nudged = false;
        const n = await this.publishPending();
        backoff = 0;
        if (Date.now() - this.lastPurge > (this.opts.purgeEveryMs ?? 30_000)) {
          this.lastPurge = Date.now();
          const purged = await this.purge();
          if (purged.outbox + purged.inbox > 0)
            this.opts.logger.debug(purged, 'purged old outbox and inbox rows');
        }
        if (n > 0) continue;
      } catch (err) {
        this.failures?.inc();
        backoff = Math.min(backoff ? backoff * 2 : 200, this.opts.maxBackoffMs ?? 5000);
        this.opts.logger.warn(
          { err: (err as Error).message, retryInMs: backoff },
          'outbox publish failed; will retry',
        );
        await this.idle(backoff, false);
        continue;
      }
      await this.idle(this.opts.pollMs ?? 200, true);
    }
  }

  private idle(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (wakeOnNudge && this.nudged) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeOnNudge || !this.running) done();
      };
    }).finally(() => {
      this.wake = null;
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
