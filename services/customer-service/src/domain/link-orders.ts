import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { applyOrder, emptyCustomer, type CustomerState, type OrderFacts } from './customer';
import { matchKeys, pickMatch, type MatchKey } from './matching';
import { blankToNull, buyerKeyOf, matchableEmail, normalizePhone } from './normalize';
import {
  settingsOrDefault,
  type AccountSettings,
  type CustomerOrderRecord,
  type CustomerRecord,
  type CustomerTotals,
  type IdentityRecord,
  type PossibleDuplicateRecord,
} from './records';

/** One imported order to link (an OrderImported event, as plain data). */
export type OrderToLink = Pick<OrderImportedV1, 'eventId' | 'accountId'> & OrderImportedV1['payload'];

/** What the load step found for a batch: every record the batch's orders can touch. */
export interface LinkWorld {
  settings: AccountSettings[];
  /** History rows of the batch's store orders. */
  history: CustomerOrderRecord[];
  /** Identities with the batch's (store, buyer key) pairs, and every identity of `customers`. */
  identities: IdentityRecord[];
  /** Customers linked from those identities and history rows (and their merge survivors), the
   * accounts' default customers, and the active customers holding the batch's emails and phones. */
  customers: CustomerRecord[];
}

export type LinkOutcome =
  | { eventId: string; kind: 'unchanged'; reason: string; customerId: string | null }
  | { eventId: string; kind: 'no_customer'; reason: string }
  | { eventId: string; kind: 'linked'; customerId: string; created: boolean };

/** What to write, all at once, and what to announce. */
export interface LinkDecision {
  outcomes: LinkOutcome[];
  customerInserts: CustomerRecord[];
  customerUpdates: CustomerRecord[];
  identityInserts: IdentityRecord[];
  identityUpdates: IdentityRecord[];
  historyInserts: CustomerOrderRecord[];
  historyUpdates: CustomerOrderRecord[];
  duplicates: PossibleDuplicateRecord[];
  /**
   * R1.11 totals of records the batch does not otherwise change: the record a re-imported order
   * left (its record no longer active, the order went to another one). Written as totals only.
   */
  totals: CustomerTotals[];
  /**
   * Records whose first or last order date a re-import may have narrowed (it moved the order on
   * a boundary inwards, or away from the record): read again from their history after it is
   * written, two index entries a record. Count and total spent stay incremental. Rare.
   */
  recountDates: Array<{ accountId: string; customerId: string }>;
  /** One CustomerUpserted per changed customer, in the order they were first touched. */
  upserted: Array<{
    customer: CustomerRecord;
    identities: IdentityRecord[];
    created: boolean;
    /** The order that changed it last, and the event that carried it (causation). */
    orderId: string;
    /**
     * Every order of the batch that landed on it, in the order they were applied: what order-ingest
     * links to it (ADR 0036). Not the orders of its identities that other records keep (R2.4).
     */
    orderIds: string[];
    eventId: string;
    correlationId?: string;
  }>;
}

const k = (...parts: string[]) => parts.join('\u0000');

/**
 * Whether moving an order of a record from `from` (its date in the stored history) away (to
 * `to`, or to another record: `to` null) may narrow the record's first..last range: then only
 * its history can say the new range. Moving an order inside the range, or outwards, cannot.
 */
function mayNarrow(c: Pick<CustomerRecord, 'firstOrderDate' | 'lastOrderDate'>, from: Date, to: Date | null) {
  const first = c.firstOrderDate?.getTime();
  const last = c.lastOrderDate?.getTime();
  if (first === undefined || last === undefined) return true;
  const f = from.getTime();
  const t = to?.getTime();
  return (f <= first && (t === undefined || t > f)) || (f >= last && (t === undefined || t < f));
}

/**
 * SPEC §1 for a whole batch of imported orders, as a pure function over plain data: which
 * customer each order belongs to (R1.2–R1.6), how each record changes (R1.7–R1.11, through
 * `applyOrder`), which identities and history rows are written, and what is announced.
 *
 * Orders are applied in order-date order (stable for equal dates), each seeing what the ones
 * before it did: several orders of one buyer land on one record with the newest address by order
 * date, and two new buyers sharing an email or phone in one batch end as one customer (R1.4).
 */
