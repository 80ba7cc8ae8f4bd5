import { EntitySchema } from 'typeorm';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type { Address } from '@crp/contracts/common';
import type { JsonObject } from '../../domain/shipstation-order';

const { datetime: dt, varchar: vc } = entityColumn;

export type StoreType =
  'shopify' | 'ebay' | 'amazon' | 'woocommerce' | 'bigcommerce' | 'etsy' | 'api' | 'manual';

export interface StoreRow {
  id: string;
  accountId: string;
  type: StoreType;
  name: string;
  createdAt: Date;
}

export interface OrderRow {
  id: string;
  accountId: string;
  storeId: string;
  storeOrderId: string;
  orderNumber: string;
  orderDate: Date;
  orderStatus: string | null;
  customerUsername: string | null;
  customerEmail: string | null;
  buyerName: string | null;
  shipTo: Address | null;
  billTo: Address | null;
  items: JsonObject[];
  notes: string[];
  total: number;
  revision: number;
  contentHash: string;
  createdAt: Date;
  updatedAt: Date;
}

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
