import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { BackgroundLoop } from '@crp/platform/background-loop';
import type { Logger } from '@crp/platform/logger';
import { planMember, subscriberHash, type MemberPlan, type MemberSource } from '../../domain/mailchimp';
import type { CustomerRecord, IdentityRecord } from '../../domain/records';
import type { CustomerRepository } from '../ports';
import {
  MailchimpRefused,
  type MailchimpApi,
  type MailchimpConnectionRecord,
  type MailchimpMemberRecord,
  type MailchimpQueueRecord,
  type MailchimpStore,
  type RotationKind,
  type SecretCipher,
  type SyncCounts,
} from './ports';

export interface SyncDeps {
  db: Database;
  repo: CustomerRepository;
  store: MailchimpStore;
  api: MailchimpApi;
  cipher: SecretCipher;
  logger: Logger;
  /** Queue rows per account per pass. */
  maxRows?: number;
  /** Customers a backfill batch goes through (one short transaction each). */
  backfillBatch?: number;
  /** Rows a cleanup batch deletes (one short statement and transaction each). */
  cleanupBatch?: number;
  /** Accounts served a pass, of each kind (due rows, running backfills, pending cleanups). */
  accountsPerPass?: number;
  /** More members than this in one pass go through one batch operation (POST /3.0/batches). */
  batchThreshold?: number;
  /** Members sent at once on the single-call path (Mailchimp allows 10 connections per key). */
  concurrency?: number;
  /** First retry delay of a queue row after Mailchimp was unavailable; doubles, capped at 15 minutes. */
  retryBaseMs?: number;
  now?: () => Date;
}

type Outcome =
  | { row: MailchimpQueueRecord; kind: 'done'; plan: Planned }
  | { row: MailchimpQueueRecord; kind: 'refused'; reason: string }
  | { row: MailchimpQueueRecord; kind: 'retry'; reason: string };

/** A member plan, with the hash of the record address the member stands for (kept with the link). */
type Planned = MemberPlan & { recordHash: string | null };

/** Customer record → what the decision needs. */
function sourceOf(c: CustomerRecord, ids: IdentityRecord[]): MemberSource {
  return {
    customerId: c.id,
    status: c.status,
    erased: c.erasedAt !== null,
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    phone: c.phone,
    shippingAddress: c.shippingAddress,
    emailConsent: c.consent.email,
    storeNames: ids.map((i) => i.storeName),
  };
}

/** A refusal that concerns the whole connection (key revoked, audience gone): keep the rows. */
const accountLevel = (err: MailchimpRefused) => err.status === 401 || err.status === 403;

/**
 * One pass of the sync: a batch of each running backfill (`backfillOnce`), then for each account with due queue rows, read the records as they now are
 * (one query per kind of lookup), decide every member (pure), call Mailchimp outside any
 * transaction, then in one transaction remove the rows that are done (unless changed meanwhile),
 * reschedule the ones Mailchimp could not take yet, and record the outcome in the status.
 * Returns how many queue rows were handled and customers backfilled (0: nothing to do).
 */
export async function drainOnce(deps: SyncDeps): Promise<number> {
  const now = (deps.now ?? (() => new Date()))();
  let handled = await cleanupOnce(deps);
  handled += await backfillOnce(deps, now);
  const accounts = await rotating(deps, 'due', (tx, after, limit) =>
    deps.store.dueAccounts(tx, now, limit, after),
  );
  for (const accountId of accounts) handled += await drainAccount(deps, accountId, now);
  return handled;
}

/**
 * Up to `accountsPerPass` (20) accounts of one kind, starting after the last one the previous pass
 * served and wrapping around to the first: with more accounts at work than a pass serves, each
 * gets its turn. Before, every pass took the first 20 by account id, and an account past them
 * waited as long as those had work. Where the turn stands is a row of `mailchimp_rotation` per
 * kind, read (locked) and moved in the transaction that picks the accounts: one key lookup a pass,
 * kept across restarts and shared by every instance (the next instance's pass, waiting on the
 * lock, takes the next accounts). Kept in memory per process before, the turn began again at the
 * first account after each restart, and each instance took its own.
 */
