import type { CustomerState, CustomerStatus } from './customer';
import type { MatchPolicy } from './matching';

// The records this service keeps, as plain data. src/infra/db maps them to tables; the rules in
// src/domain decide over them; src/app moves them between the two.

/** A customer record: the domain's state (customer.ts) plus its keys and history figures. */
export interface CustomerRecord extends CustomerState {
  id: string;
  accountId: string;
  status: CustomerStatus;
  mergedIntoId: string | null;
  /** R1.5: the matching keys, kept beside the values as written. */
  emailNormalized: string | null;
  phoneE164: string | null;
  /** R1.11, kept incrementally as orders arrive. */
  orderCount: number;
  totalSpent: number;
  firstOrderDate: Date | null;
  lastOrderDate: Date | null;
  /** R2.10: when the record's personal data was erased; the row stays as a tombstone. */
  erasedAt: Date | null;
  /** Bumped on every change; CustomerUpserted carries it so consumers can drop older copies. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** R1.11: what a record's order history adds up to. */
export type CustomerTotals = Pick<
  CustomerRecord,
  'accountId' | 'id' | 'orderCount' | 'totalSpent' | 'firstOrderDate' | 'lastOrderDate'
>;

/** A (store, store-side buyer key) pair linked to one customer (SPEC §0 "Identity"). */
export interface IdentityRecord {
  id: string;
  accountId: string;
  storeId: string;
  storeName: string;
  storeType: string;
  username: string;
  customerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One store order in a customer's history (R1.11), once per store order (R1.9). */
export interface CustomerOrderRecord {
  accountId: string;
  storeId: string;
  storeOrderId: string;
  orderId: string;
  customerId: string;
  orderNumber: string;
  orderDate: Date;
  total: number;
  currency: string | null;
  revision: number;
}

/** R1.6: another active record sharing the key an order matched on. */
export interface PossibleDuplicateRecord {
  accountId: string;
  customerId: string;
  duplicateOfId: string;
  matchedOn: string;
  createdAt: Date;
}

/** R2.11: one tag of a customer, as the tag filter looks it up (domain/search.ts tagKey). */
export interface CustomerTagRecord {
  accountId: string;
  customerId: string;
  tagKey: string;
}

/** A customer written since the duplicate scan last looked at it (domain/duplicates.ts). */
export interface DuplicateScanRecord {
  accountId: string;
  customerId: string;
  queuedAt: Date;
}

export interface AccountSettings {
  accountId: string;
  matchPolicy: MatchPolicy;
  defaultCountry: string;
  protectNames: boolean;
  defaultCustomerId: string | null;
  updatedAt: Date;
}

export const DEFAULT_SETTINGS = {
  matchPolicy: 'email,phone' as MatchPolicy,
  defaultCountry: 'US',
  protectNames: false,
  defaultCustomerId: null as string | null,
};

export const settingsOrDefault = (accountId: string, found: AccountSettings | undefined): AccountSettings =>
  found ?? { accountId, ...DEFAULT_SETTINGS, updatedAt: new Date(0) };

/**
 * One change a person or a system made to a record outside the order stream (an edit, a status
 * change, a merge, an erasure): who, when, from which source, and the fields before and after.
 * Orders are not logged here: their trace is the order history (R1.11).
 */
export interface CustomerChangeRecord {
  id: string;
  accountId: string;
  customerId: string;
  at: Date;
  /** The user (JWT sub) who asked, or the system part that acted (`mailchimp-webhook`). */
  actor: string;
  /** `mailchimp`: Mailchimp's webhook (an unsubscribe, a bounce, an email change there; issue #19). */
  source: 'manual' | 'api' | 'csv' | 'system' | 'mailchimp';
  kind: 'create' | 'edit' | 'archive' | 'restore' | 'delete' | 'merge' | 'merged_into' | 'erase';
  changes: Array<{ field: string; from: unknown; to: unknown }>;
}

export type PrivacyRequestType = 'export' | 'erase';
export type PrivacyBasis = 'gdpr' | 'ccpa' | 'other';
export type PrivacyRequestStatus = 'open' | 'completed' | 'cancelled';

/** R2.10: a privacy request, recorded with its legal basis, who asked and when. */
export interface PrivacyRequestRecord {
  id: string;
  accountId: string;
  customerId: string;
  type: PrivacyRequestType;
  basis: PrivacyBasis;
  note: string | null;
  status: PrivacyRequestStatus;
  requestedBy: string;
  requestedAt: Date;
  completedAt: Date | null;
  completedBy: string | null;
  /** What was done: the records erased, the orders counted… (no personal data). */
  outcome: Record<string, unknown> | null;
}
