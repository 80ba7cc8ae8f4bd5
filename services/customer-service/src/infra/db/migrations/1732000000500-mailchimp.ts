import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;
const int = (name: string) => ({ name, type: 'int', default: 0 });

/** Issue #19: the Mailchimp connection per account, its sync queue, and the members synced. */
export class Mailchimp1732000000500 implements MigrationInterface {
  name = 'Mailchimp1732000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'mailchimp_connections',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          text('api_key_sealed', false),
          vc('base_url', 255, false),
          vc('audience_id', 64, false),
          vc('audience_name', 190),
          { name: 'tag_with_store', type: 'boolean' },
          vc('sync_not_subscribed', 16, false),
          vc('webhook_token', 64, false),
          dt('last_success_at', true),
          dt('last_error_at', true),
          vc('last_error', 500),
          int('synced_count'),
          int('skipped_count'),
          int('failed_count'),
          int('deleted_count'),
          int('webhook_count'),
          dt('created_at'),
          dt('updated_at'),
        ],
      }),
    );
    await q.createIndex(
      'mailchimp_connections',
      new TableIndex({ name: 'uq_mailchimp_webhook_token', columnNames: ['webhook_token'], isUnique: true }),
    );
    await q.createTable(
      new Table({
        name: 'mailchimp_queue',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          vc('token', 64, false),
          int('attempts'),
          dt('enqueued_at'),
          dt('next_attempt_at'),
        ],
      }),
    );
    await q.createIndex(
      'mailchimp_queue',
      new TableIndex({ name: 'ix_mailchimp_queue_due', columnNames: ['account_id', 'next_attempt_at'] }),
    );
    await q.createTable(
      new Table({
        name: 'mailchimp_members',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          vc('hash', 32, false),
          dt('synced_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('mailchimp_members');
    await q.dropTable('mailchimp_queue');
    await q.dropTable('mailchimp_connections');
  }
}
