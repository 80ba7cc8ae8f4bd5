import type { EntityManager } from 'typeorm';
import { isDuplicateKey } from '@crp/platform/db';
import { AppError } from '@crp/platform/errors';
import { BatchTable, dialectOf, inList } from '@crp/platform/sql';
import type { OrderRepository } from '../../app/ports';
import type { OrderRecord } from '../../domain/order';
import { OrderEntity } from './entities';

const orders = new BatchTable<OrderRecord>(OrderEntity);

/** Every column a changed re-import may overwrite (never the id, the key or the creation time). */
const MUTABLE: Array<keyof OrderRecord & string> = [
  'orderNumber',
  'orderDate',
  'orderStatus',
  'customerUsername',
  'customerEmail',
  'buyerName',
  'shipTo',
  'billTo',
  'items',
  'notes',
  'total',
  'revision',
  'contentHash',
  'updatedAt',
];

export const orderRepository: OrderRepository = {
  async lockByStoreOrderIds(tx, accountId, storeId, storeOrderIds) {
    if (storeOrderIds.length === 0) return [];
    const ids = inList([...new Set(storeOrderIds)].sort());
    // SQLite runs one transaction at a time: no lock needed there.
    const lock = dialectOf(tx) === 'mysql' ? 'ORDER BY store_order_id FOR UPDATE' : '';
    return orders.select(
      tx,
      `account_id = ? AND store_id = ? AND store_order_id IN ${ids.sql}`,
      [accountId, storeId, ...ids.params],
      lock,
    );
  },

  async insert(tx: EntityManager, rows: OrderRecord[]) {
    try {
      await orders.insert(tx, rows);
    } catch (err) {
      // Another import of one of these new orders committed first; the retry will see it.
      if (isDuplicateKey(err))
        throw new AppError('CONFLICT', 'These orders are being imported concurrently; retry', 409, true);
      throw err;
    }
  },

  async update(tx: EntityManager, rows: OrderRecord[]) {
    await orders.insert(tx, rows, { onDuplicate: { conflictKeys: ['id'], update: MUTABLE } });
  },

  get(tx, accountId, orderId) {
    return tx.getRepository(OrderEntity).findOne({ where: { accountId, id: orderId } });
  },

  async list(tx, accountId, q) {
    const qb = tx
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .where('o.accountId = :accountId', { accountId });
    if (q.storeId) qb.andWhere('o.storeId = :storeId', { storeId: q.storeId });
    const total = await qb.getCount();
    if (q.cursor) qb.andWhere('o.id > :cursor', { cursor: q.cursor });
    const rows = await qb.orderBy('o.id', 'ASC').take(q.limit).getMany();
    return { rows, total };
  },
};
