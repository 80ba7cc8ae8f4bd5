import {
  CUSTOMER_UPSERTED_MAX_ORDER_IDS,
  CustomerUpserted,
  type CustomerUpsertedV1,
} from '@crp/contracts/events/customer-upserted';
import { newEvent, type EventContext } from '@crp/contracts/new-event';
import type { CustomerRecord, IdentityRecord } from '../domain/records';

/** CustomerUpserted: the record as it now is, for the outbox of the transaction that changed it. */
export function customerUpserted(
  ctx: EventContext,
  customer: CustomerRecord,
  identities: IdentityRecord[],
  cause: 'order' | 'edit' | 'import' | 'merge' | 'status',
  created: boolean,
  orderId: string | null,
  /** The orders this change linked to the record (ADR 0036); none but from an order batch. */
  orderIds: string[] = [],
): CustomerUpsertedV1 {
  return newEvent(CustomerUpserted, ctx, {
    customer: {
      customerId: customer.id,
      status: customer.status,
      name: customer.name,
      firstName: customer.firstName,
      lastName: customer.lastName,
      company: customer.company,
      email: customer.email,
      phone: customer.phone,
      shippingAddress: customer.shippingAddress,
      identities: identities.map((i) => ({ storeId: i.storeId, username: i.username })),
      tags: customer.tags,
      version: customer.version,
    },
    created,
    cause,
    orderId,
    orderIds,
  });
}

/**
 * A batch's CustomerUpserted of one record with every order it linked there (ADR 0036): at most
 * CUSTOMER_UPSERTED_MAX_ORDER_IDS an event, so a record that took more is announced once per part,
 * the same record (and version) each time, in the order the orders were applied.
 */
export function customerUpsertedParts(
  ctx: EventContext,
  customer: CustomerRecord,
  identities: IdentityRecord[],
  created: boolean,
  orderId: string,
  orderIds: string[],
): CustomerUpsertedV1[] {
  const parts: string[][] = [];
  for (let i = 0; i < orderIds.length; i += CUSTOMER_UPSERTED_MAX_ORDER_IDS)
    parts.push(orderIds.slice(i, i + CUSTOMER_UPSERTED_MAX_ORDER_IDS));
  if (parts.length === 0) parts.push([]);
  return parts.map((ids) => customerUpserted(ctx, customer, identities, 'order', created, orderId, ids));
}
