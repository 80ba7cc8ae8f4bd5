import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { notFound, validationFailed } from '@crp/platform/errors';
import { DEFAULT_SETTINGS, settingsOrDefault } from '../domain/records';
import { buildFilter, needsCountry, type CustomerFilter, type CustomerFilterInput } from '../domain/search';
import { customerView } from './customer-view';
import type { CustomerRepository } from './ports';

/** One customer of the caller's account; another account's id is simply not found (404). */
export async function getCustomer(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  customerId: string,
) {
  return db.transaction(async (tx) => {
    const c = await repo.findCustomer(tx, accountId, customerId);
    if (!c) throw notFound(`Customer ${customerId}`);
    const identities = await repo.identitiesOf(tx, [{ accountId, customerId: c.id }]);
    const orders = await repo.ordersOf(tx, accountId, c.id);
    const found = await repo.possibleDuplicatesOf(tx, accountId, c.id, POSSIBLE_DUPLICATES_CAP + 1);
    return customerView(c, identities, {
      orders,
      possibleDuplicates: found.slice(0, POSSIBLE_DUPLICATES_CAP),
      possibleDuplicatesTruncated: found.length > POSSIBLE_DUPLICATES_CAP,
    });
  });
}

/**
 * A customer's page lists at most this many R1.6 possible duplicates (the first in id order) and
 * says when there are more: a placeholder email thousands of records share made every page of the
 * oldest of them carry thousands of ids. GET …/duplicates lists the surest with their reasons.
 */
export const POSSIBLE_DUPLICATES_CAP = 100;

/**
 * `total` is exact up to this many matches; past it the list says `totalRelation: 'gte'` (at least
 * this many, as a search box shows "1,000+"). Counting every match of a million-customer account
 * took seconds a request; a person narrows the search or exports instead of paging that far.
 */
export const TOTAL_CAP = 1000;

export interface ListInput extends CustomerFilterInput {
  cursor?: string;
  limit: number;
}

/**
 * R2.11: one page of the account's customers matching the filters, in creation (id) order, and
 * how many match in all. A value that can never match (a phone that is not one) is a 400 naming it.
 */
export async function listCustomers(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  input: ListInput,
) {
  return read(db, async (tx) => {
    const filter = await filterFor(tx, repo, accountId, input);
    const found = await repo.findCustomersCounted(
      tx,
      accountId,
      filter,
      { after: input.cursor, limit: input.limit + 1 },
      TOTAL_CAP + 1,
    );
    const rows = found.rows;
    const page = rows.slice(0, input.limit);
    // A first page that holds every match is its own count (an exact lookup: one query fewer).
    // Free text counted while finding the page (the same reads); otherwise one capped count.
    const counted =
      input.cursor === undefined && rows.length <= input.limit
        ? { count: rows.length, exact: true }
        : (found.counted ?? (await repo.countCustomers(tx, accountId, filter, TOTAL_CAP + 1)));
    const identities = await repo.identitiesOf(
      tx,
      page.map((c) => ({ accountId, customerId: c.id })),
    );
    const byCustomer = groupBy(identities, (i) => i.customerId ?? '');
    return {
      customers: page.map((c) => customerView(c, byCustomer.get(c.id) ?? [])),
      total: Math.min(counted.count, TOTAL_CAP),
      totalRelation: counted.exact && counted.count <= TOTAL_CAP ? ('eq' as const) : ('gte' as const),
      nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
    };
  });
}

/**
 * Reads for the API. On MySQL they run on the pool without BEGIN/COMMIT (two round trips fewer
 * per request; a page and its total may then straddle a concurrent write, which a later page
 * shows anyway). SQLite is one connection: a read outside a transaction could see another
 * transaction's uncommitted rows there, so it queues like any transaction.
 */
export function read<T>(db: Database, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  return db.kind === 'mysql' ? fn(db.dataSource.manager) : db.transaction(fn);
}

/** The repository's filter for what the caller asked; phones are read in the account's default country. */
export async function filterFor(
  tx: EntityManager,
  repo: CustomerRepository,
  accountId: string,
  input: CustomerFilterInput,
): Promise<CustomerFilter> {
  const country = needsCountry(input)
    ? settingsOrDefault(accountId, (await repo.settings(tx, [accountId]))[0]).defaultCountry
    : DEFAULT_SETTINGS.defaultCountry;
  const built = buildFilter(input, country);
  if (!built.filter) throw validationFailed(`Invalid query: ${built.problems.join('; ')}`, built.problems);
  return built.filter;
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}
