import type { EntityManager } from 'typeorm';
import type {
  AccountSettings,
  CustomerChangeRecord,
  CustomerOrderRecord,
  CustomerRecord,
  CustomerTotals,
  DuplicateScanRecord,
  IdentityRecord,
  PossibleDuplicateRecord,
  PrivacyRequestRecord,
} from '../domain/records';
import type { CustomerFilter } from '../domain/search';
import type { DuplicateReason, MatchFacts, MatchKeysRecord, SuggestionRecord } from '../domain/duplicates';

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
  /** R1.11 totals as given (records whose other fields stay), one multi-row statement. */
  writeTotals(tx: EntityManager, rows: CustomerTotals[]): Promise<void>;
  /**
   * R1.11 first and last order dates read again from the history rows, each record's two ends
   * of idx_orders_customer (not its whole history): one statement.
   */
  recountOrderDates(tx: EntityManager, refs: Array<AccountRef & { customerId: string }>): Promise<void>;
  /** R1.11 totals counted again from every history row (merges): one read, one multi-row write. */
  recountTotals(tx: EntityManager, refs: Array<AccountRef & { customerId: string }>): Promise<void>;

  // The write side of SPEC §2 (single clicks: one transaction each).
  /** The change log (edits, status changes, merges, erasures). */
  insertChanges(tx: EntityManager, rows: CustomerChangeRecord[]): Promise<void>;
  /** The whole change log of `customerIds`, oldest first (a record's few rows; an export pages: changesPage). */
  changesOf(tx: EntityManager, accountId: string, customerIds: string[]): Promise<CustomerChangeRecord[]>;
  /**
   * R2.10 export: the change log of `customerIds` in (at, id) order, the `limit` rows after `after`
   * (the last row of the previous page; null for the first): one statement a page.
   */
  changesPage(
    tx: EntityManager,
    accountId: string,
    customerIds: string[],
    after: CustomerChangeRecord | null,
    limit: number,
  ): Promise<CustomerChangeRecord[]>;
  /** R2.7: every history row of `fromIds` now belongs to `toId` (totals: recountTotals). */
  moveHistory(tx: EntityManager, accountId: string, fromIds: string[], toId: string): Promise<void>;
  /** R2.7: possible-duplicate pairs of `fromIds` now name `toId`; pairs inside the group go. */
  moveDuplicates(tx: EntityManager, accountId: string, fromIds: string[], toId: string): Promise<void>;
  /** Every possible-duplicate pair naming one of `ids`, either side, goes (R2.10 erasure). */
  dropDuplicates(tx: EntityManager, accountId: string, ids: string[]): Promise<void>;

  insertPrivacyRequest(tx: EntityManager, row: PrivacyRequestRecord): Promise<void>;
  updatePrivacyRequest(tx: EntityManager, row: PrivacyRequestRecord): Promise<void>;
  privacyRequest(
    tx: EntityManager,
    accountId: string,
    id: string,
    opts?: LoadOptions,
  ): Promise<PrivacyRequestRecord | null>;
  /** Open requests naming any of `customerIds` (they hold merges back, R2.7). */
  openPrivacyRequests(
    tx: EntityManager,
    accountId: string,
    customerIds: string[],
  ): Promise<PrivacyRequestRecord[]>;
  /** The account's requests, newest first, keyset-paginated by id. */
  listPrivacyRequests(
    tx: EntityManager,
    accountId: string,
    q: { customerId?: string; status?: string; before?: string; limit: number },
  ): Promise<PrivacyRequestRecord[]>;
  /** Records merged into any of `ids` (directly), for erasure of a survivor. */
  mergedInto(tx: EntityManager, accountId: string, ids: string[]): Promise<CustomerRecord[]>;
  /** R2.10: the customer's identities are deleted (the username is personal data). */
  deleteIdentities(tx: EntityManager, accountId: string, customerIds: string[]): Promise<void>;
  /** R2.10: change-log rows of the customers are deleted (their before/after values are personal data). */
  deleteChanges(tx: EntityManager, accountId: string, customerIds: string[]): Promise<void>;
  /** R2.10 export: how many history rows `customerIds` hold. */
  countOrders(tx: EntityManager, accountId: string, customerIds: string[]): Promise<number>;
  /**
   * R2.10 export: the history of `customerIds` in (order date, store, store order id) order, the
   * `limit` rows after `after` (the last row of the previous page; null for the first): one
   * statement a page, each customer's rows read along idx_orders_customer from the cursor on.
   */
  ordersPage(
    tx: EntityManager,
    accountId: string,
    customerIds: string[],
    after: CustomerOrderRecord | null,
    limit: number,
  ): Promise<CustomerOrderRecord[]>;

  // Reads for the HTTP API.
  findCustomer(tx: EntityManager, accountId: string, id: string): Promise<CustomerRecord | null>;
  ordersOf(
    tx: EntityManager,
    accountId: string,
    customerId: string,
    limit?: number,
  ): Promise<CustomerOrderRecord[]>;
  /**
   * The records R1.6 recorded as possible duplicates of `customerId`, in id order: the first
   * `limit` when given (the customer's page), all of them without (the privacy export).
   */
  possibleDuplicatesOf(
    tx: EntityManager,
    accountId: string,
    customerId: string,
    limit?: number,
  ): Promise<string[]>;
  /**
   * R2.11: one page of the account's customers matching `filter`, in id order (ids sort by
   * creation time), starting after the id `after`: keyset pagination, so pages never shift.
   */
  findCustomers(
    tx: EntityManager,
    accountId: string,
    filter: CustomerFilter,
    page: { after?: string; limit: number },
  ): Promise<CustomerRecord[]>;
  /**
   * findCustomers, and with free text also countCustomers(…, upTo), which a free-text page reads
   * anyway (`counted` null without free text: counting then costs a statement of its own).
   */
  findCustomersCounted(
    tx: EntityManager,
    accountId: string,
    filter: CustomerFilter,
    page: { after?: string; limit: number },
    upTo: number,
  ): Promise<{ rows: CustomerRecord[]; counted: { count: number; exact: boolean } | null }>;
  /**
   * How many of the account's customers match `filter`, counting no further than `upTo`; `exact`
   * false when there may be more than `count` (a lower bound).
   */
  countCustomers(
    tx: EntityManager,
    accountId: string,
    filter: CustomerFilter,
    upTo: number,
  ): Promise<{ count: number; exact: boolean }>;
  /**
   * R2.11 export: like findCustomers, but only what a CSV row shows, with the usernames, in one
   * statement and without entity hydration (the export's hot loop).
   */
  exportPage(
    tx: EntityManager,
    accountId: string,
    filter: CustomerFilter,
    page: { after?: string; limit: number },
  ): Promise<CustomerExportRecord[]>;
}

