import type { EntityManager } from 'typeorm';
import type { CustomerMergedV1 } from '@crp/contracts/events/customer-merged';
import type { CustomerRedactedV1 } from '@crp/contracts/events/customer-redacted';
import type { CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
import type { Repositories } from './ports';

/**
 * customer-service's answers, kept on the orders so that `GET /v1/orders?customerId=` and R2.10
 * erasure work here without asking it: CustomerUpserted names the order that caused it (the
 * order → customer link); a merge moves identities, so their orders follow the survivor.
 */
export async function applyCustomerUpserts(tx: EntityManager, repos: Repositories, events: CustomerUpsertedV1[]) {
  const links = new Map<string, Array<{ orderId: string; customerId: string }>>();
  for (const e of events) {
    const { customer, orderId, cause } = e.payload;
    if (customer.status === 'merged') continue;
    if (orderId) links.set(e.accountId, [...(links.get(e.accountId) ?? []), { orderId, customerId: customer.customerId }]);
    if (cause === 'merge' && customer.identities.length)
      await repos.orders.linkIdentities(tx, e.accountId, customer.customerId, customer.identities);
  }
  for (const [accountId, l] of links) await repos.orders.linkCustomers(tx, accountId, l);
}

export async function applyCustomerMerged(tx: EntityManager, repos: Repositories, e: CustomerMergedV1) {
  await repos.orders.relinkCustomers(tx, e.accountId, e.payload.mergedIds, e.payload.survivorId);
}

/**
 * R2.10 in this service: the erased customer's orders lose names, emails, phones, addresses and
 * notes; rows, totals, dates and items stay (the merchant's books). Found two ways, so an order
 * whose CustomerUpserted has not arrived yet is still found: by the link, and by the customer's
 * store identities (store, buyer key) — the same key the order carries as `customerUsername`.
 * Later revisions of an erased order stay erased (order-batch.ts, mergeWithStored).
 */
export async function applyCustomerRedacted(tx: EntityManager, repos: Repositories, e: CustomerRedactedV1) {
  return repos.orders.redact(
    tx,
    e.accountId,
    { customerId: e.payload.customerId, identities: e.payload.identities },
    new Date(e.occurredAt),
  );
}
