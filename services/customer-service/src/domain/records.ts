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
  /** Bumped on every change; CustomerUpserted carries it so consumers can drop older copies. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

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
