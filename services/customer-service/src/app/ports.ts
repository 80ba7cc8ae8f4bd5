import type { EntityManager } from 'typeorm';
import type {
  AccountSettings,
  CustomerOrderRecord,
  CustomerRecord,
  IdentityRecord,
  PossibleDuplicateRecord,
} from '../domain/records';

export type AccountRef = { accountId: string };

/** Loads take many keys at once (one query per kind of lookup for a whole batch). */
export interface LoadOptions {
  /** Lock the rows read until the transaction ends (MySQL `FOR UPDATE`; SQLite runs one at a time). */
  lock?: boolean;
}

/**
 * What the use cases need from storage; src/infra/db implements it, the composition root wires
 * it. Every key carries its account: nothing is read or written across accounts. Functions that
 * must run inside a transaction take it as their first argument.
 */
export interface CustomerRepository {
  settings(tx: EntityManager, accountIds: string[]): Promise<AccountSettings[]>;
  saveSettings(tx: EntityManager, settings: AccountSettings): Promise<void>;

  historyByStoreOrder(
    tx: EntityManager,
    keys: Array<AccountRef & { storeId: string; storeOrderId: string }>,
  ): Promise<CustomerOrderRecord[]>;
  identitiesByKey(
    tx: EntityManager,
    keys: Array<AccountRef & { storeId: string; username: string }>,
  ): Promise<IdentityRecord[]>;
  identitiesOf(
    tx: EntityManager,
    refs: Array<AccountRef & { customerId: string }>,
  ): Promise<IdentityRecord[]>;
  customersById(
    tx: EntityManager,
    refs: Array<AccountRef & { id: string }>,
    opts?: LoadOptions,
  ): Promise<CustomerRecord[]>;
  /** Active records holding these normalized emails or E.164 phones (R1.4, R1.5). */
  activeCustomersByKey(
    tx: EntityManager,
    key: 'email' | 'phone',
    values: Array<AccountRef & { value: string }>,
    opts?: LoadOptions,
  ): Promise<CustomerRecord[]>;

  insertCustomers(tx: EntityManager, rows: CustomerRecord[]): Promise<void>;
  updateCustomers(tx: EntityManager, rows: CustomerRecord[]): Promise<void>;
  insertIdentities(tx: EntityManager, rows: IdentityRecord[]): Promise<void>;
  updateIdentities(tx: EntityManager, rows: IdentityRecord[]): Promise<void>;
  insertHistory(tx: EntityManager, rows: CustomerOrderRecord[]): Promise<void>;
  updateHistory(tx: EntityManager, rows: CustomerOrderRecord[]): Promise<void>;
  /** Records possible duplicates; ones already recorded stay as they are. */
  addPossibleDuplicates(tx: EntityManager, rows: PossibleDuplicateRecord[]): Promise<void>;
  /** R1.11 totals counted again from the history rows (for the rare changes that cannot be incremental). */
  recountTotals(tx: EntityManager, refs: Array<AccountRef & { customerId: string }>): Promise<void>;

  // Reads for the HTTP API.
  findCustomer(tx: EntityManager, accountId: string, id: string): Promise<CustomerRecord | null>;
  ordersOf(
    tx: EntityManager,
    accountId: string,
    customerId: string,
    limit?: number,
  ): Promise<CustomerOrderRecord[]>;
  possibleDuplicatesOf(tx: EntityManager, accountId: string, customerId: string): Promise<string[]>;
  search(
    tx: EntityManager,
    accountId: string,
    query: CustomerQuery,
  ): Promise<{ rows: CustomerRecord[]; total: number }>;
}

export interface CustomerQuery {
  q?: string;
  email?: string;
  storeId?: string;
  tag?: string;
  status?: string;
  after?: string;
  limit: number;
}
