import { EntitySchema } from 'typeorm';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type {
  BuyerAliasRecord,
  OrderRecord,
  OrderRevisionRecord,
  StoreRecord,
  StoreType,
} from '../../domain/order';
import type { SyncJobRecord, WebhookDeliveryRecord } from '../../domain/sync';

const { datetime: dt, varchar: vc } = entityColumn;

export type { StoreType };
/** The rows are the domain's records (src/domain/order.ts, src/domain/sync.ts). */
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
    settings: { name: 'settings', type: 'simple-json', nullable: true },
    credentialsEnc: { name: 'credentials_enc', type: 'text', nullable: true },
    status: vc('status', 24, false),
    statusMessage: vc('status_message', 500),
    syncWatermark: dt('sync_watermark', true),
    nextSyncAt: dt('next_sync_at', true),
    lastSyncAt: dt('last_sync_at', true),
    updatedAt: dt('updated_at'),
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
    buyerFirstName: vc('buyer_first_name', 190),
    buyerLastName: vc('buyer_last_name', 190),
    buyerPhone: vc('buyer_phone', 64),
    shipTo: { name: 'ship_to', type: 'simple-json', nullable: true },
    billTo: { name: 'bill_to', type: 'simple-json', nullable: true },
    items: { type: 'simple-json' },
    notes: { type: 'simple-json' },
    total: { type: 'decimal', precision: 14, scale: 2, transformer: decimalAsNumber },
    currency: vc('currency', 8),
    channelUpdatedAt: dt('channel_updated_at', true),
    channelData: { name: 'channel_data', type: 'simple-json', nullable: true },
    customerId: vc('customer_id', 40),
    redactedAt: dt('redacted_at', true),
    revision: { type: 'int' },
    contentHash: vc('content_hash', 64, false),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
});

export const OrderRevisionEntity = new EntitySchema<OrderRevisionRecord>({
  name: 'OrderRevision',
  tableName: 'order_revisions',
  columns: {
    orderId: { name: 'order_id', type: 'varchar', length: 40, primary: true },
    revision: { type: 'int', primary: true },
    accountId: vc('account_id', 64, false),
    source: vc('source', 16, false),
    channelUpdatedAt: dt('channel_updated_at', true),
    changedFields: { name: 'changed_fields', type: 'simple-json' },
    createdAt: dt('created_at'),
  },
});

export const SyncJobEntity = new EntitySchema<SyncJobRecord>({
  name: 'SyncJob',
  tableName: 'sync_jobs',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    storeId: vc('store_id', 80, false),
    trigger: vc('trigger_kind', 16, false),
    status: vc('status', 16, false),
    windowFrom: dt('window_from', true),
    windowTo: dt('window_to', true),
    pages: { type: 'int' },
    created: { type: 'int' },
    updated: { type: 'int' },
    unchanged: { type: 'int' },
    rejected: { type: 'int' },
    errors: { type: 'simple-json' },
    createdAt: dt('created_at'),
    startedAt: dt('started_at', true),
    finishedAt: dt('finished_at', true),
    heartbeatAt: dt('heartbeat_at', true),
  },
});

export const WebhookDeliveryEntity = new EntitySchema<WebhookDeliveryRecord>({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    accountId: vc('account_id', 64, false),
    storeId: vc('store_id', 80, false),
    channel: vc('channel', 16, false),
    deliveryId: vc('delivery_id', 190, false),
    topic: vc('topic', 64, false),
    // MEDIUMTEXT on MySQL (the migration): order payloads pass 64 KB.
    payload: { type: 'text', nullable: true },
    receivedAt: dt('received_at'),
    processedAt: dt('processed_at', true),
    outcome: vc('outcome', 16),
    error: { type: 'text', nullable: true },
  },
});

/** R1.2: a renamed buyer's later keys (eBay), per store: alias → the key the buyer was first seen under. */
export const BuyerAliasEntity = new EntitySchema<BuyerAliasRecord>({
  name: 'BuyerAlias',
  tableName: 'buyer_aliases',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    storeId: { name: 'store_id', type: 'varchar', length: 80, primary: true },
    alias: { name: 'alias', type: 'varchar', length: 190, primary: true },
    username: vc('username', 190, false),
    createdAt: dt('created_at'),
  },
});

export const orderEntities = [
  StoreEntity,
  OrderEntity,
  OrderRevisionEntity,
  SyncJobEntity,
  WebhookDeliveryEntity,
  BuyerAliasEntity,
];
