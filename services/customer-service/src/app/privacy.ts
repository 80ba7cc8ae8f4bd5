import type { EntityManager } from 'typeorm';
import { openReadSnapshot, type ReadSnapshot } from '@crp/platform/db';
import { CustomerRedacted } from '@crp/contracts/events/customer-redacted';
import { newEvent } from '@crp/contracts/new-event';
import { legalBasisText, type PrivacyBasis, type PrivacyRequestType } from '@crp/contracts/privacy-request';
import { conflict, notFound, unavailable } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { erasedRecord, privacyRequestProblem } from '../domain/privacy';
import type {
  CustomerChangeRecord,
  CustomerOrderRecord,
  CustomerRecord,
  IdentityRecord,
  PrivacyRequestRecord,
} from '../domain/records';
import { customerView, orderSummary } from './customer-view';
import type { CustomerRepository } from './ports';
import { type Actor, lockCustomer, nowOf, type WriteDeps, writeTransaction } from './write-deps';

export interface PrivacyRequestInput {
  type: PrivacyRequestType;
  customerId: string;
  basis: PrivacyBasis;
  note?: string | null;
  /** Carry it out now (default), or record it open (e.g. while the person's identity is checked). */
  fulfilNow?: boolean;
}

/** History and change-log rows read per statement while an export is sent (R2.10). */
export const PRIVACY_EXPORT_PAGE_SIZE = 1000;

/**
 * Exports sent at once by one service instance (per database). Each holds a pooled connection
 * while its reader reads, and needs a second one for a moment to record its request: a cap well
 * under the pool's size keeps exports to slow readers from taking every connection. One more is
 * a 503 (exports are rare, admin-only: try again shortly).
 */
export const PRIVACY_EXPORTS_AT_ONCE = 2;
const running = new WeakMap<object, number>();

/** What a request answers when it carries no document (recorded open, cancelled, an erasure). */
export interface PrivacyResult {
  request: ReturnType<typeof requestView>;
}

/**
 * A fulfilled export: the answer `{ request, document }` as JSON text in pieces, read from the
 * export's snapshot as they are pulled (one page of history or change log at a time). It holds
 * the snapshot until it is read to the end or `return()`ed: hand it to a stream that does either.
 */
export interface PrivacyExport {
  request: ReturnType<typeof requestView>;
  chunks: AsyncIterableIterator<string>;
}

export interface PrivacyOptions {
  /** Rows per page of history and change log (tests make it small). */
  pageSize?: number;
}

/**
 * POST /v1/privacy-requests (R2.10): the request is recorded with its basis, who asked and when,
 * and — unless `fulfilNow: false` — carried out: an erasure in the same transaction, an export
 * from a read snapshot (exportNow). One open request per record and type at a time; a merged
 * record's requests belong to its survivor.
 */
export async function createPrivacyRequest(
  deps: WriteDeps,
  actor: Actor,
  input: PrivacyRequestInput,
  opts: PrivacyOptions = {},
): Promise<PrivacyResult | PrivacyExport> {
  const now = nowOf(deps);
  if (input.type === 'export' && input.fulfilNow !== false) {
    return exportNow(deps, actor, input.customerId, now, opts, async (tx) => {
      const c = await lockCustomer(tx, deps.repo, actor.accountId, input.customerId);
      const problem = privacyRequestProblem(c, input.type);
      if (problem) throw conflict(problem);
      await noOpenRequest(tx, deps.repo, c, input.type);
      const request = newRequest(actor, c, input, now);
      await deps.repo.insertPrivacyRequest(tx, request);
      return request;
    });
  }
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const c = await lockCustomer(tx, repo, actor.accountId, input.customerId);
    const problem = privacyRequestProblem(c, input.type);
    if (problem) throw conflict(problem);
    await noOpenRequest(tx, repo, c, input.type);
    const request = newRequest(actor, c, input, now);
    await repo.insertPrivacyRequest(tx, request);
    if (input.fulfilNow === false) return { request: requestView(request) };
    return erase(deps, tx, actor, request, c, now);
  });
}

async function noOpenRequest(
  tx: EntityManager,
  repo: CustomerRepository,
  c: CustomerRecord,
  type: PrivacyRequestType,
) {
  const open = (await repo.openPrivacyRequests(tx, c.accountId, [c.id])).find((r) => r.type === type);
  if (open) {
    throw conflict(`Customer ${c.id} already has an open ${type} request ${open.id}: fulfil or cancel it`, {
      requestId: open.id,
    });
  }
}

