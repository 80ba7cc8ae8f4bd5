import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * R4.4: the error report and the dry-run preview read a job's row reports of one outcome, page by
 * page (`WHERE account_id = ? AND job_id = ? AND line_number > ? AND outcome = ? ORDER BY
 * line_number LIMIT n`). By the primary key (job_id, line_number) a rare outcome read the rest of
 * the job for every page: a 1,000,000-row job with 5 rejected rows read 1,000,000 rows for its
 * error report. (job_id, outcome, line_number) reads the page and stops. The account is not in it:
 * a job id is unique, and the account is checked on the page's rows.
 */
export class ReportOutcomeIndex1796000000400 implements MigrationInterface {
  name = 'ReportOutcomeIndex1796000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'import_row_reports',
      new TableIndex({
        name: 'idx_reports_job_outcome_line',
        columnNames: ['job_id', 'outcome', 'line_number'],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('import_row_reports', 'idx_reports_job_outcome_line');
  }
}
