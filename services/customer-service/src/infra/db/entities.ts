import { EntitySchema } from 'typeorm';
import { decimalAsNumber, entityColumn } from '@crp/platform/columns';
import type { CustomerState, CustomerStatus } from '../../domain/customer';
import type { MatchPolicy } from '../../domain/matching';

const { datetime: dt, varchar: vc } = entityColumn;

/** A customer row: the domain's state (domain/customer.ts) plus identity, keys and history. */
export interface CustomerRow extends CustomerState {
  id: string;
  accountId: string;
  status: CustomerStatus;
  mergedIntoId: string | null;
  emailNormalized: string | null;
  phoneE164: string | null;
  orderCount: number;
  totalSpent: number;
  firstOrderDate: Date | null;
  lastOrderDate: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdentityRow {
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

export interface CustomerOrderRow {
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

export interface PossibleDuplicateRow {
  accountId: string;
  customerId: string;
  duplicateOfId: string;
  matchedOn: string;
  createdAt: Date;
}

export interface AccountSettingsRow {
  accountId: string;
  matchPolicy: MatchPolicy;
  defaultCountry: string;
  protectNames: boolean;
  defaultCustomerId: string | null;
  updatedAt: Date;
}

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
