import type { Address, MarketingConsent } from '@crp/contracts/common';

/** Order items are kept as sent (JSON); this service does not interpret them. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type StoreType =
  'shopify' | 'ebay' | 'amazon' | 'woocommerce' | 'bigcommerce' | 'etsy' | 'api' | 'manual';

/** `needs_attention`: the channel refused the credentials (expired, revoked); `disconnected`: DELETEd. */
export type StoreStatus = 'active' | 'needs_attention' | 'disconnected';

export interface StoreRecord {
  id: string;
  accountId: string;
  type: StoreType;
  name: string;
  createdAt: Date;
  /** Channel settings that are not secret (shop domain, site URL, sync interval…). */
  settings: JsonObject | null;
  /** The credentials, encrypted (AES-256-GCM); null for the manual and api stores. */
  credentialsEnc: string | null;
  status: StoreStatus;
  /** The channel's own words when it refused us (needs_attention). */
  statusMessage: string | null;
  /** Every order the channel changed before this instant (channel clock, UTC) is committed. */
  syncWatermark: Date | null;
  nextSyncAt: Date | null;
  lastSyncAt: Date | null;
  updatedAt: Date;
}

/** One stored store order (R1.9: one per account, store and store order id). */
export interface OrderRecord {
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
  buyerFirstName: string | null;
  buyerLastName: string | null;
  buyerPhone: string | null;
  shipTo: Address | null;
  billTo: Address | null;
  items: JsonObject[];
  notes: string[];
  total: number;
  currency: string | null;
  /** The channel's own last-change time of the order: an older delivery never overwrites a newer one. */
  channelUpdatedAt: Date | null;
  /** Non-personal essentials of the channel's payload (its statuses, source…), shown by GET. */
  channelData: JsonObject | null;
  /** The customer-service record this order is linked to (learned from CustomerUpserted). */
  customerId: string | null;
  /** Set when the buyer was erased (R2.10): personal fields stay empty from then on. */
  redactedAt: Date | null;
  revision: number;
  contentHash: string;
  createdAt: Date;
  updatedAt: Date;
}

/** How a revision arrived. */
export type RevisionSource = 'api' | 'manual' | 'sync' | 'webhook';

/** One line of an order's history: no personal data, only what changed and how it came. */
export interface OrderRevisionRecord {
  orderId: string;
  revision: number;
  accountId: string;
  source: RevisionSource;
  channelUpdatedAt: Date | null;
  changedFields: string[];
  createdAt: Date;
}

/**
 * An order as every channel's mapping delivers it (ShipStation JSON today; Shopify, WooCommerce…
 * next): what is stored and what OrderImported carries. Dates are UTC instants.
 */
export interface NormalizedOrder {
  storeOrderId: string;
  orderNumber: string;
  orderDate: Date;
  orderStatus: string | null;
  /** The channel's buyer key (R1.2), already chosen by the channel's mapping. */
  username: string | null;
  email: string | null;
  buyerName: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  phone: string | null;
  birthDate: string | null;
  shipTo: Address | null;
  billTo: Address | null;
  total: number;
  currency: string | null;
  notes: string[];
  items: JsonObject[];
  tags: string[];
  marketingConsent: MarketingConsent;
  /** The channel's last-change time of the order (null for the generic api/manual format). */
  channelUpdatedAt: Date | null;
  /** Non-personal essentials of the channel payload, kept for GET /v1/orders/:id. */
  channelData: JsonObject | null;
}

/** The column sizes an order must fit (src/infra/db): checked at the door, never a failed write. */
export const ORDER_LIMITS = {
  storeOrderId: 190,
  orderNumber: 190,
  orderStatus: 32,
  username: 190,
  email: 190,
  buyerName: 190,
  firstName: 190,
  lastName: 190,
  phone: 64,
  currency: 8,
} as const;

/** Why an order cannot be stored as it is (a row-level reason), or null. */
export function orderLimitProblem(o: NormalizedOrder): string | null {
  for (const [field, max] of Object.entries(ORDER_LIMITS)) {
    const v = o[field as keyof typeof ORDER_LIMITS];
    if (typeof v === 'string' && v.length > max) return `${field} is longer than ${max} characters`;
  }
  if (!Number.isFinite(o.total) || Math.abs(o.total) >= 1e12) return 'total is out of range';
  if (Number.isNaN(o.orderDate.getTime())) return 'orderDate is not a date';
  return null;
}
