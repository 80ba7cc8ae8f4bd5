import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';
import { isMysql } from '@crp/platform/db';

const { datetime: dt, varchar: vc } = tableColumn;

/** Stores that sync themselves (issue 15): credentials, status, watermark; jobs; webhook queue; revisions. */
export class ChannelConnectors1732000000220 implements MigrationInterface {
  name = 'ChannelConnectors1732000000220';

  async up(q: QueryRunner): Promise<void> {
    const big = isMysql(q) ? 'mediumtext' : 'text';
    await q.addColumns('stores', [
      new TableColumn({ name: 'settings', type: 'text', isNullable: true }),
      new TableColumn({ name: 'credentials_enc', type: 'text', isNullable: true }),
      new TableColumn({ ...vc('status', 24, false), default: "'active'" }),
      new TableColumn(vc('status_message', 500)),
      new TableColumn(dt('sync_watermark', true)),
      new TableColumn(dt('next_sync_at', true)),
      new TableColumn(dt('last_sync_at', true)),
      new TableColumn(dt('updated_at', true)),
    ]);
    await q.query('UPDATE stores SET updated_at = created_at');
    await q.createIndex(
      'stores',
      new TableIndex({ name: 'idx_stores_due', columnNames: ['status', 'next_sync_at'] }),
    );

    await q.addColumns('orders', [
      new TableColumn(vc('buyer_first_name', 190)),
      new TableColumn(vc('buyer_last_name', 190)),
      new TableColumn(vc('buyer_phone', 64)),
      new TableColumn(vc('currency', 8)),
      new TableColumn(dt('channel_updated_at', true)),
      new TableColumn({ name: 'channel_data', type: 'text', isNullable: true }),
      new TableColumn(vc('customer_id', 40)),
      new TableColumn(dt('redacted_at', true)),
    ]);
    // A big order's line items pass TEXT's 64 KB on MySQL; a sync page must never fail on one.
    if (isMysql(q)) await q.query('ALTER TABLE orders MODIFY items MEDIUMTEXT NOT NULL');
    for (const [name, columnNames] of [
      ['idx_orders_store', ['account_id', 'store_id', 'id']],
      ['idx_orders_customer', ['account_id', 'customer_id', 'id']],
      ['idx_orders_updated', ['account_id', 'updated_at', 'id']],
      ['idx_orders_buyer', ['account_id', 'store_id', 'customer_username']],
    ] as const) {
      await q.createIndex('orders', new TableIndex({ name, columnNames: [...columnNames] }));
    }

    await q.createTable(
      new Table({
        name: 'order_revisions',
        columns: [
          { ...vc('order_id', 40, false), isPrimary: true },
          { name: 'revision', type: 'int', isPrimary: true },
          vc('account_id', 64, false),
          vc('source', 16, false),
          dt('channel_updated_at', true),
          { name: 'changed_fields', type: 'text' },
          dt('created_at'),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'sync_jobs',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('store_id', 80, false),
          vc('trigger_kind', 16, false),
          vc('status', 16, false),
          dt('window_from', true),
          dt('window_to', true),
          { name: 'pages', type: 'int' },
          { name: 'created', type: 'int' },
          { name: 'updated', type: 'int' },
          { name: 'unchanged', type: 'int' },
          { name: 'rejected', type: 'int' },
          { name: 'errors', type: 'text' },
          dt('created_at'),
          dt('started_at', true),
          dt('finished_at', true),
          dt('heartbeat_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'idx_sync_jobs_store',
            columnNames: ['account_id', 'store_id', 'created_at'],
          }),
          new TableIndex({ name: 'idx_sync_jobs_status', columnNames: ['status', 'created_at'] }),
        ],
      }),
    );

    await q.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          {
            name: 'id',
            type: isMysql(q) ? 'bigint' : 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          vc('account_id', 64, false),
          vc('store_id', 80, false),
          vc('channel', 16, false),
          vc('delivery_id', 190, false),
          vc('topic', 64, false),
          { name: 'payload', type: big, isNullable: true },
          dt('received_at'),
          dt('processed_at', true),
          vc('outcome', 16),
          { name: 'error', type: 'text', isNullable: true },
        ],
        indices: [
          // Duplicates dropped by the channel's delivery / event id.
          new TableIndex({
            name: 'uq_webhook_delivery',
            columnNames: ['store_id', 'delivery_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_webhook_pending', columnNames: ['processed_at', 'id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries');
    await q.dropTable('sync_jobs');
    await q.dropTable('order_revisions');
    for (const name of ['idx_orders_store', 'idx_orders_customer', 'idx_orders_updated', 'idx_orders_buyer'])
      await q.dropIndex('orders', name);
    for (const c of [
      'buyer_first_name',
      'buyer_last_name',
      'buyer_phone',
      'currency',
      'channel_updated_at',
      'channel_data',
      'customer_id',
      'redacted_at',
    ])
      await q.dropColumn('orders', c);
    await q.dropIndex('stores', 'idx_stores_due');
    for (const c of [
      'settings',
      'credentials_enc',
      'status',
      'status_message',
      'sync_watermark',
      'next_sync_at',
      'last_sync_at',
      'updated_at',
    ])
      await q.dropColumn('stores', c);
  }
}
