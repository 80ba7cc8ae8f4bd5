import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;

/**
 * SPEC §2's write side: the consent history (R2.9) and erasure time (R2.10) of each record, the
 * log of changes made outside the order stream (edits, status changes, merges, erasures), and the
 * privacy requests with their legal basis.
 */
export class ChangeLogPrivacy1732000000300 implements MigrationInterface {
  name = 'ChangeLogPrivacy1732000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('customers', [
      new TableColumn(text('consent_history')),
      new TableColumn(dt('erased_at', true)),
    ]);
    await q.createTable(
      new Table({
        name: 'customer_changes',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('customer_id', 40, false),
          dt('at'),
          vc('actor', 190, false),
          vc('source', 16, false),
          vc('kind', 16, false),
          text('changes', false),
        ],
        indices: [
          new TableIndex({ name: 'idx_changes_customer', columnNames: ['account_id', 'customer_id', 'at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'privacy_requests',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('customer_id', 40, false),
          vc('type', 16, false),
          vc('basis', 16, false),
          vc('note', 1000),
          vc('status', 16, false),
          vc('requested_by', 190, false),
          dt('requested_at'),
          dt('completed_at', true),
          vc('completed_by', 190),
          text('outcome'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_privacy_customer',
            columnNames: ['account_id', 'customer_id', 'status'],
          }),
          new TableIndex({ name: 'idx_privacy_account', columnNames: ['account_id', 'requested_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('privacy_requests');
    await q.dropTable('customer_changes');
    await q.dropColumn('customers', 'erased_at');
    await q.dropColumn('customers', 'consent_history');
  }
}
