import { EntitySchema } from 'typeorm';
import { entityColumn } from '@crp/platform/columns';
import type { ImportKind, ImportStatus, RowOutcome } from '../../domain/import-job';

const { datetime: dt, varchar: vc } = entityColumn;

export interface ImportJobRow {
  id: string;
  accountId: string;
  kind: ImportKind;
  status: ImportStatus;
  fileName: string;
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** CSV header -> field, as the user mapped it (R3.2); null until mapped. */
  columnMapping: Record<string, string> | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface ImportRowReportRow {
  jobId: string;
  lineNumber: number;
  accountId: string;
  outcome: RowOutcome;
  reason: string | null;
  customerId: string | null;
}

const count = (name: string) => ({ name, type: 'int' as const, default: 0 });

export const ImportJobEntity = new EntitySchema<ImportJobRow>({
  name: 'ImportJob',
  tableName: 'import_jobs',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    kind: vc('kind', 16, false),
    status: vc('status', 16, false),
    fileName: vc('file_name', 255, false),
    totalRows: count('total_rows'),
    processedRows: count('processed_rows'),
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
    columnMapping: { name: 'column_mapping', type: 'simple-json', nullable: true },
    createdBy: vc('created_by', 190, false),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
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
  },
});

export const importEntities = [ImportJobEntity, ImportRowReportEntity];
