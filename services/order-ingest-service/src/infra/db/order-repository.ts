import type { EntityManager } from 'typeorm';
import { isDuplicateKey } from '@crp/platform/db';
import { AppError } from '@crp/platform/errors';
import { BatchTable, dialectOf, inList, queryRows, sqlStamp } from '@crp/platform/sql';
import type { OrderListFilter, OrderListQuery, OrderRepository } from '../../app/ports';
import type { OrderRecord, OrderRevisionRecord } from '../../domain/order';
import { ORDER_CONTENT_FIELDS } from '../../domain/order-batch';
import { OrderEntity, OrderRevisionEntity } from './entities';

const orders = new BatchTable<OrderRecord>(OrderEntity);
const revisions = new BatchTable<OrderRevisionRecord>(OrderRevisionEntity);

/** A datetime parameter for hand-written SQL, as each driver stores TypeORM datetimes. */
/** `(store_id = ? AND customer_username = ?) OR …` for a list of identities. */
function identityClause(identities: Array<{ storeId: string; username: string }>) {
  return {
    sql: identities.map(() => '(store_id = ? AND customer_username = ?)').join(' OR '),
    params: identities.flatMap((i) => [i.storeId, i.username]),
  };
}

/**
 * `(store_id = ? AND customer_username = ? AND (customer_id IS NULL OR customer_id <> ?)) OR …`: the
 * orders of each identity not linked to its customer yet. Written as ranges (not `NOT (… <=> ?)`)
 * so that MariaDB reads each from idx_orders_buyer around the linked orders.
 */
function unlinkedClause(
  links: Array<{ customerId: string; storeId: string; username: string }>,
  onlyUnlinked = false,
) {
  if (onlyUnlinked) {
    // One range of idx_orders_buyer per identity: its orders linked to nobody (NULL sorts first).
    return {
      sql: links.map(() => '(store_id = ? AND customer_username = ? AND customer_id IS NULL)').join(' OR '),
      params: links.flatMap((l) => [l.storeId, l.username]),
    };
  }
  return {
    sql: links
      .map(() => '(store_id = ? AND customer_username = ? AND (customer_id IS NULL OR customer_id <> ?))')
      .join(' OR '),
    params: links.flatMap((l) => [l.storeId, l.username, l.customerId]),
  };
}

/** `GET /v1/orders`'s conditions for one account and its filters, before any keyset position. */
function matching(tx: EntityManager, accountId: string, f: OrderListFilter) {
  const conds = ['account_id = ?'];
  const params: unknown[] = [accountId];
  const add = (cond: string, value: unknown) => {
    conds.push(cond);
    params.push(value);
  };
  if (f.storeId) add('store_id = ?', f.storeId);
  if (f.customerId) add('customer_id = ?', f.customerId);
  if (f.status) add('order_status = ?', f.status);
  if (f.updatedSince) add('updated_at >= ?', sqlStamp(tx, f.updatedSince));
  return { conds, params };
}

/**
 * The index a page (and its capped count) is read from, named (MariaDB), where one index fits the
 * filters; undefined leaves the choice to MariaDB. Left to itself at 1,000,000 orders in one
 * account, MariaDB read a page past about half of the account by `ref` on the index's equality
 * part from its first entry, filtering the cursor (500,000 entries: 66 ms a page unfiltered; by
 * updated-at, 70–110 ms unfiltered and 120–220 ms with a store), a page of a rare status through
 * (account_id, id), every order checked, and a store with a status it never had read every order
 * of that status (35,000: 127–270 ms). Named, the page is one range from the cursor:
 * - a customer (with anything else): (account_id, customer_id, id); a customer's orders are few,
 *   and with `updatedSince` they are sorted;
 * - by updated-at: (account_id, updated_at, id), or with a status (account_id, order_status,
 *   updated_at, id);
 * - store and status: (account_id, store_id, order_status, id) (both of migration 1732000000260);
 * - one of store or status, or none: that filter's (account_id, …, id).
 * By updated-at with a store no index fits: `list` reads it with updatedOrderRows.
 */
