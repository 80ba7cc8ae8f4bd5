import { CustomerUpserted, type CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
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
  });
}