async function rotating(
  deps: Pick<SyncDeps, 'db' | 'store' | 'accountsPerPass' | 'now'>,
  kind: RotationKind,
  list: (tx: EntityManager, after: string, limit: number) => Promise<string[]>,
): Promise<string[]> {
  const limit = deps.accountsPerPass ?? 20;
  return deps.db.transaction(async (tx) => {
    const after = await deps.store.rotation(tx, kind, { lock: true });
    let accounts = await list(tx, after, limit);
    if (accounts.length < limit && after !== '') {
      // Wrapped: the first ones again, up to where this pass started.
      const wrapped = (await list(tx, '', limit - accounts.length)).filter((a) => a <= after);
      accounts = [...accounts, ...wrapped];
    }
    const next = accounts.at(-1) ?? '';
    if (next !== after) await deps.store.saveRotation(tx, kind, next, (deps.now ?? (() => new Date()))());
    return accounts;
  });
}

/**
 * One batch of each pending cleanup (a disconnect's queue rows and member links, the links to an
 * audience no longer connected), up to `accountsPerPass` accounts: in one short transaction per
 * account, the cleanup row is locked and read, then up to `cleanupBatch` (5,000) queue rows are
 * deleted while `clearQueue` holds, else up to that many links below `membersBelow`; the flag is
 * turned off, or the cleanup row deleted, by the batch that finds fewer left. The state is the
 * rows themselves: after a crash the next pass goes on. A reconnect meanwhile turns `clearQueue`
 * off under the same lock and makes links at `membersBelow` or above: neither is deleted. The
 * batch that ends a disconnect's cleanup marks the disconnect cleaned up (the status shows when).
 * Returns the rows deleted (at least 1 per batch run).
 */
export async function cleanupOnce(
  deps: Pick<SyncDeps, 'db' | 'store' | 'cleanupBatch' | 'accountsPerPass' | 'now'>,
): Promise<number> {
  const accounts = await rotating(deps, 'cleanup', (tx, after, limit) =>
    deps.store.cleanupsPending(tx, limit, after),
  );
  const limit = deps.cleanupBatch ?? 5000;
  let deleted = 0;
  for (const accountId of accounts) {
    deleted += await deps.db.transaction(async (tx) => {
      const c = await deps.store.cleanup(tx, accountId, { lock: true });
      if (!c) return 0;
      if (c.clearQueue) {
        const n = await deps.store.clearQueueBatch(tx, accountId, limit);
        if (n < limit) await deps.store.saveCleanup(tx, { ...c, clearQueue: false });
        return Math.max(n, 1);
      }
      const n = await deps.store.deleteStaleMembers(tx, accountId, c.membersBelow, limit);
      if (n < limit) {
        await deps.store.deleteCleanup(tx, accountId);
        // The status of a disconnected account shows when its cleanup ended.
        await deps.store.disconnectionCleaned(tx, accountId, (deps.now ?? (() => new Date()))());
      }
      return Math.max(n, 1);
    });
  }
  return deleted;
}

/**
 * One batch of each running backfill (up to 20 accounts): in one short transaction per account,
 * the connection is locked and its cursor read, the next `backfillBatch` active customers in id
 * order are queued (those with an email), and the cursor moved past them, with the end when fewer
 * were left. The cursor commits with the rows it queued: after a crash the backfill resumes where
 * it stopped and never queues a customer a second time (one already sent stays sent); two
 * instances take turns on the lock. A customer changed meanwhile is queued by its event anyway.
 * Returns the customers gone through.
 */
export async function backfillOnce(
  deps: Pick<SyncDeps, 'db' | 'store' | 'backfillBatch' | 'accountsPerPass' | 'now'>,
  now: Date,
): Promise<number> {
  const accounts = await rotating(deps, 'backfill', (tx, after, limit) =>
    deps.store.backfillsRunning(tx, limit, after),
  );
  let scanned = 0;
  for (const accountId of accounts) {
    scanned += await deps.db.transaction(async (tx) => {
      const conn = await deps.store.connection(tx, accountId, { lock: true });
      if (!conn || conn.backfillDoneAt) return 0;
      const limit = deps.backfillBatch ?? 5000;
      const batch = await deps.store.backfillBatch(
        tx,
        accountId,
        conn.backfillCursor,
        limit,
        randomBytes(12).toString('hex'),
        now,
      );
      await deps.store.saveBackfill(tx, accountId, {
        cursor: batch.last ?? conn.backfillCursor,
        queued: conn.backfillQueued + batch.queued,
        doneAt: batch.scanned < limit ? now : null,
      });
      return Math.max(batch.scanned, 1);
    });
  }
  return scanned;
}

