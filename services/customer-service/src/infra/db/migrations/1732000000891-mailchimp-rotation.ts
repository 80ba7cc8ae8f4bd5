import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

/**
 * Where the Mailchimp worker's turn over the accounts stands, per kind of work (`due` rows, running
 * `backfill`s, pending `cleanup`s): the last account a pass served. Kept in memory per process
 * before, it began again at the first account after every restart (an account past the first 20
 * waited for as long as restarts came sooner than its turn) and each instance took its own turn;
 * now every instance reads and moves the same row (locked while a pass picks its accounts), so
 * consecutive passes, of one instance or of several, serve the next accounts. The rows are made
 * here, so that a pass always locks an existing row.
 */
export class MailchimpRotation1732000000891 implements MigrationInterface {
  name = 'MailchimpRotation1732000000891';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'mailchimp_rotation',
        columns: [
          { ...tableColumn.varchar('kind', 16, false), isPrimary: true },
          { ...tableColumn.varchar('after_account', 64, false), default: "''" },
          tableColumn.datetime('updated_at', true),
        ],
      }),
    );
    await q.query(
      "INSERT INTO mailchimp_rotation (kind, after_account) VALUES ('due', ''), ('backfill', ''), ('cleanup', '')",
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('mailchimp_rotation');
  }
}
