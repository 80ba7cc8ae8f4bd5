import { EntitySchema } from 'typeorm';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type { OrderRecord, StoreRecord, StoreType } from '../../domain/order';

const { datetime: dt, varchar: vc } = entityColumn;

export type { StoreType };
/** The rows are the domain's records (src/domain/order.ts). */
export type StoreRow = StoreRecord;
export type OrderRow = OrderRecord;

export const StoreEntity = new EntitySchema<StoreRow>({
  name: 'Store',
  tableName: 'stores',
  columns: {
    id: { type: 'varchar', length: 80, primary: true },
    accountId: vc('account_id', 64, false),
    type: vc('type', 16, false),
    name: vc('name', 190, false),
    createdAt: dt('created_at'),
  },
});

export const OrderEntity = new EntitySchema<OrderRow>({
  name: 'Order',
  tableName: 'orders',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    storeId: vc('store_id', 80, false),
    storeOrderId: vc('store_order_id', 190, false),
    orderNumber: vc('order_number', 190, false),
    orderDate: dt('order_date'),
    orderStatus: vc('order_status', 32),
    customerUsername: vc('customer_username', 190),
    customerEmail: vc('customer_email', 190),
    buyerName: vc('buyer_name', 190),
    shipTo: { name: 'ship_to', type: 'simple-json', nullable: true },
    billTo: { name: 'bill_to', type: 'simple-json', nullable: true },
    items: { type: 'simple-json' },
    notes: { type: 'simple-json' },
    total: { type: 'decimal', precision: 14, scale: 2, transformer: decimalAsNumber },
    revision: { type: 'int' },
    contentHash: vc('content_hash', 64, false),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
});

export const orderEntities = [StoreEntity, OrderEntity];
