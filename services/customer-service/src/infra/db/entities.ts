import { EntitySchema } from 'typeorm';
import { MONEY_LIMITS } from '@crp/contracts/limits';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type {
  AccountSettings,
  CustomerChangeRecord,
  CustomerOrderRecord,
  CustomerRecord,
  CustomerTagRecord,
  DuplicateScanRecord,
  IdentityRecord,
  PossibleDuplicateRecord,
  PrivacyRequestRecord,
} from '../../domain/records';
import type { MatchKeysRecord, SuggestionRecord } from '../../domain/duplicates';

const { datetime: dt, varchar: vc } = entityColumn;

/** The rows are the domain's records (src/domain/records.ts). */
export type CustomerRow = CustomerRecord;
export type IdentityRow = IdentityRecord;
export type CustomerOrderRow = CustomerOrderRecord;
export type PossibleDuplicateRow = PossibleDuplicateRecord;
export type AccountSettingsRow = AccountSettings;

export const CustomerEntity = new EntitySchema<CustomerRow>({
  name: 'Customer',
  tableName: 'customers',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    status: vc('status', 16, false),
    mergedIntoId: vc('merged_into_id', 40),
    firstName: vc('first_name', 190),
    lastName: vc('last_name', 190),
    name: vc('name', 190),
    company: vc('company', 190),
    email: vc('email', 190),
    emailNormalized: vc('email_normalized', 190),
    phone: vc('phone', 64),
    phoneE164: vc('phone_e164', 32),
    birthDate: vc('birth_date', 10),
    shippingAddress: { name: 'shipping_address', type: 'simple-json', nullable: true },
    billingAddress: { name: 'billing_address', type: 'simple-json', nullable: true },
    postalAddress: { name: 'postal_address', type: 'simple-json', nullable: true },
    // TEXT: TEXT_LIMITS.note characters fit (MariaDB TEXT holds 65,535 bytes, 4 per character).
    notes: { name: 'notes', type: 'text', nullable: true },
    addressOrderDate: dt('address_order_date', true),
    profileOrderDate: dt('profile_order_date', true),
    tags: { type: 'simple-json' },
    consent: { type: 'simple-json' },
    fieldSources: { name: 'field_sources', type: 'simple-json' },
    // Added by a later migration, so nullable in the table; the code always sees a list.
    consentHistory: {
      name: 'consent_history',
      type: 'simple-json',
      nullable: true,
      transformer: { to: (v: unknown) => v ?? [], from: (v: unknown) => v ?? [] },
    },
    orderCount: { name: 'order_count', type: 'int', default: 0 },
    totalSpent: {
      name: 'total_spent',
      type: 'decimal',
      precision: MONEY_LIMITS.totalSpentPrecision,
      scale: MONEY_LIMITS.scale,
      default: 0,
      transformer: decimalAsNumber,
    },
    firstOrderDate: dt('first_order_date', true),
    lastOrderDate: dt('last_order_date', true),
    erasedAt: dt('erased_at', true),
    version: { type: 'int' },
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
});

export const IdentityEntity = new EntitySchema<IdentityRow>({
  name: 'CustomerIdentity',
  tableName: 'customer_identities',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    storeId: vc('store_id', 64, false),
    storeName: vc('store_name', 190, false),
    storeType: vc('store_type', 32, false),
    username: vc('username', 190, false),
    customerId: vc('customer_id', 40),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
});

export const CustomerOrderEntity = new EntitySchema<CustomerOrderRow>({
  name: 'CustomerOrder',
  tableName: 'customer_orders',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    storeId: { ...vc('store_id', 64, false), primary: true },
    storeOrderId: { ...vc('store_order_id', 190, false), primary: true },
    orderId: vc('order_id', 40, false),
    customerId: vc('customer_id', 40, false),
    orderNumber: vc('order_number', 190, false),
    orderDate: dt('order_date'),
    total: { type: 'decimal', precision: 14, scale: 2, transformer: decimalAsNumber },
    currency: vc('currency', 3),
    revision: { type: 'int' },
  },
});

export const PossibleDuplicateEntity = new EntitySchema<PossibleDuplicateRow>({
  name: 'PossibleDuplicate',
  tableName: 'possible_duplicates',
  columns: {
    accountId: vc('account_id', 64, false),
    customerId: { ...vc('customer_id', 40, false), primary: true },
    duplicateOfId: { ...vc('duplicate_of_id', 40, false), primary: true },
    matchedOn: vc('matched_on', 16, false),
    createdAt: dt('created_at'),
  },
});

/** R2.11: the tag filter's index (a record's tags are a JSON list, which no index can hold). */
export const CustomerTagEntity = new EntitySchema<CustomerTagRecord>({
  name: 'CustomerTag',
  tableName: 'customer_tags',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    customerId: { ...vc('customer_id', 40, false), primary: true },
    tagKey: { ...vc('tag_key', 190, false), primary: true },
  },
});