function listIndex(tx: EntityManager, f: OrderListFilter): string | undefined {
  if (dialectOf(tx) !== 'mysql') return undefined;
  if (f.customerId) return 'idx_orders_customer';
  if (f.updatedSince) {
    if (f.storeId) return undefined;
    return f.status ? STATUS_UPDATED_INDEX : 'idx_orders_updated';
  }
  if (f.storeId && f.status) return 'idx_orders_store_status';
  if (f.storeId) return 'idx_orders_store';
  if (f.status) return 'idx_orders_status';
  return 'idx_orders_account_id';
}

const STATUS_UPDATED_INDEX = 'idx_orders_status_updated';

/**
 * How many rows updatedOrderRows may examine per row it wants (at least ROWS_EXAMINED_MIN), as
 * customer-service's orderedRows. MariaDB counts about three per index entry it reads (the entry,
 * the order's row, the check), so 20,000 finds a page of 51 while about one order in 130 of the
 * range is the store's (~20 ms where none is).
 */
const ROWS_EXAMINED_PER_ROW = 200;
const ROWS_EXAMINED_MIN = 20_000;

/**
 * By updated-at with a store (and maybe a status): the page in (updated_at, id) order from the
 * updated-at index (the status's, with a status), each order checked for its store, stopping at the
 * page or at the rows-examined budget. A short page: when the range after the cursor holds fewer
 * than a fifth of the budget in entries (a capped count of them, index only: the last page of a
 * client that polls `updatedSince`), the page is read from it again without the budget; otherwise
 * the store is rare in the range and null lets MariaDB's own plan read the page (from the store's
 * index). Left to itself MariaDB read a page at depth by `ref` from the account's first entry
 * (120–220 ms at 50–90 %), and a store with a status it never had read the whole range (2.5 s at
 * 1,000,000 orders).
 */