/** One customer import dry run: its account and job (ADR 0024). */
export type DryRunKey = AccountRef & { jobId: string };

/**
 * ADR 0024: what a customer import dry run would have written so far, kept in tables per
 * (account, job) rather than in memory: the would-be records (by id and by their would-be
 * normalized email) and the manual-store identities the run would have created. Reads take the
 * keys of a whole batch (one query per kind of lookup); writes are multi-row upserts.
 */
export interface DryRunRepository {
  customersById(
    tx: EntityManager,
    keys: Array<DryRunKey & { customerId: string }>,
  ): Promise<Array<DryRunKey & { record: CustomerRecord }>>;
  customersByEmail(
    tx: EntityManager,
    keys: Array<DryRunKey & { email: string }>,
  ): Promise<Array<DryRunKey & { record: CustomerRecord }>>;
  identitiesByUsername(
    tx: EntityManager,
    keys: Array<DryRunKey & { username: string }>,
  ): Promise<Array<DryRunKey & { identity: IdentityRecord }>>;
  saveCustomers(tx: EntityManager, rows: Array<DryRunKey & { record: CustomerRecord }>): Promise<void>;
  saveIdentities(tx: EntityManager, rows: Array<DryRunKey & { identity: IdentityRecord }>): Promise<void>;
  /** The jobs moved at `at`; `ended` once their final chunk came (their state can go). */
  touchJobs(tx: EntityManager, jobs: Array<DryRunKey & { at: Date; ended: boolean }>): Promise<void>;
  /** Jobs whose state can go: ended, or untouched since `staleBefore`; at most `limit`. */
  jobsToSweep(tx: EntityManager, staleBefore: Date, limit: number): Promise<DryRunKey[]>;
  /**
   * Deletes up to `limit` rows of each of the job's tables; once nothing is left, the job row too
   * (unless it moved again since `staleBefore` without having ended). Returns the rows deleted.
   */
  sweepJob(tx: EntityManager, job: DryRunKey, staleBefore: Date, limit: number): Promise<number>;
}

/**
 * Likely duplicates (domain/duplicates.ts). Every customer write (insertCustomers,
 * updateCustomers) queues the customer for the scan; the scan works the queue in batches.
 */
