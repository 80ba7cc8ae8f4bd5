import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isMysql } from '@crp/platform/db';
import { tableColumn } from '@crp/platform/columns';

const { datetime: dt, varchar: vc, text } = tableColumn;
const int = (name: string) => ({ name, type: 'int', default: 0 });

/**
 * Uploads, resumable runs and chunked answers (issue 16): the job keeps its file, how it is
 * written, its column mapping and a checkpoint (byte offset, line, next chunk) that moves in the
 * transaction that publishes each chunk; chunks and counted answers get tables of their own.
 */
export class ImportJobsRunAndResume1796000000300 implements MigrationInterface {
  name = 'ImportJobsRunAndResume1796000000300';

  async up(q: QueryRunner): Promise<void> {
    const big = (name: string, withDefault = true) => ({
      name,
      type: isMysql(q) ? 'bigint' : 'integer',
      ...(withDefault ? { default: 0 } : {}),
    });
    const bool = (name: string) => ({ name, type: 'boolean', default: false });
    await q.addColumns(
      'import_jobs',
      [
        bool('dry_run'),
        vc('file_path', 500),
        big('file_size'),
        { ...vc('encoding', 16, false), default: "'utf-8'" },
        { ...vc('delimiter', 2, false), default: "','" },
        { ...vc('date_order', 8, false), default: "'iso'" },
        vc('store_id', 80),
        // JSON text; nullable so the migration needs no TEXT default (the code always writes them).
        text('header'),
        text('mapping'),
        text('warnings'),
        text('error'),
        big('bytes_read'),
        int('next_line'),
        int('next_chunk'),
        int('rows_read'),
        int('blank_rows'),
        bool('read_done'),
        int('sent_rows'),
        int('answered_rows'),
        vc('lease_owner', 64),
        dt('lease_until', true),
        int('attempts'),
        vc('source_job_id', 40),
        dt('started_at', true),
        dt('run_started_at', true),
        int('processed_at_run_start'),
      ].map((c) => new TableColumn(c)),
    );
    // No index on status or lease: the workers' updates of those columns would then lock index
    // entries as well as the row, and two updates reaching one row through different indexes
    // deadlock on MySQL. Every update goes through the primary key; the few unfinished jobs a
    // worker looks for are found by a scan of a small table.
    await q.query(`UPDATE import_jobs SET status = 'queued' WHERE status = 'pending'`);
    await q.addColumns('import_row_reports', [
      new TableColumn(vc('order_id', 40)),
      new TableColumn(text('cells')),
      new TableColumn(text('changes')),
      new TableColumn(text('warnings')),
    ]);
    await q.createTable(
      new Table({
        name: 'import_chunks',
        columns: [
          { ...vc('job_id', 40, false), isPrimary: true },
          { name: 'seq', type: 'int', isPrimary: true },
          { name: 'first_line', type: 'int' },
          { name: 'last_line', type: 'int' },
          big('byte_start', false),
          big('byte_end', false),
          { name: 'rows', type: 'int' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_answers',
        columns: [
          { ...vc('job_id', 40, false), isPrimary: true },
          { name: 'chunk', type: 'int', isPrimary: true },
          { name: 'part', type: 'int', isPrimary: true },
          { name: 'rows', type: 'int' },
          dt('received_at'),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('import_answers');
    await q.dropTable('import_chunks');
    for (const c of ['warnings', 'changes', 'cells', 'order_id']) await q.dropColumn('import_row_reports', c);
    for (const c of [
      'processed_at_run_start',
      'run_started_at',
      'started_at',
      'source_job_id',
      'attempts',
      'lease_until',
      'lease_owner',
      'answered_rows',
      'sent_rows',
      'read_done',
      'blank_rows',
      'rows_read',
      'next_chunk',
      'next_line',
      'bytes_read',
      'error',
      'warnings',
      'mapping',
      'header',
      'store_id',
      'date_order',
      'delimiter',
      'encoding',
      'file_size',
      'file_path',
      'dry_run',
    ]) {
      await q.dropColumn('import_jobs', c);
    }
  }
}
