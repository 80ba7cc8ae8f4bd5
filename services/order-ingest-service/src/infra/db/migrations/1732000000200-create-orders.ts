import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc } = tableColumn;

export class CreateOrders1732000000200 implements MigrationInterface {
  name = 'CreateOrders1732000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'stores',
        columns: [
          { ...vc('id', 80, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('type', 16, false),
          vc('name', 190, false),
          dt('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_stores_account', columnNames: ['account_id', 'id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'orders',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('store_id', 80, false),
          vc('store_order_id', 190, false),
          vc('order_number', 190, false),
          dt('order_date'),
          vc('order_status', 32),
          vc('customer_username', 190),
          vc('customer_email', 190),
          vc('buyer_name', 190),
          { name: 'ship_to', type: 'text', isNullable: true },
          { name: 'bill_to', type: 'text', isNullable: true },
          { name: 'items', type: 'text' },
          { name: 'notes', type: 'text' },
          { name: 'total', type: 'decimal', precision: 14, scale: 2 },
          { name: 'revision', type: 'int' },
          vc('content_hash', 64, false),
          dt('created_at'),
          dt('updated_at'),
        ],
        indices: [
          // R1.9: one row per store order, whatever how often it is imported.
          new TableIndex({
            name: 'uq_orders_store_order',
            columnNames: ['account_id', 'store_id', 'store_order_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_orders_account_id', columnNames: ['account_id', 'id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('orders');
    await q.dropTable('stores');
  }
}
