import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

/**
 * Issue #19 at 1,000,000 customers (docs/performance.md, "Mailchimp at a million customers"):
 * - The backfill of a connection runs in batches beside the service, not inside the connect
 *   request: `mailchimp_connections` keeps its cursor (the last customer id it reached, in id
 *   order), how many customers it queued, and when it started and ended. Connections made before
 *   were backfilled at once when they were made: they are marked done.
 * - The status counts the queue capped and reads its oldest row from an index:
 *   `ix_mailchimp_queue_retrying` (account_id, attempts) and `ix_mailchimp_queue_enqueued`
 *   (account_id, enqueued_at); both counted and MIN-ed over every queued row of the account before.
 */
export class MailchimpScale1732000000840 implements MigrationInterface {
  name = 'MailchimpScale1732000000840';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('mailchimp_connections', [
      new TableColumn(tableColumn.varchar('backfill_cursor', 40)),
      new TableColumn({ name: 'backfill_queued', type: 'int', default: 0 }),
      new TableColumn(tableColumn.datetime('backfill_started_at', true)),
      new TableColumn(tableColumn.datetime('backfill_done_at', true)),
    ]);
    await q.query(
      'UPDATE mailchimp_connections SET backfill_started_at = updated_at, backfill_done_at = updated_at',
    );
    await q.createIndices('mailchimp_queue', [
      new TableIndex({ name: 'ix_mailchimp_queue_retrying', columnNames: ['account_id', 'attempts'] }),
      new TableIndex({ name: 'ix_mailchimp_queue_enqueued', columnNames: ['account_id', 'enqueued_at'] }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('mailchimp_queue', 'ix_mailchimp_queue_enqueued');
    await q.dropIndex('mailchimp_queue', 'ix_mailchimp_queue_retrying');
    for (const c of ['backfill_done_at', 'backfill_started_at', 'backfill_queued', 'backfill_cursor'])
      await q.dropColumn('mailchimp_connections', c);
  }
}
