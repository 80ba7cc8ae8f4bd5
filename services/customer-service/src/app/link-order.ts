import type { EntityManager } from 'typeorm';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import type { Outbox } from '@crp/messaging/outbox';
import type { HandlerMeta } from '@crp/messaging/consumer';
import { newId } from '@crp/platform/ids';
import { applyOrder, emptyCustomer, type CustomerState, type OrderFacts } from '../domain/customer';
import { pickMatch, matchKeys } from '../domain/matching';
import { normalizeEmail, normalizePhone } from '../domain/normalize';
import type { CustomerRow, IdentityRow } from '../infra/db/entities';
import {
  activeByKey,
  findCustomer,
  findIdentity,
  findOrderHistory,
  getSettings,
  historyTotals,
  identitiesOf,
  insertCustomer,
  linkIdentity,
  recordDuplicates,
  saveOrderHistory,
  updateCustomer,
} from '../infra/db/repositories';
import { publishCustomerUpserted } from './customer-events';

export type LinkOutcome =
  | { kind: 'unchanged'; reason: string; customerId: string | null }
  | { kind: 'no_customer'; reason: string }
  | { kind: 'linked'; customerId: string; created: boolean };

/**
 * OrderImported → the right customer record (SPEC §1). Runs inside the consumer's transaction,
 * so the record, the order history, the identity link and the CustomerUpserted outbox row commit
 * together with the inbox mark.
 */
export async function linkOrderToCustomer(
  event: OrderImportedV1,
  tx: EntityManager,
  deps: { outbox: Outbox },
  meta?: HandlerMeta,
): Promise<LinkOutcome> {
  const { accountId } = event;
  const { order, buyer } = event.payload;
  const settings = await getSettings(tx, accountId);

  // R1.9: a store order applies once per revision; a replay or an older revision changes nothing.
  const history = await findOrderHistory(tx, accountId, order.storeId, order.storeOrderId);
  if (history && history.revision >= order.revision) {
    return { kind: 'unchanged', reason: 'order revision already applied', customerId: history.customerId };
  }

  const email = normalizeEmail(buyer.email);
  const phone = normalizePhone(buyer.phone, settings.defaultCountry);
  // R1.2: order-ingest chose the channel's buyer key; without one, the email stands in for it.
  const username = buyer.username ?? email;

  let customer: CustomerRow | null = null;
  let identity: IdentityRow | null = null;
  let created = false;
  let viaDefault = false;

  if (username) identity = await findIdentity(tx, accountId, order.storeId, username);
  if (history) {
    // A changed re-import stays with the record its first import went to.
    customer = await resolveLinked(tx, accountId, history.customerId);
  } else if (username) {
    customer = identity?.customerId ? await resolveLinked(tx, accountId, identity.customerId) : null;
    if (!customer) {
      // R1.4: look for an existing active record by the account's match policy.
      const candidates: Partial<Record<'email' | 'phone', CustomerRow[]>> = {};
      for (const key of matchKeys(settings.matchPolicy)) {
        const value = key === 'email' ? email : phone;
        if (value) candidates[key] = await activeByKey(tx, accountId, key, value);
      }
      const result = pickMatch(settings.matchPolicy, candidates);
      customer = result.match;
      if (result.match && result.duplicates.length > 0) {
        await recordDuplicates(
          tx,
          accountId,
          result.match.id,
          result.duplicates.map((d) => d.id),
          result.matchedOn!,
        );
      }
    }
  } else if (settings.defaultCustomerId) {
    // R1.1 + R2.8: no buyer key at all: the account's default customer, if it has one.
    customer = await resolveLinked(tx, accountId, settings.defaultCustomerId);
    viaDefault = customer !== null;
  }

  if (!customer) {
    if (!username) return { kind: 'no_customer', reason: 'order has neither email nor username (R1.1)' };
    const now = new Date();
    customer = {
      id: newId('cus'),
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
      version: 0,
      createdAt: now,
      updatedAt: now,
    };
    created = true;
  }

  // A re-import leaves an existing identity where it is; a new or stale one points here.
  if (username && (!identity || (!history && identity.customerId !== customer.id))) {
    identity = await linkIdentity(tx, identity, {
      accountId,
      storeId: order.storeId,
      storeName: order.storeName,
      storeType: order.storeType,
      username,
      customerId: customer.id,
    });
  }

  const facts: OrderFacts = {
    storeId: order.storeId,
    storeName: order.storeName,
    storeType: order.storeType,
    orderDate: new Date(order.orderDate),
    source: event.payload.source,
    buyer,
    shipTo: event.payload.shipTo,
    billTo: event.payload.billTo,
    tags: event.payload.tags,
  };
  // The default customer (a "walk-in" record) takes the order into its history, not its details.
  const next = viaDefault ? stateOf(customer) : applyOrder(stateOf(customer), facts, settings).next;
  const updated: CustomerRow = {
    ...customer,
    ...next,
    emailNormalized: normalizeEmail(next.email),
    phoneE164: normalizePhone(next.phone, settings.defaultCountry),
  };

  if (created) await insertCustomer(tx, { ...updated, version: 1 });
  await saveOrderHistory(
    tx,
    {
      accountId,
      storeId: order.storeId,
      storeOrderId: order.storeOrderId,
      orderId: order.orderId,
      customerId: customer.id,
      orderNumber: order.orderNumber,
      orderDate: new Date(order.orderDate),
      total: order.total,
      currency: order.currency,
      revision: order.revision,
    },
    history !== null,
  );
  const totals = await historyTotals(tx, accountId, customer.id);
  const final: CustomerRow = { ...updated, ...totals, version: customer.version + 1, updatedAt: new Date() };
  await updateCustomer(tx, final);

  await publishCustomerUpserted(
    tx,
    deps.outbox,
    { accountId, correlationId: event.correlationId, causationId: event.eventId },
    final,
    await identitiesOf(tx, accountId, [final.id]),
    'order',
    created,
    order.orderId,
  );
  meta?.log.debug({ customerId: final.id, created }, 'order linked to customer');
  return { kind: 'linked', customerId: final.id, created };
}

/**
 * R1.3 + R2.6: an identity links to its customer only while that record is active; a merged
 * record hands over to its survivor; archived or deleted ones do not take new orders.
 */
async function resolveLinked(
  tx: EntityManager,
  accountId: string,
  customerId: string,
): Promise<CustomerRow | null> {
  let c = await findCustomer(tx, accountId, customerId);
  for (let hops = 0; c && c.status === 'merged' && c.mergedIntoId && hops < 10; hops++) {
    c = await findCustomer(tx, accountId, c.mergedIntoId);
  }
  return c && c.status === 'active' ? c : null;
}

function stateOf(c: CustomerRow): CustomerState {
  return {
    firstName: c.firstName,
    lastName: c.lastName,
    name: c.name,
    company: c.company,
    email: c.email,
    phone: c.phone,
    birthDate: c.birthDate,
    shippingAddress: c.shippingAddress,
    billingAddress: c.billingAddress,
    postalAddress: c.postalAddress,
    addressOrderDate: c.addressOrderDate,
    profileOrderDate: c.profileOrderDate,
    tags: c.tags,
    consent: c.consent,
    fieldSources: c.fieldSources,
  };
}
