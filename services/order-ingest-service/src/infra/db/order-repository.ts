import type { EntityManager } from 'typeorm';
import { isDuplicateKey } from '@crp/platform/db';
import { AppError } from '@crp/platform/errors';
import { BatchTable, dialectOf, inList, queryRows } from '@crp/platform/sql';
import type { OrderListFilter, OrderRepository } from '../../app/ports';
import type { OrderRecord, OrderRevisionRecord } from '../../domain/order';
import { ORDER_CONTENT_FIELDS } from '../../domain/order-batch';
import { OrderEntity, OrderRevisionEntity } from './entities';

const orders = new BatchTable<OrderRecord>(OrderEntity);
const revisions = new BatchTable<OrderRevisionRecord>(OrderRevisionEntity);

/** A datetime parameter for hand-written SQL, as each driver stores TypeORM datetimes. */
function stamp(tx: EntityManager, d: Date): Date | string {
  return dialectOf(tx) === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
}

/** `(store_id = ? AND customer_username = ?) OR …` for a list of identities. */
function identityClause(identities: Array<{ storeId: string; username: string }>) {
  return {
    sql: identities.map(() => '(store_id = ? AND customer_username = ?)').join(' OR '),
    params: identities.flatMap((i) => [i.storeId, i.username]),
  };
}

/** The orders of one account that `GET /v1/orders` filters to, before any keyset position. */
function matching(tx: EntityManager, accountId: string, f: OrderListFilter) {
  const qb = tx
    .getRepository(OrderEntity)
    .createQueryBuilder('o')
    .where('o.accountId = :accountId', { accountId });
  if (f.storeId) qb.andWhere('o.storeId = :storeId', { storeId: f.storeId });
  if (f.customerId) qb.andWhere('o.customerId = :customerId', { customerId: f.customerId });
  if (f.status) qb.andWhere('o.orderStatus = :status', { status: f.status });
  if (f.updatedSince) qb.andWhere('o.updatedAt >= :since', { since: stamp(tx, f.updatedSince) });
  return qb;
}

/** Every column a changed re-import may overwrite (never the id, the key or the creation time). */
const MUTABLE: Array<keyof OrderRecord & string> = [
  ...ORDER_CONTENT_FIELDS,
  'channelUpdatedAt',
  'revision',
  'contentHash',
  'updatedAt',
];

