import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

/**
 * Disconnect and a reconnect to another audience no longer delete the account's queue rows and
 * member links inside the request (940,000 queue rows: 3.5 s in one statement): the request
 * records a cleanup in `mailchimp_cleanups` and the sync worker deletes the leftovers in batches
 * (docs/mailchimp.md, "Disconnecting"). Member links carry the `epoch` of the connection that made
 * them (`mailchimp_connections.members_epoch`, raised when the audience changes or the account
 * disconnects): the cleanup deletes the links below its `members_below` only, so the links of a
 * reconnect made meanwhile are never touched; `ix_mailchimp_members_epoch` reads them as a range.
 * Links made before are epoch 0, as are existing connections.
 */
export class MailchimpCleanup1732000000860 implements MigrationInterface {
  name = 'MailchimpCleanup1732000000860';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'mailchimp_connections',
      new TableColumn({ name: 'members_epoch', type: 'int', default: 0 }),
    );
    await q.addColumn('mailchimp_members', new TableColumn({ name: 'epoch', type: 'int', default: 0 }));
    await q.createIndex(
      'mailchimp_members',
      new TableIndex({ name: 'ix_mailchimp_members_epoch', columnNames: ['account_id', 'epoch'] }),
    );
    await q.createTable(
      new Table({
        name: 'mailchimp_cleanups',
        columns: [
          { ...tableColumn.varchar('account_id', 64, false), isPrimary: true },
          { name: 'clear_queue', type: 'boolean', default: false },
          { name: 'members_below', type: 'int', default: 0 },
          tableColumn.datetime('started_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('mailchimp_cleanups');
    await q.dropIndex('mailchimp_members', 'ix_mailchimp_members_epoch');
    await q.dropColumn('mailchimp_members', 'epoch');
    await q.dropColumn('mailchimp_connections', 'members_epoch');
  }
}
