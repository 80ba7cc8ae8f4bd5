import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;

const count = (name: string) => ({ name, type: 'int', default: 0 });

export class CreateImportJobs1732000000300 implements MigrationInterface {
  name = 'CreateImportJobs1732000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'import_jobs',
        columns: [
          { ...vc('id', 40, false), isPrimary: true },
          vc('account_id', 64, false),
          vc('kind', 16, false),
          vc('status', 16, false),
          vc('file_name', 255, false),
          count('total_rows'),
          count('processed_rows'),
          count('created'),
          count('updated'),
          count('unchanged'),
          count('rejected'),
          text('column_mapping'),
          vc('created_by', 190, false),
          dt('created_at'),
          dt('updated_at'),
          dt('finished_at', true),
        ],
        indices: [
          // The job list is per account, newest first.
          new TableIndex({
            name: 'idx_import_jobs_account_created',
            columnNames: ['account_id', 'created_at'],
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_row_reports',
        columns: [
          // One report per line: a result delivered again replaces it instead of adding a row.
          { ...vc('job_id', 40, false), isPrimary: true },
          { name: 'line_number', type: 'int', isPrimary: true },
          vc('account_id', 64, false),
          vc('outcome', 16, false),
          text('reason'),
          vc('customer_id', 40),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['import_row_reports', 'import_jobs']) {
      await q.dropTable(t);
    }
  }
}
