import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { MAILCHIMP_LIMITS } from '@crp/contracts/limits';
import { tableColumn } from '@crp/platform/columns';

/**
 * The status of a disconnected account (docs/mailchimp.md, "Status"): a disconnect deletes the
 * connection row in the request and leaves its queue rows and member links to the worker; the
 * status used to answer 404 at once, so the cleanup of a large account could not be followed.
 * `mailchimp_disconnections` keeps the last disconnect of an account not connected since (when,
 * the audience, when the worker deleted the last of what it left). Accounts disconnected before,
 * whose cleanup is still pending, get a row (their audience is no longer known).
 */
export class MailchimpDisconnections1732000000890 implements MigrationInterface {
  name = 'MailchimpDisconnections1732000000890';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'mailchimp_disconnections',
        columns: [
          { ...tableColumn.varchar('account_id', 64, false), isPrimary: true },
          tableColumn.varchar('audience_id', MAILCHIMP_LIMITS.audienceIdMax),
          tableColumn.varchar('audience_name', 190),
          tableColumn.datetime('disconnected_at'),
          tableColumn.datetime('cleanup_done_at', true),
        ],
      }),
    );
    await q.query(
      `INSERT INTO mailchimp_disconnections (account_id, audience_id, audience_name, disconnected_at, cleanup_done_at)
       SELECT c.account_id, NULL, NULL, c.started_at, NULL FROM mailchimp_cleanups c
        WHERE NOT EXISTS (SELECT 1 FROM mailchimp_connections m WHERE m.account_id = c.account_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('mailchimp_disconnections');
  }
}
