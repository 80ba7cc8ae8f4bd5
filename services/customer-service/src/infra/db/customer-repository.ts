import { Brackets, type EntityManager } from 'typeorm';
import { BatchTable, dialectOf, inList } from '@crp/platform/sql';
import type { AccountRef, CustomerQuery, CustomerRepository, LoadOptions } from '../../app/ports';
import type {
  AccountSettings,
  CustomerOrderRecord,
  CustomerRecord,
  IdentityRecord,
  PossibleDuplicateRecord,
} from '../../domain/records';
import {
  AccountSettingsEntity,
  CustomerEntity,
  CustomerOrderEntity,
  IdentityEntity,
  PossibleDuplicateEntity,
} from './entities';

const customers = new BatchTable<CustomerRecord>(CustomerEntity);
const identities = new BatchTable<IdentityRecord>(IdentityEntity);
const history = new BatchTable<CustomerOrderRecord>(CustomerOrderEntity);
const duplicates = new BatchTable<PossibleDuplicateRecord>(PossibleDuplicateEntity);
const settingsTable = new BatchTable<AccountSettings>(AccountSettingsEntity);

const CUSTOMER_MUTABLE: Array<keyof CustomerRecord & string> = [
  'status',
  'mergedIntoId',
  'firstName',
  'lastName',
  'name',
  'company',
  'email',
  'emailNormalized',
  'phone',
  'phoneE164',
  'birthDate',
  'shippingAddress',
  'billingAddress',
  'postalAddress',
  'addressOrderDate',
  'profileOrderDate',
  'tags',
  'consent',
  'fieldSources',
  'orderCount',
  'totalSpent',
  'firstOrderDate',
  'lastOrderDate',
  'version',
  'updatedAt',
];
const HISTORY_MUTABLE: Array<keyof CustomerOrderRecord & string> = [
  'orderId',
  'customerId',
  'orderNumber',
  'orderDate',
  'total',
  'currency',
  'revision',
];

/**
 * `(account_id = ? AND a IN (…) [AND b IN (…)]) OR …`, one group per account, so every
 * statement stays inside the accounts it was asked about. Callers filter exact pairs in code.
 */
function perAccount<K extends AccountRef>(
  keys: K[],
  columns: Array<[column: string, pick: (k: K) => string]>,
): { sql: string; params: unknown[] } {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    const list = groups.get(key.accountId);
    if (list) list.push(key);
    else groups.set(key.accountId, [key]);
  }
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [accountId, list] of groups) {
    const conds = ['account_id = ?'];
    params.push(accountId);
    for (const [column, pick] of columns) {
      const values = inList([...new Set(list.map(pick))]);
      conds.push(`${column} IN ${values.sql}`);
      params.push(...values.params);
    }
    parts.push(`(${conds.join(' AND ')})`);
  }
  return { sql: parts.length ? `(${parts.join(' OR ')})` : '1 = 0', params };
}

const lockClause = (tx: EntityManager, opts?: LoadOptions) =>
  opts?.lock && dialectOf(tx) === 'mysql' ? 'FOR UPDATE' : '';

const toDate = (v: unknown): Date | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(/Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
};

// LIKE with `!` as the escape character: a backslash is written differently in MySQL and SQLite literals.
const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

