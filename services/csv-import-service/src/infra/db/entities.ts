import { EntitySchema, type ValueTransformer } from 'typeorm';
import { entityColumn } from '@crp/platform/columns';
import type { FieldChange } from '@crp/contracts/customer-import-fields';
import type { ColumnMapping, ExplicitMapping } from '../../domain/columns';
import type { Delimiter, Encoding } from '../../domain/file-format';
import type { ImportKind, ImportStatus, RowOutcome } from '../../domain/import-job';
import type { DateOrder } from '../../domain/values';

const { datetime: dt, varchar: vc } = entityColumn;

/** MySQL may hand BIGINT back as a string; byte offsets of files over 2 GB need 64 bits. */
const bigintAsNumber: ValueTransformer = {
  to: (v: number | null) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

export interface ImportJobRow {
  id: string;
  accountId: string;
  kind: ImportKind;
  status: ImportStatus;
  dryRun: boolean;
  fileName: string;
  /** The stored upload (CSV_IMPORT_DIR); null once the file was purged. */
  filePath: string | null;
  fileSize: number;
  encoding: Encoding;
  delimiter: Delimiter;
  dateOrder: DateOrder;
  /** Orders: the store they belong to; null = the manual store. */
  storeId: string | null;
  /** The header cells as written. */
  header: string[];
  /** Which column feeds which field, as resolved at upload. */
  mapping: ColumnMapping;
  /** The mapping the request sent, as sent; null when it sent none. */
  columnMapping: ExplicitMapping | null;
  warnings: string[];
  error: string | null;
  /** Checkpoint: file offset of the next unread row, its line number, the next chunk's number. */
  bytesRead: number;
  nextLine: number;
  nextChunk: number;
  rowsRead: number;
  blankRows: number;
  readDone: boolean;
  /** Rows sent to the owning service, and rows it has answered. */
  sentRows: number;
  answeredRows: number;
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  attempts: number;
  sourceJobId: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  runStartedAt: Date | null;
  processedAtRunStart: number;
  finishedAt: Date | null;
}

export interface ImportRowReportRow {
  jobId: string;
  lineNumber: number;
  accountId: string;
  outcome: RowOutcome;
  reason: string | null;
  customerId: string | null;
  orderId: string | null;
  /** The row's cells as written (kept for rejected rows: the error report shows them). */
  cells: string[] | null;
  /** Dry run: what the row would change. */
  changes: FieldChange[] | null;
  warnings: string[] | null;
}

/** One published chunk: which lines and bytes of the file it holds (to find a rejected row's cells). */
export interface ImportChunkRow {
  jobId: string;
  seq: number;
  firstLine: number;
  lastLine: number;
  byteStart: number;
  byteEnd: number;
  rows: number;
}

/** One answer part counted: (job, chunk, part) is counted once however often it arrives. */
export interface ImportAnswerRow {
  jobId: string;
  chunk: number;
  part: number;
  rows: number;
  receivedAt: Date;
}

const count = (name: string) => ({ name, type: 'int' as const, default: 0 });
const big = (name: string) => ({ name, type: 'bigint' as const, default: 0, transformer: bigintAsNumber });
const json = (name: string, nullable = true) => ({ name, type: 'simple-json' as const, nullable });

export const ImportJobEntity = new EntitySchema<ImportJobRow>({
  name: 'ImportJob',
  tableName: 'import_jobs',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    kind: vc('kind', 16, false),
    status: vc('status', 16, false),
    dryRun: { name: 'dry_run', type: 'boolean', default: false },
    fileName: vc('file_name', 255, false),
    filePath: vc('file_path', 500),
    fileSize: big('file_size'),
    encoding: vc('encoding', 16, false),
    delimiter: vc('delimiter', 2, false),
    dateOrder: vc('date_order', 8, false),
    storeId: vc('store_id', 80),
    header: json('header', false),
    mapping: json('mapping', false),
    columnMapping: json('column_mapping'),
    warnings: json('warnings', false),
    error: { type: 'text', nullable: true },
    bytesRead: big('bytes_read'),
    nextLine: count('next_line'),
    nextChunk: count('next_chunk'),
    rowsRead: count('rows_read'),
    blankRows: count('blank_rows'),
    readDone: { name: 'read_done', type: 'boolean', default: false },
    sentRows: count('sent_rows'),
    answeredRows: count('answered_rows'),
    totalRows: count('total_rows'),
    processedRows: count('processed_rows'),
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
    leaseOwner: vc('lease_owner', 64),
    leaseUntil: dt('lease_until', true),
    attempts: count('attempts'),
    sourceJobId: vc('source_job_id', 40),
    createdBy: vc('created_by', 190, false),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
    startedAt: dt('started_at', true),
    runStartedAt: dt('run_started_at', true),
    processedAtRunStart: count('processed_at_run_start'),
    finishedAt: dt('finished_at', true),
  },
});

export const ImportRowReportEntity = new EntitySchema<ImportRowReportRow>({
  name: 'ImportRowReport',
  tableName: 'import_row_reports',
  columns: {
    jobId: { ...vc('job_id', 40, false), primary: true },
    lineNumber: { name: 'line_number', type: 'int', primary: true },
    accountId: vc('account_id', 64, false),
    outcome: vc('outcome', 16, false),
    reason: { type: 'text', nullable: true },
    customerId: vc('customer_id', 40),
    orderId: vc('order_id', 40),
    cells: json('cells'),
    // MEDIUMTEXT on MySQL (migration 1796000000600): a dry run's changes may pass 64 KB.
    changes: json('changes'),
    warnings: json('warnings'),
  },
});

export const ImportChunkEntity = new EntitySchema<ImportChunkRow>({
  name: 'ImportChunk',
  tableName: 'import_chunks',
  columns: {
    jobId: { ...vc('job_id', 40, false), primary: true },
    seq: { type: 'int', primary: true },
    firstLine: { name: 'first_line', type: 'int' },
    lastLine: { name: 'last_line', type: 'int' },
    byteStart: { ...big('byte_start'), default: undefined },
    byteEnd: { ...big('byte_end'), default: undefined },
    rows: { type: 'int' },
  },
});

export const ImportAnswerEntity = new EntitySchema<ImportAnswerRow>({
  name: 'ImportAnswer',
  tableName: 'import_answers',
  columns: {
    jobId: { ...vc('job_id', 40, false), primary: true },
    chunk: { type: 'int', primary: true },
    part: { type: 'int', primary: true },
    rows: { type: 'int' },
    receivedAt: dt('received_at'),
  },
});

export const importEntities = [ImportJobEntity, ImportRowReportEntity, ImportChunkEntity, ImportAnswerEntity];
