import type { EntityManager } from 'typeorm';
import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { customerView } from './customer-view';
import type { CustomerQuery, CustomerRepository } from './ports';

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
    const possibleDuplicates = await repo.possibleDuplicatesOf(tx, accountId, c.id);
    return customerView(c, identities, { orders, possibleDuplicates });
  });
}

export async function listCustomers(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  query: CustomerQuery,
) {
  // One transaction, so the total and the page come from the same snapshot.
  return db.transaction((tx) => listIn(tx, repo, accountId, query));
}

async function listIn(tx: EntityManager, repo: CustomerRepository, accountId: string, query: CustomerQuery) {
  const { rows, total } = await repo.search(tx, accountId, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const identities = await repo.identitiesOf(
    tx,
    page.map((c) => ({ accountId, customerId: c.id })),
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
