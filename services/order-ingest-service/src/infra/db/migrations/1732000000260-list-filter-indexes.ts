import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Two `GET /v1/orders` filter pairs that had no index fitting both (docs/performance.md, at
 * 1,000,000 orders in one account):
 * - `storeId` + `status`: MariaDB read one filter's index and checked the other on every entry; a
 *   store with a status it never had read every order of that status (35,000) for each page and for
 *   its count (127–270 ms). (account_id, store_id, order_status, id): one range from the cursor.
 * - `status` + `updatedSince` (a client polling for, say, the orders awaiting shipment that changed):
 *   the page was read in updated-at order with every order checked for its status (on hold, 1 in
 *   200: 10,200 entries, 20–30 ms; a rarer status, more). (account_id, order_status, updated_at, id):
 *   one range from the cursor.
 * InnoDB builds both online (the first in 2.1 s at 1,000,000 orders). A write touches the first only
 * when an order's store or status changes, the second when its status or updated-at does (as
 * idx_orders_updated already is).
 */
export class ListFilterIndexes1732000000260 implements MigrationInterface {
  name = 'ListFilterIndexes1732000000260';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'orders',
      index('idx_orders_store_status', ['account_id', 'store_id', 'order_status', 'id']),
    );
    await q.createIndex(
      'orders',
      index('idx_orders_status_updated', ['account_id', 'order_status', 'updated_at', 'id']),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('orders', 'idx_orders_status_updated');
    await q.dropIndex('orders', 'idx_orders_store_status');
  }
}

const index = (name: string, columnNames: string[]) => new TableIndex({ name, columnNames });
