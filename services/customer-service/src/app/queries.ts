import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import {
  findCustomer,
  identitiesOf,
  ordersOf,
  possibleDuplicatesOf,
  searchCustomers,
  type CustomerQuery,
} from '../infra/db/repositories';
import { customerView } from './customer-view';

/** One customer of the caller's account; another account's id is simply not found (404). */
export async function getCustomer(db: Database, accountId: string, customerId: string) {
  const tx = db.dataSource.manager;
  const c = await findCustomer(tx, accountId, customerId);
  if (!c) throw notFound(`Customer ${customerId}`);
  const [identities, orders, possibleDuplicates] = await Promise.all([
    identitiesOf(tx, accountId, [c.id]),
    ordersOf(tx, accountId, c.id),
    possibleDuplicatesOf(tx, accountId, c.id),
  ]);
  return customerView(c, identities, { orders, possibleDuplicates });
}

export async function listCustomers(db: Database, accountId: string, query: CustomerQuery) {
  // One transaction, so the total and the page come from the same snapshot.
  return db.transaction((tx) => listIn(tx, accountId, query));
}

async function listIn(tx: EntityManager, accountId: string, query: CustomerQuery) {
  const { rows, total } = await searchCustomers(tx, accountId, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const identities = await identitiesOf(
    tx,
    accountId,
    page.map((c) => c.id),
  );
  return {
    customers: page.map((c) =>
      customerView(
        c,
        identities.filter((i) => i.customerId === c.id),
      ),
    ),
    total,
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null,
  };
}
