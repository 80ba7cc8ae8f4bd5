import { EntitySchema } from 'typeorm';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type {
  AccountSettings,
  CustomerOrderRecord,
  CustomerRecord,
  IdentityRecord,
  PossibleDuplicateRecord,
} from '../../domain/records';

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
    addressOrderDate: dt('address_order_date', true),
    profileOrderDate: dt('profile_order_date', true),
    tags: { type: 'simple-json' },
    consent: { type: 'simple-json' },
    fieldSources: { name: 'field_sources', type: 'simple-json' },
    orderCount: { name: 'order_count', type: 'int', default: 0 },
    totalSpent: {
      name: 'total_spent',
      type: 'decimal',
      precision: 14,
      scale: 2,
      default: 0,
      transformer: decimalAsNumber,
    },
    firstOrderDate: dt('first_order_date', true),
    lastOrderDate: dt('last_order_date', true),
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

export const customerEntities = [
  CustomerEntity,
  IdentityEntity,
  CustomerOrderEntity,
  PossibleDuplicateEntity,
  AccountSettingsEntity,
];
