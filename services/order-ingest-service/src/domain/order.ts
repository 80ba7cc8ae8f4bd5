import type { Address, MarketingConsent } from '@crp/contracts/common';

/** Order items are kept as sent (JSON); this service does not interpret them. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type StoreType =
  'shopify' | 'ebay' | 'amazon' | 'woocommerce' | 'bigcommerce' | 'etsy' | 'api' | 'manual';

export interface StoreRecord {
  id: string;
  accountId: string;
  type: StoreType;
  name: string;
  createdAt: Date;
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
}
