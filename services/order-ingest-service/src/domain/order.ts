import {
  ADDRESS_PARTS,
  ADDRESS_PART_LIMITS,
  COUNT_LIMITS,
  ITEMS_MAX_BYTES,
  TEXT_LIMITS,
  dateRangeProblem,
  isCalendarDate,
  isEmailAddress,
  lengthProblem,
  moneyProblem,
} from '@crp/contracts/limits';
import type { Address, MarketingConsent } from '@crp/contracts/common';
import { orderStatusProblem } from '@crp/contracts/order-status';

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

/**
 * A buyer key seen again under another name (R1.2: eBay usernames change): orders under `alias`
 * belong to the buyer whose key is `username`, per store.
 */
export interface BuyerAliasRecord {
  accountId: string;
  storeId: string;
  alias: string;
  username: string;
  createdAt: Date;
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

/** The order's text fields and the limit (packages/contracts limits.ts) each must fit. */
export const ORDER_LIMITS = {
  storeOrderId: TEXT_LIMITS.storeOrderId,
  orderNumber: TEXT_LIMITS.orderNumber,
  orderStatus: TEXT_LIMITS.orderStatus,
  username: TEXT_LIMITS.username,
  email: TEXT_LIMITS.email,
  buyerName: TEXT_LIMITS.name,
  firstName: TEXT_LIMITS.name,
  lastName: TEXT_LIMITS.name,
  company: TEXT_LIMITS.company,
  phone: TEXT_LIMITS.phone,
} as const;

/**
 * Why an order cannot be stored as it is, or null: the one check every way in (HTTP, store syncs,
 * webhooks, CSV rows) passes through before anything is written, so that what is accepted is stored
 * here and by customer-service (its columns have the same limits) — never a 201 followed by a dead
 * letter. All problems of the order, one line each.
 */
export function orderLimitProblem(o: NormalizedOrder): string | null {
  const problems: Array<string | null> = [];
  for (const [field, max] of Object.entries(ORDER_LIMITS))
    problems.push(lengthProblem(field, o[field as keyof typeof ORDER_LIMITS] as string | null, max));
  for (const [which, addr] of [
    ['shipTo', o.shipTo],
    ['billTo', o.billTo],
  ] as const) {
    if (!addr) continue;
    for (const part of ADDRESS_PARTS)
      problems.push(lengthProblem(`${which}.${part}`, addr[part], ADDRESS_PART_LIMITS[part]));
  }
  // A status GET /v1/orders?status= cannot find is refused, not stored (the edges canonicalise first).
  problems.push(orderStatusProblem('orderStatus', o.orderStatus));
  problems.push(moneyProblem('total', o.total));
  if (o.currency !== null && !/^[A-Z]{3}$/.test(o.currency))
    problems.push(`currency "${o.currency}" is not an ISO 4217 code (three letters)`);
  problems.push(dateRangeProblem('orderDate', o.orderDate));
  if (o.birthDate !== null && !isCalendarDate(o.birthDate))
    problems.push(`birthDate "${o.birthDate}" is not a calendar date (YYYY-MM-DD)`);
  if (o.tags.length > COUNT_LIMITS.tags) problems.push(`more than ${COUNT_LIMITS.tags} tags`);
  for (const tag of o.tags) problems.push(lengthProblem(`tag "${tag.slice(0, 20)}…"`, tag, TEXT_LIMITS.tag));
  if (o.notes.length > COUNT_LIMITS.notes) problems.push(`more than ${COUNT_LIMITS.notes} notes`);
  for (const note of o.notes) problems.push(lengthProblem('a note', note, TEXT_LIMITS.note));
  if (o.items.length > COUNT_LIMITS.items) problems.push(`more than ${COUNT_LIMITS.items} line items`);
  else if (Buffer.byteLength(JSON.stringify(o.items)) > ITEMS_MAX_BYTES)
    problems.push(`the line items take more than ${ITEMS_MAX_BYTES} bytes`);
  const found = problems.filter((p): p is string => p !== null);
  return found.length ? found.join('; ') : null;
}

/**
 * What is accepted but not used the way the sender may expect, said back to the sender (R1.4): an
 * email that is not an address is kept on the order and never used to find the customer.
 */
export function orderWarnings(o: NormalizedOrder): string[] {
  return o.email !== null && !isEmailAddress(o.email)
    ? [`email "${o.email}" is not an e-mail address: kept on the order, not used to find the customer`]
    : [];
}