/** Customers to compare again for likely duplicates; one row per customer, the newest time it changed. */
export const DuplicateScanEntity = new EntitySchema<DuplicateScanRecord>({
  name: 'DuplicateScan',
  tableName: 'duplicate_scan_queue',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    customerId: { ...vc('customer_id', 40, false), primary: true },
    queuedAt: dt('queued_at'),
  },
});

/** What the duplicate scan compares, per active customer (its blocking keys are indexed). */
export const MatchKeysEntity = new EntitySchema<MatchKeysRecord>({
  name: 'CustomerMatchKeys',
  tableName: 'customer_match_keys',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    customerId: { ...vc('customer_id', 40, false), primary: true },
    nameKey: vc('name_key', 190),
    addressKey: vc('address_key', 250),
    emailNormalized: vc('email_normalized', 190),
    phoneE164: vc('phone_e164', 32),
  },
});

/** Likely duplicates that share no key, both directions of each pair. */
export const SuggestionEntity = new EntitySchema<SuggestionRecord>({
  name: 'DuplicateSuggestion',
  tableName: 'duplicate_suggestions',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    customerId: { ...vc('customer_id', 40, false), primary: true },
    otherId: { ...vc('other_id', 40, false), primary: true },
    reason: { ...vc('reason', 32, false), primary: true },
    confidence: { type: 'decimal', precision: 3, scale: 2, transformer: decimalAsNumber },
    createdAt: dt('created_at'),
  },
});

export const AccountSettingsEntity = new EntitySchema<AccountSettingsRow>({
  name: 'AccountSettings',
  tableName: 'account_settings',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    matchPolicy: vc('match_policy', 16, false),
    defaultCountry: vc('default_country', 2, false),
    protectNames: { name: 'protect_names', type: 'boolean' },
    defaultCustomerId: vc('default_customer_id', 40),
    updatedAt: dt('updated_at'),
  },
});

export const CustomerChangeEntity = new EntitySchema<CustomerChangeRecord>({
  name: 'CustomerChange',
  tableName: 'customer_changes',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    customerId: vc('customer_id', 40, false),
    at: dt('at'),
    actor: vc('actor', 190, false),
    source: vc('source', 16, false),
    kind: vc('kind', 16, false),
    changes: { type: 'simple-json' },
  },
});

export const PrivacyRequestEntity = new EntitySchema<PrivacyRequestRecord>({
  name: 'PrivacyRequest',
  tableName: 'privacy_requests',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    customerId: vc('customer_id', 40, false),
    type: vc('type', 16, false),
    basis: vc('basis', 16, false),
    note: vc('note', 1000),
    status: vc('status', 16, false),
    requestedBy: vc('requested_by', 190, false),
    requestedAt: dt('requested_at'),
    completedAt: dt('completed_at', true),
    completedBy: vc('completed_by', 190),
    outcome: { type: 'simple-json', nullable: true },
  },
});

/** ADR 0024: a dry run's jobs, would-be records and would-be identities (JSON as written by dry-run-repository.ts). */
export interface DryRunJobRow {
  accountId: string;
  jobId: string;
  touchedAt: Date;
  endedAt: Date | null;
}
export interface DryRunCustomerRow {
  accountId: string;
  jobId: string;
  customerId: string;
  emailNormalized: string | null;
  record: string;
}
export interface DryRunIdentityRow {
  accountId: string;
  jobId: string;
  username: string;
  identity: string;
}

export const DryRunJobEntity = new EntitySchema<DryRunJobRow>({
  name: 'ImportDryRun',
  tableName: 'import_dry_runs',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    jobId: { ...vc('job_id', 40, false), primary: true },
    touchedAt: dt('touched_at'),
    endedAt: dt('ended_at', true),
  },
});

export const DryRunCustomerEntity = new EntitySchema<DryRunCustomerRow>({
  name: 'ImportDryRunCustomer',
  tableName: 'import_dry_run_customers',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    jobId: { ...vc('job_id', 40, false), primary: true },
    customerId: { ...vc('customer_id', 40, false), primary: true },
    emailNormalized: vc('email_normalized', 190),
    record: { type: 'text' },
  },
});

export const DryRunIdentityEntity = new EntitySchema<DryRunIdentityRow>({
  name: 'ImportDryRunIdentity',
  tableName: 'import_dry_run_identities',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    jobId: { ...vc('job_id', 40, false), primary: true },
    username: { ...vc('username', 190, false), primary: true },
    identity: { type: 'text' },
  },
});

export const customerEntities = [
  CustomerEntity,
  IdentityEntity,
  CustomerOrderEntity,
  PossibleDuplicateEntity,
  AccountSettingsEntity,
  CustomerTagEntity,
  CustomerChangeEntity,
  PrivacyRequestEntity,
  DuplicateScanEntity,
  MatchKeysEntity,
  SuggestionEntity,
  DryRunJobEntity,
  DryRunCustomerEntity,
  DryRunIdentityEntity,
];