export function decideLinks(
  orders: OrderToLink[],
  world: LinkWorld,
  opts: { now: Date; newId: (kind: 'customer' | 'identity') => string },
): LinkDecision {
  const settings = new Map(world.settings.map((s) => [s.accountId, s]));
  const customers = new Map(world.customers.map((c) => [c.id, c]));
  const history = new Map(world.history.map((h) => [k(h.accountId, h.storeId, h.storeOrderId), h]));
  const storedHistory = new Set(history.keys());
  const identities = new Map(world.identities.map((i) => [k(i.accountId, i.storeId, i.username), i]));
  const identitiesOf = new Map<string, IdentityRecord[]>();
  for (const i of world.identities) if (i.customerId) push(identitiesOf, i.customerId, i);

  // R1.4 indexes of active records by normalized key, kept current as the batch changes them.
  const byKey: Record<MatchKey, Map<string, Set<string>>> = { email: new Map(), phone: new Map() };
  const indexed = new Map<string, { email: string | null; phone: string | null }>();
  const reindex = (c: CustomerRecord) => {
    const before = indexed.get(c.id);
    const now =
      c.status === 'active' ? { email: c.emailNormalized, phone: c.phoneE164 } : { email: null, phone: null };
    for (const key of ['email', 'phone'] as const) {
      if (before?.[key] === now[key]) continue;
      if (before?.[key]) byKey[key].get(k(c.accountId, before[key]!))?.delete(c.id);
      if (now[key]) {
        const slot = k(c.accountId, now[key]!);
        if (!byKey[key].has(slot)) byKey[key].set(slot, new Set());
        byKey[key].get(slot)!.add(c.id);
      }
    }
    indexed.set(c.id, now);
  };
  for (const c of customers.values()) reindex(c);

  const created = new Set<string>();
  const changed = new Map<string, { orderId: string; eventId: string }>();
  /** The orders of the batch each record ends with (insertion order), for `orderIds`. */
  const linkedHere = new Map<string, Set<string>>();
  const identityInserts = new Map<string, IdentityRecord>();
  const identityUpdates = new Map<string, IdentityRecord>();
  const historyInserts = new Map<string, CustomerOrderRecord>();
  const historyUpdates = new Map<string, CustomerOrderRecord>();
  const duplicates = new Map<string, PossibleDuplicateRecord>();
  const recountDates = new Map<string, { accountId: string; customerId: string }>();
  /** Records a re-imported order moved away from (their totals are kept in `customers`). */
  const left = new Set<string>();
  const outcomes = new Map<string, LinkOutcome>();

  /** R1.3 + R2.6: a link holds only while the record is active; a merged one hands over to its survivor. */
  const resolveLinked = (id: string | null): CustomerRecord | null => {
    let c = id ? customers.get(id) : undefined;
    for (let hops = 0; c && c.status === 'merged' && c.mergedIntoId && hops < 10; hops++) {
      c = customers.get(c.mergedIntoId);
    }
    return c && c.status === 'active' ? c : null;
  };

  const sorted = orders
    .map((o, i) => ({ o, i, t: Date.parse(o.order.orderDate) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.o);

  for (const o of sorted) {
    const { accountId, order, buyer } = o;
    const rules = settingsOrDefault(accountId, settings.get(accountId));
    const hKey = k(accountId, order.storeId, order.storeOrderId);
    const before = history.get(hKey) ?? null;
    // R1.9: a store order applies once per revision; a replay or an older revision changes nothing.
    if (before && before.revision >= order.revision) {
      outcomes.set(o.eventId, {
        eventId: o.eventId,
        kind: 'unchanged',
        reason: 'order revision already applied',
        customerId: before.customerId,
      });
      continue;
    }

    // An email that is not an address is kept on the record (flagged) but never matched on.
    const email = matchableEmail(buyer.email);
    const phone = normalizePhone(buyer.phone, rules.defaultCountry);
    // R1.2: order-ingest chose the channel's buyer key; without one, the email stands in for it.
    const username = buyerKeyOf(buyer);
    const iKey = username ? k(accountId, order.storeId, username) : null;
    const identity = iKey ? (identities.get(iKey) ?? null) : null;
    // R1.1: a buyer with a username or an email (even one that is not an address) gets a record.
    const hasBuyer = username !== null || blankToNull(buyer.email) !== null;

    let customer: CustomerRecord | null = null;
    let viaDefault = false;
    // A changed re-import stays with the record its first import went to, while that one (or its
    // merge survivor) is active; otherwise it is linked again like a new order (R2.6 → R1.3/R1.4).
    if (before) customer = resolveLinked(before.customerId);
    if (!customer && hasBuyer) {
      customer = resolveLinked(identity?.customerId ?? null);
      if (!customer) {
        const candidates: Partial<Record<MatchKey, CustomerRecord[]>> = {};
        for (const key of matchKeys(rules.matchPolicy)) {
          const value = key === 'email' ? email : phone;
          if (!value) continue;
          const ids = byKey[key].get(k(accountId, value));
          candidates[key] = ids ? [...ids].map((id) => customers.get(id)!) : [];
        }
        const result = pickMatch(rules.matchPolicy, candidates);
        customer = result.match;
        for (const d of result.duplicates) {
          duplicates.set(k(accountId, d.id, result.match!.id), {
            accountId,
            customerId: d.id,
            duplicateOfId: result.match!.id,
            matchedOn: result.matchedOn!,
            createdAt: opts.now,
          });
        }
      }
    } else if (!customer && !before && rules.defaultCustomerId) {
      // R1.1 + R2.8: no buyer key at all: the account's default customer, if it has one.
      customer = resolveLinked(rules.defaultCustomerId);
      viaDefault = customer !== null;
    }

    if (!customer) {
      if (!hasBuyer) {
        outcomes.set(o.eventId, {
          eventId: o.eventId,
          kind: 'no_customer',
          reason: 'order has neither email nor username (R1.1)',
        });
        continue;
      }
      customer = newCustomer(opts.newId('customer'), accountId, opts.now);
      customers.set(customer.id, customer);
      created.add(customer.id);
    }

    // R1.4/R2.6: a new identity, or one whose record is no longer active (archived, deleted, or
    // merged: then this is its survivor), points here now, in this batch. One still linked to
    // another active record stays there (a re-import kept on the record its first import went to).
    const stale =
      identity !== null &&
      identity.customerId !== customer.id &&
      (resolveLinked(identity.customerId)?.id ?? customer.id) === customer.id;
    if (iKey && (!identity || stale)) {
      if (identity) {
        if (identity.customerId) remove(identitiesOf, identity.customerId, identity);
        const moved = { ...identity, customerId: customer.id, updatedAt: opts.now };
        identities.set(iKey, moved);
        if (identityInserts.has(iKey)) identityInserts.set(iKey, moved);
        else identityUpdates.set(iKey, moved);
        push(identitiesOf, customer.id, moved);
      } else {
        const fresh: IdentityRecord = {
          id: opts.newId('identity'),
          accountId,
          storeId: order.storeId,
          storeName: order.storeName,
          storeType: order.storeType,
          username: username!,
          customerId: customer.id,
          createdAt: opts.now,
          updatedAt: opts.now,
        };
        identities.set(iKey, fresh);
        identityInserts.set(iKey, fresh);
        push(identitiesOf, customer.id, fresh);
      }
    }

    const orderDate = new Date(order.orderDate);
    const facts: OrderFacts = {
      storeId: order.storeId,
      storeName: order.storeName,
      storeType: order.storeType,
      orderDate,
      source: o.source,
      buyer,
      shipTo: o.shipTo,
      billTo: o.billTo,
      tags: o.tags,
    };
    // The default customer (a "walk-in" record) takes the order into its history, not its details.
    const next: CustomerState = viaDefault ? customer : applyOrder(customer, facts, rules).next;

    // R1.11, kept incrementally: a new order adds itself (to its new record, when a re-import
    // moves it); a new revision adds the difference; a date moved outwards widens the range. Only
    // a range that may narrow is read again from the history (recountDates).
    let { orderCount, totalSpent, firstOrderDate, lastOrderDate } = customer;
    const row: CustomerOrderRecord = {
      accountId,
      storeId: order.storeId,
      storeOrderId: order.storeOrderId,
      orderId: order.orderId,
      customerId: customer.id,
      orderNumber: order.orderNumber,
      orderDate,
      total: order.total,
      currency: order.currency,
      revision: order.revision,
    };
    const widen = () => {
      firstOrderDate = !firstOrderDate || orderDate < firstOrderDate ? orderDate : firstOrderDate;
      lastOrderDate = !lastOrderDate || orderDate > lastOrderDate ? orderDate : lastOrderDate;
    };
    if (!before || before.customerId !== customer.id) {
      orderCount += 1;
      totalSpent = cents(totalSpent + order.total);
      widen();
      // The record the order was on (no longer active: its re-import went to another record)
      // loses it. Not loaded means no such record: nothing to keep.
      const was = before ? customers.get(before.customerId) : undefined;
      if (before && was) {
        customers.set(was.id, {
          ...was,
          orderCount: Math.max(0, was.orderCount - 1),
          totalSpent: cents(was.totalSpent - before.total),
        });
        left.add(was.id);
        if (mayNarrow(was, before.orderDate, null))
          recountDates.set(k(accountId, was.id), { accountId, customerId: was.id });
      }
    } else {
      totalSpent = cents(totalSpent - before.total + order.total);
      if (before.orderDate.getTime() !== orderDate.getTime()) {
        if (mayNarrow(customer, before.orderDate, orderDate))
          recountDates.set(k(accountId, customer.id), { accountId, customerId: customer.id });
        else widen();
      }
    }
    history.set(hKey, row);
    if (storedHistory.has(hKey)) historyUpdates.set(hKey, row);
    else historyInserts.set(hKey, row);

    const updated: CustomerRecord = {
      ...customer,
      ...stateOnly(next),
      emailNormalized: matchableEmail(next.email),
      phoneE164: normalizePhone(next.phone, rules.defaultCountry),
      orderCount,
      totalSpent,
      firstOrderDate,
      lastOrderDate,
      version: customer.version + 1,
      updatedAt: opts.now,
    };
    customers.set(updated.id, updated);
    reindex(updated);
    changed.set(updated.id, { orderId: order.orderId, eventId: o.eventId });
    // A re-import moved on from an earlier record of this batch is that record's no longer.
    if (before && before.customerId !== updated.id) linkedHere.get(before.customerId)?.delete(order.orderId);
    const here = linkedHere.get(updated.id) ?? new Set<string>();
    here.add(order.orderId);
    linkedHere.set(updated.id, here);
    outcomes.set(o.eventId, {
      eventId: o.eventId,
      kind: 'linked',
      customerId: updated.id,
      created: created.has(updated.id),
    });
  }

  const touched = [...changed.keys()].map((id) => customers.get(id)!);
  return {
    outcomes: orders.map((o) => outcomes.get(o.eventId)!),
    customerInserts: touched.filter((c) => created.has(c.id)),
    customerUpdates: touched.filter((c) => !created.has(c.id)),
    identityInserts: [...identityInserts.values()],
    identityUpdates: [...identityUpdates.values()],
    historyInserts: [...historyInserts.values()],
    historyUpdates: [...historyUpdates.values()],
    duplicates: [...duplicates.values()],
    totals: [...left]
      .filter((id) => !changed.has(id))
      .map((id) => customers.get(id)!)
      .map((c) => ({
        accountId: c.accountId,
        id: c.id,
        orderCount: c.orderCount,
        totalSpent: c.totalSpent,
        firstOrderDate: c.firstOrderDate,
        lastOrderDate: c.lastOrderDate,
      })),
    recountDates: [...recountDates.values()],
    upserted: touched.map((c) => ({
      customer: c,
      identities: identitiesOf.get(c.id) ?? [],
      created: created.has(c.id),
      orderId: changed.get(c.id)!.orderId,
      orderIds: [...(linkedHere.get(c.id) ?? [])],
      eventId: changed.get(c.id)!.eventId,
    })),
  };
}

function newCustomer(id: string, accountId: string, now: Date): CustomerRecord {
  return {
    id,
    accountId,
    status: 'active',
    mergedIntoId: null,
    ...emptyCustomer(),
    emailNormalized: null,
    phoneE164: null,
    orderCount: 0,
    totalSpent: 0,
    firstOrderDate: null,
    lastOrderDate: null,
    erasedAt: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/** The CustomerState part of a record (applyOrder returns exactly these fields). */
function stateOnly(s: CustomerState): CustomerState {
  return {
    firstName: s.firstName,
    lastName: s.lastName,
    name: s.name,
    company: s.company,
    email: s.email,
    phone: s.phone,
    birthDate: s.birthDate,
    shippingAddress: s.shippingAddress,
    billingAddress: s.billingAddress,
    postalAddress: s.postalAddress,
    notes: s.notes,
    addressOrderDate: s.addressOrderDate,
    profileOrderDate: s.profileOrderDate,
    tags: s.tags,
    consent: s.consent,
    consentHistory: s.consentHistory,
    fieldSources: s.fieldSources,
  };
}

const cents = (n: number) => Math.round(n * 100) / 100;

function push<T>(m: Map<string, T[]>, key: string, v: T) {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

function remove<T extends { id: string }>(m: Map<string, T[]>, key: string, v: T) {
  const list = m.get(key);
  if (!list) return;
  const i = list.findIndex((x) => x.id === v.id);
  if (i >= 0) list.splice(i, 1);
}
