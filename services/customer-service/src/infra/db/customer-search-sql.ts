import type { Dialect } from '@crp/platform/sql';
import type { CustomerFilter } from '../../domain/search';
import { sqlStamp } from '@crp/platform/sql';

// LIKE with `!` as the escape character: a backslash is written differently in MySQL and SQLite literals.
const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/** DATETIME(3) parameters: MySQL takes Dates (connection timezone Z); SQLite compares TypeORM's text form. */
/** The kinds of key a free-text search reads, in `branch` order (see textBranchesSql). */
export const TEXT_KINDS = ['name', 'lastName', 'email', 'username', 'phone'] as const;
export type TextKind = (typeof TEXT_KINDS)[number];

/**
 * R2.11 free text: one index range per kind of key — name prefix (account_id, name), last-name
 * prefix (account_id, last_name), email prefix (account_id, email_normalized), username prefix
 * (account_id, username) and, when the text reads as a phone, the exact E.164 (account_id,
 * phone_e164). Each branch reads only ids from its index (no row) and at most `limit` of them, in
 * no particular order: a branch that returns fewer than `limit` has given every match of its kind;
 * one that returns `limit` is broad (there may be more). `SELECT branch, id` rows, one branch per
 * kind (its index in TEXT_KINDS).
 */
export function textBranchesSql(
  accountId: string,
  text: NonNullable<CustomerFilter['text']>,
  limit: number,
): { sql: string; params: unknown[] } {
  const like = `${likeEscape(text.prefix)}%`;
  const params: unknown[] = [];
  const branches: string[] = [];
  const branch = (kind: TextKind, from: string, col: string, cond: string, value: string) => {
    const n = TEXT_KINDS.indexOf(kind);
    // Wrapped: SQLite takes no LIMIT on a branch of a compound SELECT itself.
    branches.push(
      `SELECT ${n} AS branch, id FROM (SELECT ${col} AS id FROM ${from} WHERE account_id = ? AND ${cond} LIMIT ?) b${n}`,
    );
    params.push(accountId, value, limit);
  };
  branch('name', 'customers', 'id', "name LIKE ? ESCAPE '!'", like);
  branch('lastName', 'customers', 'id', "last_name LIKE ? ESCAPE '!'", like);
  branch('email', 'customers', 'id', "email_normalized LIKE ? ESCAPE '!'", like);
  branch(
    'username',
    'customer_identities',
    'customer_id',
    "username LIKE ? ESCAPE '!' AND customer_id IS NOT NULL",
    like,
  );
  if (text.phoneE164) branch('phone', 'customers', 'id', 'phone_e164 = ?', text.phoneE164);
  return { sql: branches.join(' UNION ALL '), params };
}

/**
 * R2.11 free text, the broad kinds (more matches than one read of their index): the condition a
 * customer row (aliased `c`) meets when it matches one of them, for a scan of the account in id
 * order (idx_customers_account_status_id holds the name, last name and email: the scan reads that
 * index only). It stops after a page, which a broad kind fills after a few pages' worth of entries.
 */
export function textScanCondition(
  text: NonNullable<CustomerFilter['text']>,
  kinds: ReadonlySet<TextKind>,
): { sql: string; params: unknown[] } {
  const like = `${likeEscape(text.prefix)}%`;
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (kind: TextKind, cond: string, value: string) => {
    if (!kinds.has(kind)) return;
    parts.push(cond);
    params.push(value);
  };
  add('name', "c.name LIKE ? ESCAPE '!'", like);
  add('lastName', "c.last_name LIKE ? ESCAPE '!'", like);
  add('email', "c.email_normalized LIKE ? ESCAPE '!'", like);
  add(
    'username',
    "EXISTS (SELECT 1 FROM customer_identities ut WHERE ut.account_id = c.account_id AND ut.customer_id = c.id AND ut.username LIKE ? ESCAPE '!')",
    like,
  );
  if (text.phoneE164) add('phone', 'c.phone_e164 = ?', text.phoneE164);
  return { sql: parts.length ? `(${parts.join(' OR ')})` : '1 = 0', params };
}

/**
 * R2.11: the `WHERE …` (customers aliased `c`) of every filter but free text, built so that each
 * part reads an index on MariaDB:
 * - exact email / phone: the (account_id, key) indexes;
 * - username, store and tag: semi-joins on (account_id, username), (account_id, store_id,
 *   customer_id) and customer_tags (account_id, tag_key, customer_id), which the optimizer reads
 *   from either side depending on how selective they are;
 * - created / updated ranges: (account_id, created_at / updated_at);
 * - `after`: the keyset cursor (ids sort by creation time).
 * Every table of every part is constrained by the account: nothing is read across accounts.
 */
export function customerWhereSql(
  dialect: Dialect,
  accountId: string,
  f: CustomerFilter,
  after?: string,
): { where: string; params: unknown[] } {
  const where: string[] = ['c.account_id = ?', 'c.status = ?'];
  const params: unknown[] = [accountId, f.status];
  if (f.emailNormalized !== undefined) {
    where.push('c.email_normalized = ?');
    params.push(f.emailNormalized);
  }
  if (f.phoneE164 !== undefined) {
    where.push('c.phone_e164 = ?');
    params.push(f.phoneE164);
  }
  if (f.username !== undefined) {
    // With a store too: that store's buyer of that username (an identity is a store + username).
    where.push(
      `EXISTS (SELECT 1 FROM customer_identities u WHERE u.account_id = c.account_id AND u.username = ?${f.storeId !== undefined ? ' AND u.store_id = ?' : ''} AND u.customer_id = c.id)`,
    );
    params.push(f.username, ...(f.storeId !== undefined ? [f.storeId] : []));
  } else if (f.storeId !== undefined) {
    where.push(
      'EXISTS (SELECT 1 FROM customer_identities s WHERE s.account_id = c.account_id AND s.store_id = ? AND s.customer_id = c.id)',
    );
    params.push(f.storeId);
  }
  if (f.tagKey !== undefined) {
    where.push(
      'EXISTS (SELECT 1 FROM customer_tags t WHERE t.account_id = c.account_id AND t.tag_key = ? AND t.customer_id = c.id)',
    );
    params.push(f.tagKey);
  }
  const range = (col: string, op: string, d: Date | undefined) => {
    if (!d) return;
    where.push(`c.${col} ${op} ?`);
    params.push(sqlStamp(dialect, d));
  };
  range('created_at', '>=', f.createdFrom);
  range('created_at', '<', f.createdTo);
  range('updated_at', '>=', f.updatedFrom);
  range('updated_at', '<', f.updatedTo);
  if (after) {
    where.push('c.id > ?');
    params.push(after);
  }
  return { where: where.join(' AND '), params };
}
