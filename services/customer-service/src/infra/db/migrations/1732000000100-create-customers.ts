import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;

export class CreateCustomers1732000000100 implements MigrationInterface {
  name = 'CreateCustomers1732000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'customers',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('status', 16, false),
          vc('merged_into_id', 40),
          vc('first_name', 190),
          vc('last_name', 190),
          vc('name', 190),
          vc('company', 190),
          vc('email', 190),
          vc('email_normalized', 190),
          vc('phone', 64),
          vc('phone_e164', 32),
          vc('birth_date', 10),
          text('shipping_address'),
          text('billing_address'),
          text('postal_address'),
          dt('address_order_date', true),
          dt('profile_order_date', true),
          text('tags', false),
          text('consent', false),
          text('field_sources', false),
          { name: 'order_count', type: 'int', default: 0 },
          { name: 'total_spent', type: 'decimal', precision: 14, scale: 2, default: 0 },
          dt('first_order_date', true),
          dt('last_order_date', true),
          { name: 'version', type: 'int' },
          dt('created_at'),
          dt('updated_at'),
        ],
        indices: [
          // Every query starts with the account (tenancy); matching looks up by normalized keys.
          new TableIndex({
            name: 'idx_customers_account_email',
            columnNames: ['account_id', 'email_normalized'],
          }),
          new TableIndex({ name: 'idx_customers_account_phone', columnNames: ['account_id', 'phone_e164'] }),
          new TableIndex({ name: 'idx_customers_account_id', columnNames: ['account_id', 'id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'customer_identities',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('store_id', 64, false),
          vc('store_name', 190, false),
          vc('store_type', 32, false),
          vc('username', 190, false),
          vc('customer_id', 40),
          dt('created_at'),
          dt('updated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_identity',
            columnNames: ['account_id', 'store_id', 'username'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_identity_customer', columnNames: ['account_id', 'customer_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'customer_orders',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('store_id', 64, false), isPrimary: true },
          { ...vc('store_order_id', 190, false), isPrimary: true },
          vc('order_id', 40, false),
          vc('customer_id', 40, false),
          vc('order_number', 190, false),
          dt('order_date'),
          { name: 'total', type: 'decimal', precision: 14, scale: 2 },
          vc('currency', 3),
          { name: 'revision', type: 'int' },
        ],
        indices: [
          new TableIndex({
            name: 'idx_orders_customer',
            columnNames: ['account_id', 'customer_id', 'order_date'],
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'possible_duplicates',
        columns: [
          vc('account_id', 64, false),
          { ...vc('customer_id', 40, false), isPrimary: true },
          { ...vc('duplicate_of_id', 40, false), isPrimary: true },
          vc('matched_on', 16, false),
          dt('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_dup_of', columnNames: ['account_id', 'duplicate_of_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'account_settings',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          vc('match_policy', 16, false),
          vc('default_country', 2, false),
          { name: 'protect_names', type: 'boolean' },
          vc('default_customer_id', 40),
          dt('updated_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'account_settings',
      'possible_duplicates',
      'customer_orders',
      'customer_identities',
      'customers',
    ]) {
      await q.dropTable(t);
    }
  }
}
