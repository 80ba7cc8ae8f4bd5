import type { OrderRecord as OrderRow, OrderRevisionRecord, StoreRecord as StoreRow } from '../domain/order';
import type { OrderFulfillment } from './fulfillment';

/**
 * Orders come back with ShipStation's Order field names, plus the store, the channel and revision,
 * and (R5.4, R5.5) the chosen carrier and service and whether the order is delegated to or from a 3PL.
 */
export function orderView(o: OrderRow, store?: Pick<StoreRow, 'type' | 'name'>, extras?: OrderFulfillment) {
  return {
    orderId: o.id,
    orderNumber: o.orderNumber,
    orderKey: o.storeOrderId,
    orderDate: o.orderDate.toISOString(),
    orderStatus: o.orderStatus,
    customerId: o.customerId ?? null,
    customerUsername: o.customerUsername,
    customerEmail: o.customerEmail,
    buyer: {
      name: o.buyerName,
      firstName: o.buyerFirstName ?? null,
      lastName: o.buyerLastName ?? null,
      phone: o.buyerPhone ?? null,
    },
    billTo: o.billTo,
    shipTo: o.shipTo,
    items: o.items,
    orderTotal: o.total,
    currency: o.currency ?? null,
    notes: o.notes,
    carrierCode: extras?.shippingService?.carrierCode ?? null,
    serviceCode: extras?.shippingService?.serviceCode ?? null,
    fulfillment: extras?.fulfillment ?? null,
    advancedOptions: {
      storeId: o.storeId,
      ...(store ? { storeType: store.type, storeName: store.name } : {}),
    },
    channel: {
      updatedAt: o.channelUpdatedAt?.toISOString() ?? null,
      essentials: o.channelData ?? null,
    },
    redacted: o.redactedAt ? o.redactedAt.toISOString() : null,
    revision: o.revision,
    createDate: o.createdAt.toISOString(),
    modifyDate: o.updatedAt.toISOString(),
  };
}

export const revisionView = (r: OrderRevisionRecord) => ({
  revision: r.revision,
  source: r.source,
  channelUpdatedAt: r.channelUpdatedAt?.toISOString() ?? null,
  changedFields: r.changedFields,
  createDate: r.createdAt.toISOString(),
});