export const orderRepository: OrderRepository = {
  async lockByStoreOrderIds(tx, accountId, storeId, storeOrderIds) {
    if (storeOrderIds.length === 0) return [];
    // Locked in key order (SQLite runs one transaction at a time: no lock needed there).
    return orders.selectByKeys(
      tx,
      ['accountId', 'storeId', 'storeOrderId'],
      [...new Set(storeOrderIds)].sort().map((id) => [accountId, storeId, id]),
      { suffix: dialectOf(tx) === 'mysql' ? 'ORDER BY store_order_id' : '', lock: true },
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

  async insertRevisions(tx, rows) {
    await revisions.insert(tx, rows, { onDuplicate: 'ignore' });
  },

  revisions(tx, accountId, orderId) {
    return tx
      .getRepository(OrderRevisionEntity)
      .find({ where: { accountId, orderId }, order: { revision: 'ASC' } });
  },

  get(tx, accountId, orderId) {
    return tx.getRepository(OrderEntity).findOne({ where: { accountId, id: orderId } });
  },

  async list(tx, accountId, q) {
    const qb = matching(tx, accountId, q);
    if (q.updatedSince) {
      // Changed orders in the order they changed: an order updated while a client pages moves to
      // the end and is seen again, never skipped.
      if (q.after?.updatedAt) {
        qb.andWhere('(o.updatedAt > :au OR (o.updatedAt = :au AND o.id > :aid))', {
          au: stamp(tx, q.after.updatedAt),
          aid: q.after.id,
        });
      }
      qb.orderBy('o.updatedAt', 'ASC').addOrderBy('o.id', 'ASC');
    } else {
      if (q.after) qb.andWhere('o.id > :cursor', { cursor: q.after.id });
      qb.orderBy('o.id', 'ASC');
    }
    return qb.take(q.limit).getMany();
  },

  async count(tx, accountId, filter, upTo) {
    // Not TypeORM's getCount(): its COUNT(DISTINCT id) read every match, the whole account when
    // unfiltered (seconds a page at a million orders). The LIMIT stops the read at `upTo`.
    const [sql, params] = matching(tx, accountId, filter)
      .select('1', 'one')
      .limit(upTo)
      .getQueryAndParameters();
    const [row] = await queryRows(tx, `SELECT COUNT(*) AS n FROM (${sql}) x`, params);
    return Number(row?.n ?? 0);
  },

  async linkCustomers(tx, accountId, links) {
    // Last word per order wins (events arrive in order per customer).
    const byOrder = new Map(links.map((l) => [l.orderId, l.customerId]));
    const entries = [...byOrder];
    for (let i = 0; i < entries.length; i += 500) {
      const chunk = entries.slice(i, i + 500);
      const ids = inList(chunk.map(([orderId]) => orderId));
      await tx.query(
        `UPDATE orders SET customer_id = CASE id ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END
         WHERE account_id = ? AND id IN ${ids.sql}`,
        [...chunk.flat(), accountId, ...ids.params],
      );
    }
  },

  async linkIdentities(tx, accountId, links) {
    const byIdentity = new Map(links.map((l) => [`${l.storeId}\u0000${l.username}`, l]));
    const entries = [...byIdentity.values()];
    for (let i = 0; i < entries.length; i += 300) {
      const chunk = entries.slice(i, i + 300);
      const who = identityClause(chunk);
      await tx.query(
        `UPDATE orders SET customer_id = CASE ${chunk.map(() => 'WHEN store_id = ? AND customer_username = ? THEN ?').join(' ')} END
         WHERE account_id = ? AND (${who.sql})`,
        [...chunk.flatMap((l) => [l.storeId, l.username, l.customerId]), accountId, ...who.params],
      );
    }
  },

  async relinkCustomers(tx, accountId, fromIds, toId) {
    if (fromIds.length === 0) return;
    const ids = inList(fromIds);
    await tx.query(`UPDATE orders SET customer_id = ? WHERE account_id = ? AND customer_id IN ${ids.sql}`, [
      toId,
      accountId,
      ...ids.params,
    ]);
  },

  async redact(tx, accountId, who, at) {
    // Two statements, each on its own index: by link on idx_orders_customer, then by identity on
    // idx_orders_buyer. One statement ORing both could use neither: MariaDB read (and locked) every
    // order of every account through the primary key, 7-10 s at a million orders.
    const erase = async (where: string, params: unknown[]) => {
      const res = await tx.queryRunner!.query(
        `UPDATE orders SET customer_username = NULL, customer_email = NULL, buyer_name = NULL,
           buyer_first_name = NULL, buyer_last_name = NULL, buyer_phone = NULL, ship_to = NULL,
           bill_to = NULL, notes = '[]', redacted_at = ?, updated_at = ?
         WHERE account_id = ? AND ${where}`,
        [stamp(tx, at), stamp(tx, at), accountId, ...params],
        true,
      );
      return Number(res.affected ?? 0);
    };
    let affected = 0;
    // A batch of erasures in a few statements: customers and identities in chunks of a fixed size,
    // under MariaDB's eq_range_index_dive_limit (200). At 200 values it estimated the rows from the
    // index statistics instead of reading the index, and statistics left from before a bulk import
    // made it scan the table (seen in the MariaDB suite); below it, every value is looked up.
    const CHUNK = 100;
    for (let i = 0; i < who.customerIds.length; i += CHUNK) {
      const ids = inList(who.customerIds.slice(i, i + CHUNK));
      affected += await erase(`customer_id IN ${ids.sql}`, ids.params);
    }
    for (let i = 0; i < who.identities.length; i += CHUNK) {
      const ids = identityClause(who.identities.slice(i, i + CHUNK));
      // An order found by its link above is stamped with this erasure already: counted once.
      affected += await erase(`(${ids.sql}) AND (redacted_at IS NULL OR redacted_at <> ?)`, [
        ...ids.params,
        stamp(tx, at),
      ]);
    }
    return affected;
  },
};