async function drainAccount(deps: SyncDeps, accountId: string, now: Date): Promise<number> {
  const read = await deps.db.transaction(async (tx) => {
    const conn = await deps.store.connection(tx, accountId);
    if (!conn) return null;
    const rows = await deps.store.dueRows(tx, accountId, now, deps.maxRows ?? 5000);
    const ids = rows.map((r) => r.customerId);
    const [customers, identities, members] = await Promise.all([
      deps.repo.customersById(
        tx,
        ids.map((id) => ({ accountId, id })),
      ),
      deps.repo.identitiesOf(
        tx,
        ids.map((customerId) => ({ accountId, customerId })),
      ),
      deps.store.members(tx, accountId, ids),
    ]);
    return { conn, rows, customers, identities, members };
  });
  if (!read || read.rows.length === 0) return 0;
  const { conn, rows } = read;
  const settings = {
    audienceId: conn.audienceId,
    tagWithStore: conn.tagWithStore,
    syncNotSubscribed: conn.syncNotSubscribed,
  };
  const byId = new Map(read.customers.map((c) => [c.id, c]));
  const idsOf = new Map<string, IdentityRecord[]>();
  for (const i of read.identities) {
    if (!i.customerId) continue;
    idsOf.set(i.customerId, [...(idsOf.get(i.customerId) ?? []), i]);
  }
  // Links of an earlier epoch (another audience, or a connection since disconnected) are stale:
  // the cleanup deletes them; meanwhile the member is planned as new.
  const known = new Map(
    read.members.filter((m) => m.epoch >= conn.membersEpoch).map((m) => [m.customerId, m]),
  );
  const plans = rows.map((row) => {
    const c = byId.get(row.customerId);
    const link = known.get(row.customerId);
    const plan = planMember(
      c ? sourceOf(c, idsOf.get(c.id) ?? []) : null,
      link?.hash ?? null,
      settings,
      link ? (link.recordHash ?? link.hash) : null,
    );
    // Nothing sent: the link stays as it was. Sent: the member now stands for the record's address.
    const recordHash =
      plan.ops.length === 0
        ? link
          ? (link.recordHash ?? link.hash)
          : null
        : plan.hash && c?.email
          ? subscriberHash(c.email)
          : plan.hash;
    return { row, plan: { ...plan, recordHash } };
  });

  const access = { baseUrl: conn.baseUrl, apiKey: deps.cipher.open(accountId, conn.apiKeySealed) };
  const toSend = plans.filter((p) => p.plan.ops.length > 0);
  let outcomes: Outcome[];
  if (toSend.length > (deps.batchThreshold ?? 500)) {
    outcomes = await sendAsBatch(deps, access, conn, plans);
  } else {
    outcomes = await mapLimited(plans, deps.concurrency ?? 10, async ({ row, plan }): Promise<Outcome> => {
      if (plan.ops.length === 0) return { row, kind: 'done', plan };
      try {
        await deps.api.apply(access, conn.audienceId, plan.ops);
        return { row, kind: 'done', plan };
      } catch (err) {
        if (err instanceof MailchimpRefused && !accountLevel(err))
          return { row, kind: 'refused', reason: `customer ${row.customerId}: ${err.message}` };
        return { row, kind: 'retry', reason: (err as Error).message };
      }
    });
  }
  await record(deps, conn, outcomes, now);
  return rows.length;
}

/**
 * The batch path: every op of the pass in one batch operation, waited for. A member whose
 * operations failed is not dropped: Mailchimp unavailable for it (429, 5xx) or the key refused
 * (401, 403) → its row is retried with backoff; any other refusal (a 4xx about this member, e.g.
 * an address Mailchimp finds invalid) → counted failed with the reason, not retried. When the
 * results archive cannot be read, every member of the batch is retried (the calls are idempotent).
 */