export interface DuplicateRepository {
  /** One scanner at a time across instances (MySQL GET_LOCK); false when another holds it. */
  lockDuplicateScan(tx: EntityManager): Promise<boolean>;
  unlockDuplicateScan(tx: EntityManager): Promise<void>;
  /** The oldest queued customers (the queue entries exactly as read, to finish them later). */
  claimDuplicateScan(tx: EntityManager, limit: number): Promise<DuplicateScanRecord[]>;
  /** Removes the claimed entries, unless a write queued the customer again since. */
  finishDuplicateScan(tx: EntityManager, claimed: DuplicateScanRecord[]): Promise<void>;
  /** What the comparison reads of these customers (those that exist), without the rest of the record. */
  matchFactsOf(tx: EntityManager, refs: Array<AccountRef & { customerId: string }>): Promise<MatchFacts[]>;
  matchKeysOf(
    tx: EntityManager,
    refs: Array<AccountRef & { customerId: string }>,
  ): Promise<MatchKeysRecord[]>;
  saveMatchKeys(tx: EntityManager, rows: MatchKeysRecord[]): Promise<void>;
  deleteMatchKeys(tx: EntityManager, refs: Array<AccountRef & { customerId: string }>): Promise<void>;
  /**
   * Comparison keys of the active customers at these addresses or phones: of each address and
   * each phone the first `perKey` holders in customer id order (a key held by more is a crowd the
   * comparison ignores: it needs to see only that there are more, not who).
   */
  matchKeyCandidates(
    tx: EntityManager,
    by: { addresses: Array<AccountRef & { value: string }>; phones: Array<AccountRef & { value: string }> },
    perKey: number,
  ): Promise<MatchKeysRecord[]>;
  /** Drops every suggestion involving these customers (either side), then writes `rows`. */
  replaceSuggestions(
    tx: EntityManager,
    refs: Array<AccountRef & { customerId: string }>,
    rows: SuggestionRecord[],
  ): Promise<void>;

  // Reads for the HTTP API.
  /**
   * One customer's pairs, bounded: every suggestion (MAX_BLOCK bounds them) and, of its R1.6 pairs
   * from either side, per side and key the first `perKind` whose other record is active, in id order.
   */
  duplicatePairsOf(
    tx: EntityManager,
    accountId: string,
    customerId: string,
    perKind: number,
  ): Promise<DuplicatePair[]>;
  /** Every R1.6 pair and suggestion between `customerId` and any of `otherIds`. */
  duplicatePairsBetween(
    tx: EntityManager,
    accountId: string,
    customerId: string,
    otherIds: string[],
  ): Promise<DuplicatePair[]>;
  /**
   * The pairs anchored at these group anchors: their suggestions with younger records and, per
   * anchor and key, the first `perKind` active R1.6 duplicates in id order.
   */
  anchoredPairsOf(
    tx: EntityManager,
    accountId: string,
    anchors: string[],
    perKind: number,
  ): Promise<DuplicatePair[]>;
  /** The account's group anchors (the older record of each pair), in id order, after `after`. */
  duplicateAnchors(
    tx: EntityManager,
    accountId: string,
    page: { after?: string; limit: number },
  ): Promise<string[]>;
}

/** One reason two records of an account may be one person, from the older record's side or not. */
export interface DuplicatePair {
  customerId: string;
  otherId: string;
  reason: DuplicateReason;
  confidence: number;
  /** `matching`: R1.6, recorded when an order matched on a shared key; `suggestion`: the scan. */
  source: 'matching' | 'suggestion';
  /** Whether `customerId` is the pair's group anchor: the record R1.6 links orders to, else the older one. */
  anchored: boolean;
}

/** What one exported CSV row needs of a customer. */
export type CustomerExportRecord = Pick<
  CustomerRecord,
  | 'id'
  | 'status'
  | 'mergedIntoId'
  | 'name'
  | 'firstName'
  | 'lastName'
  | 'company'
  | 'email'
  | 'phone'
  | 'birthDate'
  | 'shippingAddress'
  | 'billingAddress'
  | 'postalAddress'
  | 'notes'
  | 'tags'
  | 'consent'
  | 'orderCount'
  | 'totalSpent'
> & {
  usernames: Array<{ storeId: string; username: string }>;
  /** Instants as ISO 8601 text (UTC, milliseconds), read as text: no Date made per cell. */
  firstOrderDate: string | null;
  lastOrderDate: string | null;
  createDate: string;
  modifyDate: string;
};
