import type { EntityManager } from 'typeorm';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import type { Outbox } from '@crp/messaging/outbox';
import { newId } from '@crp/platform/ids';
import { decideLinks, type LinkOutcome, type OrderToLink } from '../domain/link-orders';
import { blankToNull, buyerKeyOf, matchableEmail, normalizePhone } from '../domain/normalize';
import { settingsOrDefault, type CustomerRecord, type IdentityRecord } from '../domain/records';
import { customerUpsertedParts } from './customer-events';
import type { CustomerRepository } from './ports';

export interface LinkDeps {
  repo: CustomerRepository;
  outbox: Outbox;
  /** Records how long each step took (load, decide, persist), for /metrics. */
  timing?: (phase: 'load' | 'decide' | 'persist', seconds: number) => void;
}

/**
 * OrderImported → the right customer records (SPEC §1), a whole batch in the consumer's one
 * transaction: load everything the batch can touch with one query per kind of lookup, decide
 * over plain data (domain/link-orders.ts, where the rules live), then write each table with
 * multi-row statements and announce each changed customer once (CustomerUpserted).
 */
export async function linkOrders(
  tx: EntityManager,
  deps: LinkDeps,
  events: OrderImportedV1[],
): Promise<LinkOutcome[]> {
  const { repo } = deps;
  let t = performance.now();
  const lap = (phase: 'load' | 'decide' | 'persist') => {
    const now = performance.now();
    deps.timing?.(phase, (now - t) / 1000);
    t = now;
  };
  const orders: OrderToLink[] = events.map((e) => ({
    eventId: e.eventId,
    accountId: e.accountId,
    ...e.payload,
  }));

  // Load. Customers are read with a lock (MySQL): an HTTP edit of the same record waits for this
  // batch to commit, and this batch never overwrites an edit it did not see.
  const settings = await repo.settings(tx, [...new Set(orders.map((o) => o.accountId))]);
  const rulesOf = new Map(settings.map((s) => [s.accountId, s]));
  const country = (accountId: string) => settingsOrDefault(accountId, rulesOf.get(accountId)).defaultCountry;
  const history = await repo.historyByStoreOrder(
    tx,
    orders.map((o) => ({
      accountId: o.accountId,
      storeId: o.order.storeId,
      storeOrderId: o.order.storeOrderId,
    })),
  );
  const idKeys = orders.flatMap((o) => {
    const username = buyerKeyOf(o.buyer);
    return username ? [{ accountId: o.accountId, storeId: o.order.storeId, username }] : [];
  });
  const keyed = await repo.identitiesByKey(tx, idKeys);
  const loaded = new Map<string, CustomerRecord>();
  const add = (list: CustomerRecord[]) => list.forEach((c) => loaded.set(c.id, c));
  // Links, then merge survivors (R2.6), until every record an order can reach is here.
  const follow = async (refs: Array<{ accountId: string; id: string }>) => {
    let wanted = refs;
    for (let round = 0; round < 10; round++) {
      const missing = uniqueRefs(wanted.filter((r) => !loaded.has(r.id)));
      if (missing.length === 0) return;
      const found = await repo.customersById(tx, missing, { lock: true });
      add(found);
      wanted = found.flatMap((c) =>
        c.status === 'merged' && c.mergedIntoId ? [{ accountId: c.accountId, id: c.mergedIntoId }] : [],
      );
    }
  };
  await follow([
    ...history.map((h) => ({ accountId: h.accountId, id: h.customerId })),
    ...keyed.flatMap((i) => (i.customerId ? [{ accountId: i.accountId, id: i.customerId }] : [])),
    ...settings.flatMap((s) =>
      s.defaultCustomerId ? [{ accountId: s.accountId, id: s.defaultCustomerId }] : [],
    ),
  ]);
  // R1.4 candidates only for the orders their history or identity does not already settle (R1.3):
  // a new buyer, or one whose record is no longer active; a re-import whose record is no longer
  // active is linked again like a new order (R2.6).
  const historyKeys = new Set(
    history
      .filter((h) => activeVia(loaded, h.customerId))
      .map((h) => `${h.accountId}\u0000${h.storeId}\u0000${h.storeOrderId}`),
  );
  const linkedActive = new Map<string, boolean>();
  for (const i of keyed) {
    linkedActive.set(
      `${i.accountId}\u0000${i.storeId}\u0000${i.username}`,
      i.customerId !== null && activeVia(loaded, i.customerId),
    );
  }
  const toMatch = orders.filter((o) => {
    if (historyKeys.has(`${o.accountId}\u0000${o.order.storeId}\u0000${o.order.storeOrderId}`)) return false;
    const username = buyerKeyOf(o.buyer);
    // A buyer known only by an email that is not an address still gets a record (matched on phone).
    if (username === null) return blankToNull(o.buyer.email) !== null;
    return !linkedActive.get(`${o.accountId}\u0000${o.order.storeId}\u0000${username}`);
  });
  const emails = toMatch.flatMap((o) => {
    const value = matchableEmail(o.buyer.email);
    return value ? [{ accountId: o.accountId, value }] : [];
  });
  const phones = toMatch.flatMap((o) => {
    const value = normalizePhone(o.buyer.phone, country(o.accountId));
    return value ? [{ accountId: o.accountId, value }] : [];
  });
  add(await repo.activeCustomersByKey(tx, 'email', emails, { lock: true }));
  add(await repo.activeCustomersByKey(tx, 'phone', phones, { lock: true }));
  const owned = await repo.identitiesOf(
    tx,
    [...loaded.values()].map((c) => ({ accountId: c.accountId, customerId: c.id })),
  );
  const identities = new Map<string, IdentityRecord>();
  for (const i of [...keyed, ...owned]) identities.set(i.id, i);

  lap('load');

  // Decide.
  const decision = decideLinks(
    orders,
    { settings, history, identities: [...identities.values()], customers: [...loaded.values()] },
    { now: new Date(), newId: (kind) => newId(kind === 'customer' ? 'cus' : 'idn') },
  );

  lap('decide');

  // Persist.
  await repo.insertCustomers(tx, decision.customerInserts);
  await repo.updateCustomers(tx, decision.customerUpdates);
  await repo.insertIdentities(tx, decision.identityInserts);
  await repo.updateIdentities(tx, decision.identityUpdates);
  await repo.insertHistory(tx, decision.historyInserts);
  await repo.updateHistory(tx, decision.historyUpdates);
  await repo.addPossibleDuplicates(tx, decision.duplicates);
  // R1.11: the totals of records an order left, and first/last dates a re-import may have narrowed.
  await repo.writeTotals(tx, decision.totals);
  await repo.recountOrderDates(tx, decision.recountDates);
  const byEvent = new Map(events.map((e) => [e.eventId, e]));
  await deps.outbox.addMany(
    tx,
    decision.upserted.flatMap((u) => {
      const cause = byEvent.get(u.eventId)!;
      return customerUpsertedParts(
        { accountId: u.customer.accountId, correlationId: cause.correlationId, causationId: cause.eventId },
        u.customer,
        u.identities,
        u.created,
        u.orderId,
        u.orderIds,
      );
    }),
  );
  lap('persist');
  return decision.outcomes;
}

/** Whether a customer id leads (through merges) to an active loaded record. */
function activeVia(loaded: Map<string, CustomerRecord>, id: string): boolean {
  let c = loaded.get(id);
  for (let hops = 0; c && c.status === 'merged' && c.mergedIntoId && hops < 10; hops++)
    c = loaded.get(c.mergedIntoId);
  return c?.status === 'active';
}

function uniqueRefs(refs: Array<{ accountId: string; id: string }>) {
  const seen = new Map<string, { accountId: string; id: string }>();
  for (const r of refs) seen.set(`${r.accountId}\u0000${r.id}`, r);
  return [...seen.values()];
}
