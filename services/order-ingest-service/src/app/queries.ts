import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { fulfillmentOf } from './fulfillment';
import { orderView } from './order-view';
import type { Repositories } from './ports';

/** R5.4/R5.5 facts of a page of orders (delegation, shipping service): three queries per page. */
const extrasOf = (db: Database, repos: Repositories, accountId: string, ids: string[]) =>
  fulfillmentOf(db.dataSource.manager, { delegation: repos.delegation }, accountId, ids);

export async function getOrder(db: Database, repos: Repositories, accountId: string, orderId: string) {
  const o = await repos.orders.get(db.dataSource.manager, accountId, orderId);
  if (!o) throw notFound(`Order ${orderId}`);
  return orderView(o, undefined, (await extrasOf(db, repos, accountId, [o.id])).get(o.id));
}

/** Keyset pagination on the time-sortable id: stable while orders keep arriving. */
export async function listOrders(
  db: Database,
  repos: Repositories,
  accountId: string,
  q: { storeId?: string; cursor?: string; limit: number },
) {
  const { rows, total } = await repos.orders.list(db.dataSource.manager, accountId, {
    ...q,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const extras = await extrasOf(
    db,
    repos,
    accountId,
    page.map((o) => o.id),
  );
  return {
    orders: page.map((o) => orderView(o, undefined, extras.get(o.id))),
    total,
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
