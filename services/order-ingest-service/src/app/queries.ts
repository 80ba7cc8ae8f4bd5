import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { orderView } from './order-view';
import type { Repositories } from './ports';

export async function getOrder(db: Database, repos: Repositories, accountId: string, orderId: string) {
  const o = await repos.orders.get(db.dataSource.manager, accountId, orderId);
  if (!o) throw notFound(`Order ${orderId}`);
  return orderView(o);
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
  return {
    orders: page.map((o) => orderView(o)),
    total,
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
