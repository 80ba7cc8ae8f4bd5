import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { delegationRepository } from '../infra/db/delegation-repositories';
import { OrderEntity } from '../infra/db/entities';
import { fulfillmentOf } from './fulfillment';
import { orderView } from './order-view';

const extrasOf = (db: Database, accountId: string, ids: string[]) =>
  fulfillmentOf(db.dataSource.manager, { delegation: delegationRepository }, accountId, ids);

export async function getOrder(db: Database, accountId: string, orderId: string) {
  const o = await db.dataSource.getRepository(OrderEntity).findOne({ where: { accountId, id: orderId } });
  if (!o) throw notFound(`Order ${orderId}`);
  return orderView(o, undefined, (await extrasOf(db, accountId, [o.id])).get(o.id));
}

/** Keyset pagination on the time-sortable id: stable while orders keep arriving. */
export async function listOrders(
  db: Database,
  accountId: string,
  q: { storeId?: string; cursor?: string; limit: number },
) {
  const qb = db.dataSource
    .getRepository(OrderEntity)
    .createQueryBuilder('o')
    .where('o.accountId = :accountId', { accountId });
  if (q.storeId) qb.andWhere('o.storeId = :storeId', { storeId: q.storeId });
  const total = await qb.getCount();
  if (q.cursor) qb.andWhere('o.id > :cursor', { cursor: q.cursor });
  const rows = await qb
    .orderBy('o.id', 'ASC')
    .take(q.limit + 1)
    .getMany();
  const page = rows.slice(0, q.limit);
  const extras = await extrasOf(
    db,
    accountId,
    page.map((o) => o.id),
  );
  return {
    orders: page.map((o) => orderView(o, undefined, extras.get(o.id))),
    total,
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
