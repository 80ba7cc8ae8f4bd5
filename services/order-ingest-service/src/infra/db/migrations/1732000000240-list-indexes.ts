import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Two list pages that had no index for their filter and order. At 1,000,000 orders in one account
 * `GET /v1/orders?status=` (and its count) read the account's orders one by one through
 * `(account_id, id)` to find the status; a 3PL's `GET /v1/delegations?side=provider` read every
 * delegation of the provider and sorted them for each page. Each page is now one range of its index
 * from the cursor. InnoDB builds both indexes online (reads and writes go on meanwhile).
 */
export class ListIndexes1732000000240 implements MigrationInterface {
  name = 'ListIndexes1732000000240';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'orders',
      new TableIndex({ name: 'idx_orders_status', columnNames: ['account_id', 'order_status', 'id'] }),
    );
    await q.createIndex(
      'order_delegations',
      new TableIndex({
        name: 'idx_order_delegations_provider',
        columnNames: ['provider_account_id', 'order_id'],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('order_delegations', 'idx_order_delegations_provider');
    await q.dropIndex('orders', 'idx_orders_status');
  }
}
