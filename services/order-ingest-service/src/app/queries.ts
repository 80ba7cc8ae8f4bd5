import { TEXT_LIMITS as L } from '@crp/contracts/limits';
import type { Database } from '@crp/platform/db';
import { notFound, validationFailed } from '@crp/platform/errors';
import { fulfillmentOf } from './fulfillment';
import { orderView, revisionView } from './order-view';
import type { OrderListFilter, Repositories } from './ports';

/** R5.4/R5.5 facts of a page of orders (delegation, shipping service): three queries per page. */
const extrasOf = (db: Database, repos: Repositories, accountId: string, ids: string[]) =>
  fulfillmentOf(db.dataSource.manager, { delegation: repos.delegation }, accountId, ids);

export async function getOrder(db: Database, repos: Repositories, accountId: string, orderId: string) {
  const tx = db.dataSource.manager;
  const o = await repos.orders.get(tx, accountId, orderId);
  if (!o) throw notFound(`Order ${orderId}`);
  const store = await repos.stores.find(tx, accountId, o.storeId);
  const revisions = await repos.orders.revisions(tx, accountId, orderId);
  return {
    ...orderView(o, store ?? undefined, (await extrasOf(db, repos, accountId, [o.id])).get(o.id)),
    revisions: revisions.map(revisionView),
  };
}

/** An opaque keyset position: the last order of a page (its id, and its updated-at when sorted by it). */
const encodeCursor = (id: string, updatedAt?: Date) =>
  Buffer.from(JSON.stringify(updatedAt ? [id, updatedAt.toISOString()] : [id])).toString('base64url');

function decodeCursor(cursor: string): { id: string; updatedAt?: Date } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'string') {
      const at = typeof v[1] === 'string' ? new Date(v[1]) : undefined;
      if (!at || !Number.isNaN(at.getTime())) return { id: v[0], ...(at ? { updatedAt: at } : {}) };
    }
  } catch {
    /* fall through */
  }
  // The cursors of earlier versions were the bare last id.
  if (/^[\w-]{1,40}$/.test(cursor)) return { id: cursor };
  throw validationFailed('cursor is not one this API returned', ['query parameter cursor is invalid']);
}

/**
 * `total` is exact up to this many matches; past it the list says `totalRelation: 'gte'` (at least
 * this many: "1,000+"), as customer-service's customer list does. Counting every order of a
 * million-order account took 0.13-0.26 s a page (warm, 2 cores), for a number no client pages
 * through; one narrows the filters (or follows `updatedSince`) instead.
 */
export const TOTAL_CAP = 1000;

/**
 * A store or customer id that no order can carry is a 400 naming the parameter and the form it
 * takes, not an empty page that reads as "no orders there": store ids are `st_…` (the manual store
 * `st_manual_<account>`), a 3PL's copies of its clients' orders are in `client:<clientAccountId>`
 * (R5.4, README "What the 3PL gets"), customer ids are customer-service's `cus_…`. Each is at
 * most as long as what stores it (packages/contracts limits): a longer one can match nothing.
 */
const ID_FORMS = {
  storeId: {
    form: new RegExp(
      `^(st_[A-Za-z0-9_.-]{1,${L.storeId - 'st_'.length}}|client:[A-Za-z0-9_.-]{1,${L.accountId}})$`,
    ),
    says: `a store id: st_… of at most ${L.storeId} characters (letters, digits, _ . -), or client:<account id> for a 3PL's delegated orders`,
  },
  customerId: {
    form: new RegExp(`^cus_[A-Za-z0-9_.-]{1,${L.id - 'cus_'.length}}$`),
    says: `a customer id: cus_… of at most ${L.id} characters (letters, digits, _ . -)`,
  },
} as const;

function refuseIdOfAnotherKind(q: { storeId?: string; customerId?: string }) {
  const problems = (['storeId', 'customerId'] as const)
    .filter((k) => q[k] !== undefined && !ID_FORMS[k].form.test(q[k]))
    .map((k) => `query parameter ${k} must be ${ID_FORMS[k].says}`);
  if (problems.length) throw validationFailed(`Invalid query parameter: ${problems.join('; ')}`, problems);
}

/**
 * Keyset pagination, stable while orders keep arriving: by id; with `updatedSince`, by
 * (updated-at, id), so an order changed while a client pages moves to the end and is seen again.
 */
export async function listOrders(
  db: Database,
  repos: Repositories,
  accountId: string,
  q: {
    storeId?: string;
    customerId?: string;
    status?: string;
    updatedSince?: string;
    cursor?: string;
    limit: number;
  },
) {
  refuseIdOfAnotherKind(q);
  const updatedSince = q.updatedSince ? new Date(q.updatedSince) : undefined;
  if (updatedSince && Number.isNaN(updatedSince.getTime()))
    throw validationFailed('updatedSince must be an ISO 8601 date-time', [
      'query parameter updatedSince is invalid',
    ]);
  const tx = db.dataSource.manager;
  const filter: OrderListFilter = {
    storeId: q.storeId,
    customerId: q.customerId,
    status: q.status,
    updatedSince,
  };
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await repos.orders.list(tx, accountId, { ...filter, after, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  // A first page that holds every match is its own count (one query fewer); otherwise a capped one.
  const counted =
    !after && rows.length <= q.limit
      ? rows.length
      : await repos.orders.count(tx, accountId, filter, TOTAL_CAP + 1);
  const last = page[page.length - 1];
  const extras = await extrasOf(
    db,
    repos,
    accountId,
    page.map((o) => o.id),
  );
  return {
    orders: page.map((o) => orderView(o, undefined, extras.get(o.id))),
    total: Math.min(counted, TOTAL_CAP),
    totalRelation: counted > TOTAL_CAP ? ('gte' as const) : ('eq' as const),
    nextCursor:
      rows.length > q.limit && last ? encodeCursor(last.id, updatedSince ? last.updatedAt : undefined) : null,
  };
}
