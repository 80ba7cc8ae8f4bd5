import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isMysql } from '@crp/platform/db';

/**
 * A dry run keeps every row's changes (each field's value before and after) and warnings as JSON in
 * `import_row_reports`. Their size is bounded by the customer fields' limits, not by TEXT: a row
 * that changes every field to a value at its limit, in a script of three UTF-8 bytes a character,
 * takes about 90,000 bytes, and on MySQL/MariaDB a TEXT column (65,535 bytes) refused it, so the
 * answer of customer-service could not be recorded and the dry run never completed. MEDIUMTEXT
 * (16 MB) holds every answer the contract allows. The row's cells stay TEXT: they come from the
 * file, unbounded, and are kept within CSV_IMPORT_LIMITS.rowBytes instead. SQLite's TEXT has no
 * such size: nothing to do there.
 */
export class ReportChangesMediumtext1796000000600 implements MigrationInterface {
  name = 'ReportChangesMediumtext1796000000600';

  async up(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.query(
      'ALTER TABLE import_row_reports MODIFY changes MEDIUMTEXT NULL, MODIFY warnings MEDIUMTEXT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.query('ALTER TABLE import_row_reports MODIFY changes TEXT NULL, MODIFY warnings TEXT NULL');
  }
}
