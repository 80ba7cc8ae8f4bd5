import { OrderImported, type OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { newEvent } from '@crp/contracts/new-event';
import type { NormalizedOrder, OrderRecord, StoreRecord } from '../domain/order';

export interface Ctx {
  accountId: string;
  correlationId: string;
}

/** OrderImported for one new revision of a store order: what customer-service links to a customer. */
export function orderImportedEvent(
  ctx: Ctx,
  store: StoreRecord,
  record: OrderRecord,
  order: NormalizedOrder,
): OrderImportedV1 {
  return newEvent(OrderImported, ctx, {
    order: {
      orderId: record.id,
      storeId: store.id,
      storeType: store.type,
      storeName: store.name,
      storeOrderId: record.storeOrderId,
      orderNumber: record.orderNumber,
      orderDate: record.orderDate.toISOString(),
      orderStatus: record.orderStatus,
      total: record.total,
      currency: order.currency,
      revision: record.revision,
    },
    buyer: {
      username: order.username,
      email: order.email,
      phone: order.phone,
      name: order.buyerName,
      firstName: order.firstName,
      lastName: order.lastName,
      company: order.company,
      birthDate: order.birthDate,
      marketingConsent: order.marketingConsent,
    },
    shipTo: order.shipTo,
    billTo: order.billTo,
    tags: order.tags,
    source: store.type === 'manual' ? 'manual' : 'store',
  });
}