function newRequest(
  actor: Actor,
  c: CustomerRecord,
  input: PrivacyRequestInput,
  now: Date,
): PrivacyRequestRecord {
  return {
    id: newId('prq'),
    accountId: actor.accountId,
    customerId: c.id,
    type: input.type,
    basis: input.basis,
    note: input.note?.trim() || null,
    status: 'open',
    requestedBy: actor.userId,
    requestedAt: now,
    completedAt: null,
    completedBy: null,
    outcome: null,
  };
}

/** POST /v1/privacy-requests/:id/fulfil: carries out an open request. */
export async function fulfilPrivacyRequest(
  deps: WriteDeps,
  actor: Actor,
  requestId: string,
  opts: PrivacyOptions = {},
): Promise<PrivacyResult | PrivacyExport> {
  const now = nowOf(deps);
  const claim = async (tx: EntityManager) => {
    const request = await openRequest(tx, deps.repo, actor.accountId, requestId);
    const c = await lockCustomer(tx, deps.repo, actor.accountId, request.customerId);
    const problem = privacyRequestProblem(c, request.type);
    if (problem) throw conflict(problem);
    return { request, c };
  };
  const seen = await deps.db.transaction((tx) => deps.repo.privacyRequest(tx, actor.accountId, requestId));
  if (seen?.type === 'export') {
    if (seen.status !== 'open') throw notOpen(seen);
    return exportNow(deps, actor, seen.customerId, now, opts, async (tx) => (await claim(tx)).request);
  }
  return writeTransaction(deps, async (tx) => {
    const { request, c } = await claim(tx);
    return erase(deps, tx, actor, request, c, now);
  });
}

/** POST /v1/privacy-requests/:id/cancel: an open request is closed without being carried out. */
export async function cancelPrivacyRequest(deps: WriteDeps, actor: Actor, requestId: string) {
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const request = await openRequest(tx, deps.repo, actor.accountId, requestId);
    const done: PrivacyRequestRecord = {
      ...request,
      status: 'cancelled',
      completedAt: now,
      completedBy: actor.userId,
    };
    await deps.repo.updatePrivacyRequest(tx, done);
    return { request: requestView(done) };
  });
}

export async function getPrivacyRequest(deps: WriteDeps, accountId: string, requestId: string) {
  return deps.db.transaction(async (tx) => {
    const r = await deps.repo.privacyRequest(tx, accountId, requestId);
    if (!r) throw notFound(`Privacy request ${requestId}`);
    return requestView(r);
  });
}

