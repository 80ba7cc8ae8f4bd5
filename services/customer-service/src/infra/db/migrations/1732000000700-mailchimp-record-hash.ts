import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

/**
 * `mailchimp_members.record_hash`: the record address a member link stands for, so that a member
 * moved in Mailchimp (`upemail` webhook) while the record kept a store-locked address is updated
 * where it now is instead of being re-created under the old address (issue #19). Null for the
 * links made before: the member stands for its own hash.
 */
export class MailchimpRecordHash1732000000700 implements MigrationInterface {
  name = 'MailchimpRecordHash1732000000700';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('mailchimp_members', new TableColumn(tableColumn.varchar('record_hash', 32)));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('mailchimp_members', 'record_hash');
  }
}
