import type { EntityManager } from 'typeorm';
import { CustomerUpserted } from '@crp/contracts/events/customer-upserted';
import { newEvent, type EventContext } from '@crp/contracts/new-event';
import type { Outbox } from '@crp/messaging/outbox';
import type { CustomerRow, IdentityRow } from '../infra/db/entities';

/** Publishes the record as it now is, through the outbox, in the caller's transaction. */
export async function publishCustomerUpserted(
  tx: EntityManager,
  outbox: Outbox,
  ctx: EventContext,
  customer: CustomerRow,
  identities: IdentityRow[],
  cause: 'order' | 'edit' | 'import' | 'merge' | 'status',
  created: boolean,
  orderId: string | null,
): Promise<void> {
  await outbox.add(
    tx,
    newEvent(CustomerUpserted, ctx, {
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
    }),
  );
}