export async function listPrivacyRequests(
  deps: WriteDeps,
  accountId: string,
  q: { customerId?: string; status?: string; cursor?: string; limit: number },
) {
  return deps.db.transaction(async (tx) => {
    const rows = await deps.repo.listPrivacyRequests(tx, accountId, {
      customerId: q.customerId,
      status: q.status,
      before: q.cursor,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      requests: page.map(requestView),
      nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
    };
  });
}

async function openRequest(tx: EntityManager, repo: CustomerRepository, accountId: string, id: string) {
  const r = await repo.privacyRequest(tx, accountId, id, { lock: true });
  if (!r) throw notFound(`Privacy request ${id}`);
  if (r.status !== 'open') throw notOpen(r);
  return r;
}

const notOpen = (r: PrivacyRequestRecord) =>
  conflict(`Privacy request ${r.id} is ${r.status}: only an open request can change`);

/** The record and every record merged into it (they hold the same person's data), up to ten steps. */
async function withMerged(tx: EntityManager, repo: CustomerRepository, c: CustomerRecord) {
  const records = [c];
  for (let frontier = [c.id], depth = 0; frontier.length && depth < 10; depth++) {
    const found = await repo.mergedInto(tx, c.accountId, frontier);
    records.push(...found);
    frontier = found.map((f) => f.id);
  }
  return records;
}

/**
 * R2.10 export (ADR 0030). Everything is read from one read snapshot, so the document is one
 * consistent copy, and no customer row stays locked while it is sent: order linking and edits of
 * the customer go on meanwhile (and are simply not in it). In order:
 *  1. the snapshot opens; the record (404, 409 as before), the records merged into it, their
 *     identities and the number of their history rows are read from it;
 *  2. `claim` runs in a short write transaction of its own (on SQLite, the snapshot's transaction —
 *     the single connection serialises everything anyway): it locks the customer row, checks it
 *     again, and gives the open request, which is then recorded completed with the outcome counted
 *     in 1 — exactly what was recorded when the whole export was one locked transaction;
 *  3. the answer is sent as it is read: the head, the history and the change log page by page
 *     (keyset pages, one statement each, `pageSize` rows), the possible duplicates; pulled, so a
 *     slow client holds one page, not the document. The snapshot ends with the last piece.
 * Nothing is sent before 2 committed: every refusal is still a clean 404/409.
 */
async function exportNow(
  deps: WriteDeps,
  actor: Actor,
  customerId: string,
  now: Date,
  opts: PrivacyOptions,
  claim: (tx: EntityManager) => Promise<PrivacyRequestRecord>,
): Promise<PrivacyExport> {
  const { repo } = deps;
  const { accountId } = actor;
  const busy = running.get(deps.db) ?? 0;
  if (busy >= PRIVACY_EXPORTS_AT_ONCE) {
    throw unavailable(
      `${busy} privacy exports are being sent already (at most ${PRIVACY_EXPORTS_AT_ONCE} at once): try again shortly`,
    );
  }
  running.set(deps.db, busy + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    running.set(deps.db, (running.get(deps.db) ?? 1) - 1);
  };
  let snapshot: ReadSnapshot;
  try {
    snapshot = await openReadSnapshot(deps.db);
  } catch (err) {
    release();
    throw err;
  }
  try {
    const read = snapshot.tx;
    const [c] = await repo.customersById(read, [{ accountId, id: customerId }]);
    if (!c) throw notFound(`Customer ${customerId}`);
    const problem = privacyRequestProblem(c, 'export');
    if (problem) throw conflict(problem);
    const records = await withMerged(read, repo, c);
    const ids = records.map((r) => r.id);
    const identities = await repo.identitiesOf(
      read,
      ids.map((id) => ({ accountId, customerId: id })),
    );
    const orders = await repo.countOrders(read, accountId, ids);
    const record = async (tx: EntityManager) => {
      const request = await claim(tx);
      const done: PrivacyRequestRecord = {
        ...request,
        status: 'completed',
        completedAt: now,
        completedBy: actor.userId,
        outcome: { customerIds: ids, orders, identities: identities.length },
      };
      await repo.updatePrivacyRequest(tx, done);
      return { request, done };
    };
    const { request, done } = snapshot.writable ? await record(read) : await writeTransaction(deps, record);
    // The document's fields in the order they always had: JSON.stringify of the whole answer and
    // these pieces joined are the same text.
    const head = JSON.stringify({
      generatedAt: now.toISOString(),
      request: requestView(request),
      customer: exportRecord(c),
      mergedRecords: records.slice(1).map(exportRecord),
      identities: identities.map(identityView),
    });
    const chunks = documentChunks(repo, snapshot, accountId, ids, opts.pageSize ?? PRIVACY_EXPORT_PAGE_SIZE, [
      `{"request":${JSON.stringify(requestView(done))},"document":${head.slice(0, -1)},"orders":[`,
    ]);
    const end = async () => {
      try {
        await snapshot.close();
      } finally {
        release();
      }
    };
    return { request: requestView(done), chunks: endingWith(chunks, end) };
  } catch (err) {
    try {
      await snapshot.close(true);
    } finally {
      release();
    }
    throw err;
  }
}

async function* documentChunks(
  repo: CustomerRepository,
  snapshot: ReadSnapshot,
  accountId: string,
  ids: string[],
  pageSize: number,
  head: string[],
): AsyncGenerator<string> {
  const read = snapshot.tx;
  yield* head;
  yield* pages(
    (after: CustomerOrderRecord | null) => repo.ordersPage(read, accountId, ids, after, pageSize),
    orderView,
    pageSize,
  );
  yield '],"changes":[';
  yield* pages(
    (after: CustomerChangeRecord | null) => repo.changesPage(read, accountId, ids, after, pageSize),
    changeView,
    pageSize,
  );
  const duplicates = (
    await Promise.all(ids.map((id) => repo.possibleDuplicatesOf(read, accountId, id)))
  ).flat();
  yield `],"possibleDuplicates":${JSON.stringify(duplicates)}}}`;
}

/**
 * Keyset pages as comma-separated JSON items; a short page is the last. One page is read ahead:
 * the next is being read while this one is sent, and no further (memory: two pages).
 */
async function* pages<R>(
  fetch: (after: R | null) => Promise<R[]>,
  view: (r: R) => unknown,
  pageSize: number,
): AsyncGenerator<string> {
  const ahead = (after: R | null) => {
    const p = fetch(after);
    // Awaited below; if the reader stops first, its failure must not become an unhandled rejection.
    p.catch(() => undefined);
    return p;
  };
  let pending: Promise<R[]> | null = ahead(null);
  let first = true;
  while (pending) {
    const page: R[] = await pending;
    pending = page.length === pageSize ? ahead(page[page.length - 1]!) : null;
    if (page.length > 0) {
      yield `${first ? '' : ','}${page.map((r) => JSON.stringify(view(r))).join(',')}`;
      first = false;
    }
  }
}

/**
 * `chunks`, calling `end` once when it is read to the end, fails, or is returned — also when it is
 * returned before its first piece (a generator that never started runs no `finally`).
 */
function endingWith(chunks: AsyncGenerator<string>, end: () => Promise<void>): AsyncIterableIterator<string> {
  let ended: Promise<void> | null = null;
  const finish = () => (ended ??= end());
  const it: AsyncIterableIterator<string> = {
    async next() {
      try {
        const r = await chunks.next();
        if (r.done) await finish();
        return r;
      } catch (err) {
        await finish();
        throw err;
      }
    },
    async return(value?: unknown) {
      try {
        return await chunks.return(value);
      } finally {
        await finish();
      }
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

const identityView = (i: IdentityRecord) => ({
  customerId: i.customerId,
  storeId: i.storeId,
  storeName: i.storeName,
  storeType: i.storeType,
  username: i.username,
  linkedAt: i.createdAt.toISOString(),
});

const orderView = (o: CustomerOrderRecord) => ({ customerId: o.customerId, ...orderSummary(o) });

const changeView = (ch: CustomerChangeRecord) => ({
  customerId: ch.customerId,
  at: ch.at.toISOString(),
  by: ch.actor,
  source: ch.source,
  kind: ch.kind,
  changes: ch.changes,
});

/**
 * R2.10 erasure, in the transaction that locked the record: the records become tombstones;
 * identities, change log and duplicate pairs go; the order history rows stay (store, order number,
 * date, total: no personal data) and so do the totals.
 */
async function erase(
  deps: WriteDeps,
  tx: EntityManager,
  actor: Actor,
  request: PrivacyRequestRecord,
  c: CustomerRecord,
  now: Date,
): Promise<PrivacyResult> {
  const { repo } = deps;
  const records = await withMerged(tx, repo, c);
  const ids = records.map((r) => r.id);
  const refs = ids.map((customerId) => ({ accountId: actor.accountId, customerId }));
  const identities = await repo.identitiesOf(tx, refs);
  const erased = records.map((r) => erasedRecord(r, now));
  await repo.updateCustomers(tx, erased);
  await repo.deleteIdentities(tx, actor.accountId, ids);
  await repo.deleteChanges(tx, actor.accountId, ids);
  await repo.dropDuplicates(tx, actor.accountId, ids);
  await repo.insertChanges(
    tx,
    ids.map((customerId) => ({
      id: newId('chg'),
      accountId: actor.accountId,
      customerId,
      at: now,
      actor: actor.userId,
      source: 'manual' as const,
      kind: 'erase' as const,
      changes: [{ field: 'privacyRequest', from: null, to: request.id }],
    })),
  );
  const settings = (await repo.settings(tx, [actor.accountId]))[0];
  if (settings?.defaultCustomerId && ids.includes(settings.defaultCustomerId)) {
    await repo.saveSettings(tx, { ...settings, defaultCustomerId: null, updatedAt: now });
  }
  const legalBasis = legalBasisText(request.basis, 'erase');
  await deps.outbox.addMany(
    tx,
    erased.map((r) =>
      newEvent(
        CustomerRedacted,
        { accountId: actor.accountId, correlationId: actor.correlationId },
        {
          customerId: r.id,
          requestId: request.id,
          legalBasis,
          identities: identities
            .filter((i) => i.customerId === r.id)
            .map((i) => ({ storeId: i.storeId, username: i.username })),
        },
      ),
    ),
  );
  const done: PrivacyRequestRecord = {
    ...request,
    status: 'completed',
    completedAt: now,
    completedBy: actor.userId,
    outcome: { erasedCustomerIds: ids, identitiesRemoved: identities.length, legalBasis },
  };
  await repo.updatePrivacyRequest(tx, done);
  return { request: requestView(done) };
}

/** Everything held on one record, with the source and time of each field. */
function exportRecord(c: CustomerRecord) {
  const { consentHistory, ...view } = { ...customerView(c, []), consentHistory: c.consentHistory };
  return {
    ...view,
    marketplaceUsernames: undefined,
    consentHistory,
    addressOrderDate: c.addressOrderDate?.toISOString() ?? null,
  };
}

export function requestView(r: PrivacyRequestRecord) {
  return {
    requestId: r.id,
    customerId: r.customerId,
    type: r.type,
    basis: r.basis,
    legalBasis: legalBasisText(r.basis, r.type),
    note: r.note,
    status: r.status,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    completedBy: r.completedBy,
    outcome: r.outcome,
  };
}