async function sendAsBatch(
  deps: SyncDeps,
  access: { baseUrl: string; apiKey: string },
  conn: MailchimpConnectionRecord,
  plans: Array<{ row: MailchimpQueueRecord; plan: Planned }>,
): Promise<Outcome[]> {
  const members = plans
    .filter((p) => p.plan.ops.length > 0)
    .map((p) => ({ id: p.row.customerId, ops: p.plan.ops }));
  try {
    const res = await deps.api.applyBatch(access, conn.audienceId, members);
    return plans.map(({ row, plan }): Outcome => {
      if (plan.ops.length === 0) return { row, kind: 'done', plan };
      if (!res.failures)
        return {
          row,
          kind: 'retry',
          reason: `Mailchimp batch: ${res.failed} of ${res.total} operations failed, and their results could not be read (${res.unreadable ?? 'unknown'}): retried`,
        };
      const f = res.failures.get(row.customerId);
      if (!f) return { row, kind: 'done', plan };
      const reason = `Mailchimp answered ${f.status}: ${f.detail}`;
      const retryable = f.status === 429 || f.status >= 500 || f.status === 401 || f.status === 403;
      return retryable
        ? { row, kind: 'retry', reason }
        : { row, kind: 'refused', reason: `customer ${row.customerId}: ${reason}` };
    });
  } catch (err) {
    const reason = (err as Error).message;
    if (err instanceof MailchimpRefused && !accountLevel(err))
      return plans.map(({ row }) => ({ row, kind: 'refused', reason }));
    return plans.map(({ row }) => ({ row, kind: 'retry', reason }));
  }
}

/** One transaction: queue rows done or rescheduled, members remembered, the status counted. */
async function record(deps: SyncDeps, conn: MailchimpConnectionRecord, outcomes: Outcome[], now: Date) {
  const accountId = conn.accountId;
  const counts: SyncCounts = { synced: 0, skipped: 0, failed: 0, deleted: 0 };
  const done: MailchimpQueueRecord[] = [];
  const retry: MailchimpQueueRecord[] = [];
  const save: MailchimpMemberRecord[] = [];
  const forget: string[] = [];
  let error: string | null = null;
  // A refusal (a member that will not be sent as it is) is what a merchant must see first.
  let refusal: string | null = null;
  for (const o of outcomes) {
    if (o.kind === 'retry') {
      const attempts = o.row.attempts + 1;
      const delay = Math.min(15 * 60_000, (deps.retryBaseMs ?? 5000) * 2 ** Math.min(attempts - 1, 10));
      retry.push({ ...o.row, attempts, nextAttemptAt: new Date(now.getTime() + delay) });
      error = o.reason;
      continue;
    }
    done.push(o.row);
    if (o.kind === 'refused') {
      counts.failed++;
      refusal = o.reason;
      continue;
    }
    const { plan } = o;
    if (plan.ops.some((op) => op.kind === 'delete-permanent' || op.kind === 'archive')) counts.deleted++;
    else if (plan.ops.length === 0) counts.skipped++;
    else counts.synced++;
    if (plan.hash)
      save.push({
        accountId,
        customerId: o.row.customerId,
        hash: plan.hash,
        recordHash: plan.recordHash,
        epoch: conn.membersEpoch,
        syncedAt: now,
      });
    else forget.push(o.row.customerId);
  }
  error = refusal ?? error;
  if (retry.length > 0)
    deps.logger.warn(
      { accountId, retrying: retry.length, reason: error },
      'mailchimp sync: rows rescheduled',
    );
  await deps.db.transaction(async (tx) => {
    await deps.store.dequeue(tx, done);
    await deps.store.reschedule(tx, retry);
    // Disconnected, reconnected or moved to another audience while Mailchimp was called: the links
    // would belong to a connection that is gone (and escape its cleanup); they are not kept.
    const current = await deps.store.connection(tx, accountId);
    if (
      current &&
      current.membersEpoch === conn.membersEpoch &&
      current.createdAt.getTime() === conn.createdAt.getTime()
    ) {
      await deps.store.saveMembers(tx, save);
      await deps.store.deleteMembers(tx, accountId, forget);
    }
    await deps.store.recordOutcome(tx, accountId, counts, now, error);
  });
}

/** Maps with at most `n` calls in flight, results in input order. */
async function mapLimited<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Drains the queue in the background: a pass, then a pause when there was nothing to do. */
export class MailchimpSyncWorker {
  private readonly loop: BackgroundLoop;

  constructor(deps: SyncDeps, intervalMs: number) {
    this.loop = new BackgroundLoop({
      intervalMs,
      firstDelayMs: 0,
      retryMs: intervalMs,
      pass: async () => (await drainOnce(deps)) > 0,
      logger: deps.logger,
      failureMessage: 'mailchimp sync pass failed',
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
