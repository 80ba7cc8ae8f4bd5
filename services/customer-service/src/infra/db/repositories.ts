import { Brackets, type EntityManager } from 'typeorm';
import { newId } from '@crp/platform/ids';
import type { MatchPolicy } from '../../domain/matching';
import {
  AccountSettingsEntity,
  CustomerEntity,
  CustomerOrderEntity,
  IdentityEntity,
  PossibleDuplicateEntity,
  type AccountSettingsRow,
  type CustomerOrderRow,
  type CustomerRow,
  type IdentityRow,
} from './entities';

// Every function takes the account id: no query in this service reads across accounts.

export const DEFAULT_SETTINGS = {
  matchPolicy: 'email,phone' as MatchPolicy,
  defaultCountry: 'US',
  protectNames: false,
  defaultCustomerId: null as string | null,
};

export async function getSettings(tx: EntityManager, accountId: string): Promise<AccountSettingsRow> {
  const row = await tx.getRepository(AccountSettingsEntity).findOne({ where: { accountId } });
  return row ?? { accountId, ...DEFAULT_SETTINGS, updatedAt: new Date(0) };
}

export async function saveSettings(tx: EntityManager, row: AccountSettingsRow): Promise<void> {
  await tx.getRepository(AccountSettingsEntity).save(row);
}

export function findCustomer(tx: EntityManager, accountId: string, id: string): Promise<CustomerRow | null> {
  return tx.getRepository(CustomerEntity).findOne({ where: { accountId, id } });
}

export function findIdentity(
  tx: EntityManager,
  accountId: string,
  storeId: string,
  username: string,
): Promise<IdentityRow | null> {
  return tx.getRepository(IdentityEntity).findOne({ where: { accountId, storeId, username } });
}

export function identitiesOf(
  tx: EntityManager,
  accountId: string,
  customerIds: string[],
): Promise<IdentityRow[]> {
  if (customerIds.length === 0) return Promise.resolve([]);
  return tx
    .getRepository(IdentityEntity)
    .createQueryBuilder('i')
    .where('i.accountId = :accountId', { accountId })
    .andWhere('i.customerId IN (:...customerIds)', { customerIds })
    .orderBy('i.createdAt', 'ASC')
    .getMany();
}

export async function linkIdentity(
  tx: EntityManager,
  existing: IdentityRow | null,
  fields: Omit<IdentityRow, 'id' | 'createdAt' | 'updatedAt'>,
): Promise<IdentityRow> {
  const now = new Date();
  const repo = tx.getRepository(IdentityEntity);
  if (existing) {
    await repo.update(
      { id: existing.id, accountId: existing.accountId },
      { customerId: fields.customerId, updatedAt: now },
    );
    return { ...existing, customerId: fields.customerId, updatedAt: now };
  }
  const row: IdentityRow = { id: newId('idn'), ...fields, createdAt: now, updatedAt: now };
  await repo.insert(row);
  return row;
}

/** Active records sharing a normalized key, oldest first (R1.6). */
export function activeByKey(
  tx: EntityManager,
  accountId: string,
  key: 'email' | 'phone',
  value: string,
): Promise<CustomerRow[]> {
  const column = key === 'email' ? 'emailNormalized' : 'phoneE164';
  return tx.getRepository(CustomerEntity).find({
    where: { accountId, status: 'active', [column]: value },
    order: { createdAt: 'ASC', id: 'ASC' },
    take: 20,
  });
}

export async function insertCustomer(tx: EntityManager, row: CustomerRow): Promise<void> {
  await tx.getRepository(CustomerEntity).insert(row);
}

export async function updateCustomer(tx: EntityManager, row: CustomerRow): Promise<void> {
  const { id, accountId, ...rest } = row;
  await tx.getRepository(CustomerEntity).update({ id, accountId }, rest);
}

export function findOrderHistory(
  tx: EntityManager,
  accountId: string,
  storeId: string,
  storeOrderId: string,
): Promise<CustomerOrderRow | null> {
  return tx.getRepository(CustomerOrderEntity).findOne({ where: { accountId, storeId, storeOrderId } });
}

export async function saveOrderHistory(
  tx: EntityManager,
  row: CustomerOrderRow,
  exists: boolean,
): Promise<void> {
  const repo = tx.getRepository(CustomerOrderEntity);
  if (exists) {
    const { accountId, storeId, storeOrderId, ...rest } = row;
    await repo.update({ accountId, storeId, storeOrderId }, rest);
  } else {
    await repo.insert(row);
  }
}

/** R1.11: the customer's history figures, recomputed from its orders (so a re-import never counts twice). */
export async function historyTotals(
  tx: EntityManager,
  accountId: string,
  customerId: string,
): Promise<{
  orderCount: number;
  totalSpent: number;
  firstOrderDate: Date | null;
  lastOrderDate: Date | null;
}> {
  const raw = await tx
    .getRepository(CustomerOrderEntity)
    .createQueryBuilder('o')
    .select('COUNT(*)', 'n')
    .addSelect('COALESCE(SUM(o.total), 0)', 'total')
    .addSelect('MIN(o.orderDate)', 'first')
    .addSelect('MAX(o.orderDate)', 'last')
    .where('o.accountId = :accountId AND o.customerId = :customerId', { accountId, customerId })
    .getRawOne<{
      n: string | number;
      total: string | number;
      first: string | Date | null;
      last: string | Date | null;
    }>();
  const toDate = (v: string | Date | null | undefined) =>
    v === null || v === undefined
      ? null
      : v instanceof Date
        ? v
        : new Date(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
  return {
    orderCount: Number(raw?.n ?? 0),
    totalSpent: Math.round(Number(raw?.total ?? 0) * 100) / 100,
    firstOrderDate: toDate(raw?.first),
    lastOrderDate: toDate(raw?.last),
  };
}

export function ordersOf(
  tx: EntityManager,
  accountId: string,
  customerId: string,
  limit = 100,
): Promise<CustomerOrderRow[]> {
  return tx.getRepository(CustomerOrderEntity).find({
    where: { accountId, customerId },
    order: { orderDate: 'DESC' },
    take: limit,
  });
}

export async function recordDuplicates(
  tx: EntityManager,
  accountId: string,
  duplicateOfId: string,
  customerIds: string[],
  matchedOn: string,
): Promise<void> {
  const repo = tx.getRepository(PossibleDuplicateEntity);
  for (const customerId of customerIds) {
    const exists = await repo.findOne({ where: { accountId, customerId, duplicateOfId } });
    if (!exists)
      await repo.insert({ accountId, customerId, duplicateOfId, matchedOn, createdAt: new Date() });
  }
}

export async function possibleDuplicatesOf(
  tx: EntityManager,
  accountId: string,
  customerId: string,
): Promise<string[]> {
  const rows = await tx
    .getRepository(PossibleDuplicateEntity)
    .find({ where: { accountId, duplicateOfId: customerId } });
  return rows.map((r) => r.customerId);
}

export interface CustomerQuery {
  q?: string;
  email?: string;
  storeId?: string;
  tag?: string;
  status?: string;
  after?: string;
  limit: number;
}

// `!` as the LIKE escape character: a backslash is written differently in MySQL and SQLite literals.
const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/** R2.11: search with keyset pagination on the time-sortable id, so pages never shift. */
export async function searchCustomers(
  tx: EntityManager,
  accountId: string,
  query: CustomerQuery,
): Promise<{ rows: CustomerRow[]; total: number }> {
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
}
