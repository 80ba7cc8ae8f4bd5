import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;

/**
 * ADR 0024: a customer import dry run's would-be state, in tables rather than in memory. Per
 * (account, job): the records the run would have written (by id, with their would-be normalized
 * email indexed), the manual-store identities it would have created (by username), and the job
 * itself (when it last moved, when its final chunk came) for the sweep that deletes them.
 */
export class ImportDryRuns1732000000600 implements MigrationInterface {
  name = 'ImportDryRuns1732000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'import_dry_runs',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('job_id', 40, false), isPrimary: true },
          dt('touched_at'),
          dt('ended_at', true),
        ],
        indices: [new TableIndex({ name: 'idx_import_dry_runs_touched', columnNames: ['touched_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_dry_run_customers',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('job_id', 40, false), isPrimary: true },
          { ...vc('customer_id', 40, false), isPrimary: true },
          vc('email_normalized', 190),
          text('record', false),
        ],
        indices: [
          new TableIndex({
            name: 'idx_import_dry_run_customers_email',
            columnNames: ['account_id', 'job_id', 'email_normalized'],
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_dry_run_identities',
        columns: [
          { ...vc('account_id', 64, false), isPrimary: true },
          { ...vc('job_id', 40, false), isPrimary: true },
          { ...vc('username', 190, false), isPrimary: true },
          text('identity', false),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('import_dry_run_identities');
    await q.dropTable('import_dry_run_customers');
    await q.dropTable('import_dry_runs');
  }
}