async function updatedOrderRows(
  tx: EntityManager,
  q: OrderListQuery,
  where: { sql: string; params: unknown[] },
  range: { sql: string; params: unknown[] },
): Promise<OrderRecord[] | null> {
  const index = q.status ? STATUS_UPDATED_INDEX : 'idx_orders_updated';
  const budget = Math.max(ROWS_EXAMINED_MIN, ROWS_EXAMINED_PER_ROW * q.limit);
  let rows: OrderRecord[];
  try {
    rows = await orders.select(
      tx,
      where.sql,
      [...where.params, q.limit, budget],
      'ORDER BY updated_at, id LIMIT ? ROWS EXAMINED ?',
      { index },
    );
  } catch (err) {
    // ROWS EXAMINED is MariaDB's: MySQL 8 refuses the syntax, and gets its own plan instead.
    if ((err as { code?: string }).code === 'ER_PARSE_ERROR') return null;
    throw err;
  }
  if (rows.length === q.limit) return rows;
  // Short: the budget ran out, or the range did. When the rest of the range is small, the page is
  // read from it again without the budget (exact, and at most `entries` entries whatever MariaDB
  // counts as examined); otherwise the store is rare in it.
  const entries = Math.floor(budget / 5);
  const [left] = await queryRows(
    tx,
    `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM orders FORCE INDEX (${index}) WHERE ${range.sql} LIMIT ?) x`,
    [...range.params, entries],
  );
  if (Number(left?.n ?? entries) >= entries) return null;
  return orders.select(tx, where.sql, [...where.params, q.limit], 'ORDER BY updated_at, id LIMIT ?', {
    index,
  });
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
    const { conds, params } = matching(tx, accountId, q);
    let order = 'id';
    const after: { sql: string[]; params: unknown[] } = { sql: [], params: [] };
    if (q.updatedSince) {
      // Changed orders in the order they changed: an order updated while a client pages moves to
      // the end and is seen again, never skipped.
      if (q.after?.updatedAt) {
        const au = sqlStamp(tx, q.after.updatedAt);
        after.sql.push('(updated_at > ? OR (updated_at = ? AND id > ?))');
        after.params.push(au, au, q.after.id);
      }
      order = 'updated_at, id';
    } else if (q.after) {
      after.sql.push('id > ?');
      after.params.push(q.after.id);
    }
    const where = { sql: [...conds, ...after.sql].join(' AND '), params: [...params, ...after.params] };
    const index = listIndex(tx, q);
    if (!index && q.updatedSince && dialectOf(tx) === 'mysql') {
      // The range of the updated-at index after the cursor: the account, the status, the dates.
      const range = matching(tx, accountId, { status: q.status, updatedSince: q.updatedSince });
      const rows = await updatedOrderRows(tx, q, where, {
        sql: [...range.conds, ...after.sql].join(' AND '),
        params: [...range.params, ...after.params],
      });
      if (rows) return rows;
    }
    return orders.select(tx, where.sql, [...where.params, q.limit], `ORDER BY ${order} LIMIT ?`, { index });
  },

  async count(tx, accountId, filter, upTo) {
    // Not TypeORM's getCount(): its COUNT(DISTINCT id) read every match, the whole account when
    // unfiltered (0.13 s a page at a million orders). The LIMIT stops the read at `upTo`.
    const { conds, params } = matching(tx, accountId, filter);
    const index = listIndex(tx, filter);
    const [row] = await queryRows(
      tx,
      `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM orders${index ? ` FORCE INDEX (${index})` : ''}
        WHERE ${conds.join(' AND ')} LIMIT ?) x`,
      [...params, upTo],
    );
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

  async linkIdentities(tx, accountId, links, opts) {
    const byIdentity = new Map(links.map((l) => [`${l.storeId}\u0000${l.username}`, l]));
    const entries = [...byIdentity.values()];
    let changed = 0;
    // Every CustomerUpserted names all of its customer's identities, so a repeat buyer's orders are
    // nearly all linked already. Each identity's range of idx_orders_buyer (account, store, key,
    // customer) leaves out the orders linked to its customer: they are neither read nor locked
    // (the consumer runs in REPEATABLE READ, where a locking read keeps every entry it scans). A buyer
    // of 20,000 linked orders: 83 ms and 40,051 row locks an event before, 0.6 ms and 6 now.
    // Chunks of 100 identities (300 ranges, 100 of them equalities: under
    // eq_range_index_dive_limit, 200, so each range is looked up; the erasure's table scans began at
    // 200 values).
    const CHUNK = 100;
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      const who = unlinkedClause(chunk, opts?.onlyUnlinked);
      const cases = chunk.flatMap((l) => [l.storeId, l.username, l.customerId]);
      const res = await tx.queryRunner!.query(
        `UPDATE orders SET customer_id = CASE ${chunk.map(() => 'WHEN store_id = ? AND customer_username = ? THEN ?').join(' ')} END
         WHERE account_id = ? AND (${who.sql})`,
        [...cases, accountId, ...who.params],
        true,
      );
      changed += Number(res.affected ?? 0);
    }
    return changed;
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
    // idx_orders_buyer. One statement ORing both could use neither from 100 values on: MariaDB read
    // and locked every order of every account through the primary key, 5-10 s at a million orders.
    const erase = async (where: string, params: unknown[]) => {
      const res = await tx.queryRunner!.query(
        `UPDATE orders SET customer_username = NULL, customer_email = NULL, buyer_name = NULL,
           buyer_first_name = NULL, buyer_last_name = NULL, buyer_phone = NULL, ship_to = NULL,
           bill_to = NULL, notes = '[]', redacted_at = ?, updated_at = ?
         WHERE account_id = ? AND ${where}`,
        [sqlStamp(tx, at), sqlStamp(tx, at), accountId, ...params],
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
        sqlStamp(tx, at),
      ]);
    }
    return affected;
  },
};
