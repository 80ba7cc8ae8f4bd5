import type { EntityManager } from 'typeorm';
import type { CustomerMergedV1 } from '@crp/contracts/events/customer-merged';
import type { CustomerRedactedV1 } from '@crp/contracts/events/customer-redacted';
import type { CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
import type { Repositories } from './ports';

/**
 * customer-service's answers, kept on the orders so that `GET /v1/orders?customerId=` and R2.10
 * erasure work here without asking it (ADR 0036). A CustomerUpserted lists `orderIds`, every order
 * its change linked to the customer: exactly those are linked, and, as a safety net, the orders of
 * its store identities (store, buyer key — the key each order holds as `customerUsername`) that are
 * linked to nobody yet. An order of those identities that another customer holds stays there: the
 * buyer's older orders stay with an archived record when the buyer's identity moves on (R2.4,
 * R2.6), and a late event of one customer (partitions are per customer, so two customers' events
 * are not ordered) does not take orders another customer's event linked. Merges move orders by
 * CustomerMerged. An event without `orderIds` (published before ADR 0036) is read as it was
 * meant: every order of its identities belongs to its customer, and the order it names too (an
 * order without a buyer key can only be linked that way: the default customer, R2.8).
 */
export async function applyCustomerUpserts(
  tx: EntityManager,
  repos: Repositories,
  events: CustomerUpsertedV1[],
) {
  type Identity = { customerId: string; storeId: string; username: string };
  const byAccount = new Map<
    string,
    {
      orders: Array<{ orderId: string; customerId: string }>;
      /** Of events without `orderIds`: every order of these identities. */
      identities: Identity[];
      /** Of events with `orderIds`: only the orders of these identities linked to nobody. */
      unlinkedOf: Identity[];
    }
  >();
  for (const e of events) {
    const { customer, orderId, orderIds } = e.payload;
    if (customer.status === 'merged') continue;
    const acc = byAccount.get(e.accountId) ?? { orders: [], identities: [], unlinkedOf: [] };
    const customerId = customer.customerId;
    if (orderId) acc.orders.push({ orderId, customerId });
    for (const id of orderIds ?? []) acc.orders.push({ orderId: id, customerId });
    const into = orderIds ? acc.unlinkedOf : acc.identities;
    for (const i of customer.identities) into.push({ customerId, ...i });
    byAccount.set(e.accountId, acc);
  }
  for (const [accountId, acc] of byAccount) {
    await repos.orders.linkCustomers(tx, accountId, acc.orders);
    await repos.orders.linkIdentities(tx, accountId, acc.identities);
    await repos.orders.linkIdentities(tx, accountId, acc.unlinkedOf, { onlyUnlinked: true });
  }
}

export async function applyCustomerMerged(tx: EntityManager, repos: Repositories, e: CustomerMergedV1) {
  await repos.orders.relinkCustomers(tx, e.accountId, e.payload.mergedIds, e.payload.survivorId);
}

/**
 * R2.10 in this service: the erased customers' orders lose names, emails, phones, addresses and
 * notes; rows, totals, dates and items stay (the merchant's books). Found two ways, so an order
 * whose CustomerUpserted has not arrived yet is still found: by the link, and by the customer's
 * store identities (store, buyer key) — the same key the order carries as `customerUsername`.
 * Later revisions of an erased order stay erased (order-batch.ts, mergeWithStored). A whole batch
 * of erasures takes two statements per account (and per 100 customers): by link, by identity.
 */
export async function applyCustomerRedactions(
  tx: EntityManager,
  repos: Repositories,
  events: CustomerRedactedV1[],
): Promise<number> {
  const byAccount = new Map<
    string,
    { customerIds: string[]; identities: CustomerRedactedV1['payload']['identities']; at: Date }
  >();
  for (const e of events) {
    const acc = byAccount.get(e.accountId) ?? { customerIds: [], identities: [], at: new Date(e.occurredAt) };
    acc.customerIds.push(e.payload.customerId);
    acc.identities.push(...e.payload.identities);
    const at = new Date(e.occurredAt);
    if (at > acc.at) acc.at = at;
    byAccount.set(e.accountId, acc);
  }
  let n = 0;
  for (const [accountId, who] of byAccount) {
    // A renamed buyer's other usernames are personal data too.
    await repos.buyerAliases.forget(tx, accountId, who.identities);
    n += await repos.orders.redact(tx, accountId, who, who.at);
  }
  return n;
}