export const customerRepository: CustomerRepository = {
  async settings(tx, accountIds) {
    if (accountIds.length === 0) return [];
    const ids = inList([...new Set(accountIds)]);
    return settingsTable.select(tx, `account_id IN ${ids.sql}`, ids.params);
  },

  async saveSettings(tx, s) {
    await settingsTable.insert(tx, [s], {
      onDuplicate: {
        conflictKeys: ['accountId'],
        update: ['matchPolicy', 'defaultCountry', 'protectNames', 'defaultCustomerId', 'updatedAt'],
      },
    });
  },

  async historyByStoreOrder(tx, keys) {
    if (keys.length === 0) return [];
    const where = perAccount(keys, [
      ['store_id', (k) => k.storeId],
      ['store_order_id', (k) => k.storeOrderId],
    ]);
    const wanted = new Set(keys.map((k) => `${k.accountId}\u0000${k.storeId}\u0000${k.storeOrderId}`));
    const rows = await history.select(tx, where.sql, where.params);
    return rows.filter((r) => wanted.has(`${r.accountId}\u0000${r.storeId}\u0000${r.storeOrderId}`));
  },

  async identitiesByKey(tx, keys) {
    if (keys.length === 0) return [];
    const where = perAccount(keys, [
      ['store_id', (k) => k.storeId],
      ['username', (k) => k.username],
    ]);
    const wanted = new Set(keys.map((k) => `${k.accountId}\u0000${k.storeId}\u0000${k.username}`));
    const rows = await identities.select(tx, where.sql, where.params);
    return rows.filter((r) => wanted.has(`${r.accountId}\u0000${r.storeId}\u0000${r.username}`));
  },

  async identitiesOf(tx, refs) {
    if (refs.length === 0) return [];
    const where = perAccount(refs, [['customer_id', (r) => r.customerId]]);
    return identities.select(tx, where.sql, where.params, 'ORDER BY created_at, id');
  },

  async customersById(tx, refs, opts) {
    if (refs.length === 0) return [];
    const where = perAccount(refs, [['id', (r) => r.id]]);
    return customers.select(tx, where.sql, where.params, lockClause(tx, opts));
  },

  async activeCustomersByKey(tx, key, values, opts) {
    if (values.length === 0) return [];
    const column = key === 'email' ? 'email_normalized' : 'phone_e164';
    const where = perAccount(values, [[column, (v) => v.value]]);
    return customers.select(tx, `status = 'active' AND ${where.sql}`, where.params, lockClause(tx, opts));
  },

  insertCustomers: (tx, rows) => customers.insert(tx, rows),
  updateCustomers: (tx, rows) =>
    customers.insert(tx, rows, { onDuplicate: { conflictKeys: ['id'], update: CUSTOMER_MUTABLE } }),
  insertIdentities: (tx, rows) => identities.insert(tx, rows),
  updateIdentities: (tx, rows) =>
    identities.insert(tx, rows, {
      onDuplicate: { conflictKeys: ['id'], update: ['customerId', 'updatedAt'] },
    }),
  insertHistory: (tx, rows) => history.insert(tx, rows),
  updateHistory: (tx, rows) =>
    history.insert(tx, rows, {
      onDuplicate: { conflictKeys: ['accountId', 'storeId', 'storeOrderId'], update: HISTORY_MUTABLE },
    }),
  addPossibleDuplicates: (tx, rows) => duplicates.insert(tx, rows, { onDuplicate: 'ignore' }),

  async recountTotals(tx, refs) {
    if (refs.length === 0) return;
    const where = perAccount(refs, [['customer_id', (r) => r.customerId]]);
    const rows: Array<Record<string, unknown>> = await tx.query(
      `SELECT account_id, customer_id, COUNT(*) AS n, COALESCE(SUM(total), 0) AS spent,
              MIN(order_date) AS first, MAX(order_date) AS last
         FROM customer_orders WHERE ${where.sql} GROUP BY account_id, customer_id`,
      where.params,
    );
    const found = new Map(rows.map((r) => [`${r.account_id}\u0000${r.customer_id}`, r]));
    for (const ref of refs) {
      const r = found.get(`${ref.accountId}\u0000${ref.customerId}`);
      await tx.getRepository(CustomerEntity).update(
        { accountId: ref.accountId, id: ref.customerId },
        {
          orderCount: Number(r?.n ?? 0),
          totalSpent: Math.round(Number(r?.spent ?? 0) * 100) / 100,
          firstOrderDate: toDate(r?.first),
          lastOrderDate: toDate(r?.last),
        },
      );
    }
  },

  findCustomer(tx, accountId, id) {
    return tx.getRepository(CustomerEntity).findOne({ where: { accountId, id } });
  },

  ordersOf(tx, accountId, customerId, limit = 100) {
    return tx.getRepository(CustomerOrderEntity).find({
      where: { accountId, customerId },
      order: { orderDate: 'DESC' },
      take: limit,
    });
  },

  async possibleDuplicatesOf(tx, accountId, customerId) {
    const rows = await tx
      .getRepository(PossibleDuplicateEntity)
      .find({ where: { accountId, duplicateOfId: customerId } });
    return rows.map((r) => r.customerId);
  },

  /** R2.11: search with keyset pagination on the time-sortable id, so pages never shift. */
  async search(tx, accountId, query: CustomerQuery) {
    const qb = tx
      .getRepository(CustomerEntity)
      .createQueryBuilder('c')
      .where('c.accountId = :accountId', { accountId });
    qb.andWhere('c.status = :status', { status: query.status ?? 'active' });
    if (query.email) qb.andWhere('c.emailNormalized = :email', { email: query.email.trim().toLowerCase() });
    if (query.tag)
      qb.andWhere("c.tags LIKE :tag ESCAPE '!'", { tag: `%${likeEscape(JSON.stringify(query.tag))}%` });
    if (query.storeId) {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM customer_identities si WHERE si.account_id = c.account_id AND si.customer_id = c.id AND si.store_id = :storeId)',
        { storeId: query.storeId },
      );
    }
    if (query.q) {
      const like = `%${likeEscape(query.q.trim().toLowerCase())}%`;
      qb.andWhere(
        new Brackets((w) => {
          w.where("LOWER(c.name) LIKE :like ESCAPE '!'", { like })
            .orWhere("c.emailNormalized LIKE :like ESCAPE '!'", { like })
            .orWhere("c.phone LIKE :like ESCAPE '!'", { like })
            .orWhere("c.phoneE164 LIKE :like ESCAPE '!'", { like })
            .orWhere(
              "EXISTS (SELECT 1 FROM customer_identities ui WHERE ui.account_id = c.account_id AND ui.customer_id = c.id AND LOWER(ui.username) LIKE :like ESCAPE '!')",
              { like },
            );
        }),
      );
    }
    const total = await qb.getCount();
    if (query.after) qb.andWhere('c.id > :after', { after: query.after });
    const rows = await qb.orderBy('c.id', 'ASC').take(query.limit).getMany();
    return { rows, total };
  },
};
