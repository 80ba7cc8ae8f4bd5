import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The job runner's two periodic reads, which without an index read every job ever created (ended
 * jobs are kept): with 200,000 completed jobs and 5 runnable ones each poll read 200,005 rows
 * (35 ms) and each purge 200,005 (93 ms); by these, 5 and 0 (docs/performance.md).
 *
 * - `runnableJobIds` (every poll, `CSV_IMPORT_POLL_MS`): `status IN ('queued','running') AND
 *   read_done = false AND (lease lapsed) ORDER BY created_at LIMIT n` reads the unread jobs of
 *   those two statuses only, and sorts those few.
 * - `finishedWithFiles` (the file purge, every minute): `file_path IS NOT NULL AND status IN (ended)
 *   AND finished_at < ?` reads the jobs whose file is still on disk only (a purged job's path is
 *   NULL), not every ended job.
 *
 * Both are read by plain (non-locking) SELECTs only. Every UPDATE of a job still reaches its row by
 * the primary key (`WHERE id = ?`), so the workers' updates lock the row first and then the entries
 * these indexes hold for it, always in that order: two updates of one job cannot deadlock through
 * them (the reason migration 1796000000300 left status and lease unindexed).
 */
export class RunnerPollIndexes1796000000500 implements MigrationInterface {
  name = 'RunnerPollIndexes1796000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'import_jobs',
      new TableIndex({
        name: 'idx_import_jobs_runnable',
        columnNames: ['status', 'read_done', 'created_at'],
      }),
    );
    await q.createIndex(
      'import_jobs',
      new TableIndex({ name: 'idx_import_jobs_file_finished', columnNames: ['file_path', 'finished_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('import_jobs', 'idx_import_jobs_file_finished');
    await q.dropIndex('import_jobs', 'idx_import_jobs_runnable');
  }
}
