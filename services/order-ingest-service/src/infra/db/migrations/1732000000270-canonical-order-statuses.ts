import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ORDER_STATUSES, canonicalOrderStatus } from '@crp/contracts/order-status';
import { isMysql } from '@crp/platform/db';

/** Orders read and rewritten per round: one short statement per target value and round. */
export const STATUS_BATCH = 1000;

/**
 * Orders stored before the order status was defined once (packages/contracts/src/order-status.ts)
 * may hold a status `GET /v1/orders?status=` never finds: a spelling ("Awaiting Shipment",
 * "SHIPPED", "shipped ", "canceled") or a word that is no status (a channel's own, e.g. a
 * WooCommerce plugin status, or one a client sent). This rewrites them the way every door now reads
 * a status: a spelling → its canonical value; a blank → NULL; any other word → NULL, the word kept
 * in the order's channel data under `orderStatus` (`channel.essentials` in the order's view), as
 * the channel mappers keep a status they cannot map.
 *
 * Safe on a large table: the orders with a non-canonical status are found walking the primary key
 * from a cursor, STATUS_BATCH at a time (one pass over the table; the comparison is exact — on
 * MariaDB/MySQL binary, as the column's collation would call "Shipped" and "shipped " equal to
 * "shipped" and keep them as written), and each round is a few multi-row UPDATEs by id, each
 * committed alone (no transaction around the migration: no long lock, no huge undo log). Run
 * again after a crash it carries on with the orders left; a second run finds none. Not undone:
 * `down` keeps the canonical values (the words are in channel data).
 *
 * content_hash is left as it is: a re-import of such an order compares against it and records one
 * revision if the order now reads differently (its status), as it would have without this.
 */
export class CanonicalOrderStatuses1732000000270 implements MigrationInterface {
  name = 'CanonicalOrderStatuses1732000000270';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const exact = isMysql(q) ? 'BINARY order_status' : 'order_status';
    const canonical = ORDER_STATUSES.map(() => '?').join(', ');
    let after = '';
    for (;;) {
      const rows = (await q.query(
        `SELECT id, order_status FROM orders WHERE id > ? AND order_status IS NOT NULL
           AND ${exact} NOT IN (${canonical}) ORDER BY id LIMIT ${STATUS_BATCH}`,
        [after, ...ORDER_STATUSES],
      )) as Array<{ id: string; order_status: string }>;
      if (rows.length === 0) return;
      for (const [target, ids] of statusRewrites(rows)) {
        const inIds = ids.map(() => '?').join(', ');
        if (target === 'keep-in-channel-data') {
          // channel_data first: MySQL's UPDATE reads a column after an earlier SET changed it.
          await q.query(
            `UPDATE orders SET channel_data = JSON_SET(COALESCE(channel_data, '{}'), '$.orderStatus', order_status),
               order_status = NULL WHERE id IN (${inIds})`,
            ids,
          );
        } else {
          await q.query(`UPDATE orders SET order_status = ? WHERE id IN (${inIds})`, [target, ...ids]);
        }
      }
      after = rows[rows.length - 1]!.id;
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: a canonical status is a valid status for every earlier version too.
  }
}

/**
 * A round's orders by what their status becomes: a canonical value, null (a blank), or
 * 'keep-in-channel-data' (a word that is no status: null, the word kept). Pure.
 */
export function statusRewrites(
  rows: ReadonlyArray<{ id: string; order_status: string }>,
): Map<string | null, string[]> {
  const out = new Map<string | null, string[]>();
  for (const r of rows) {
    const status = canonicalOrderStatus(r.order_status);
    const target = status === undefined ? 'keep-in-channel-data' : status;
    const ids = out.get(target);
    if (ids) ids.push(r.id);
    else out.set(target, [r.id]);
  }
  return out;
}
