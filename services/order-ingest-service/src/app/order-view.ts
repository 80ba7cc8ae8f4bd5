import type { OrderRecord as OrderRow, StoreRecord as StoreRow } from '../domain/order';

/** Orders come back with ShipStation's Order field names, plus the store and revision. */
export function orderView(o: OrderRow, store?: Pick<StoreRow, 'type' | 'name'>) {
  return {
    orderId: o.id,
    orderNumber: o.orderNumber,
    orderKey: o.storeOrderId,
    orderDate: o.orderDate.toISOString(),
    orderStatus: o.orderStatus,
    customerUsername: o.customerUsername,
    customerEmail: o.customerEmail,
    billTo: o.billTo,
    shipTo: o.shipTo,
    items: o.items,
    orderTotal: o.total,
    notes: o.notes,
    advancedOptions: {
      storeId: o.storeId,
      ...(store ? { storeType: store.type, storeName: store.name } : {}),
    },
    revision: o.revision,
    createDate: o.createdAt.toISOString(),
    modifyDate: o.updatedAt.toISOString(),
  };
}
