import { newId } from '@crp/platform/ids';
import type { Database } from '@crp/platform/db';
import { ImportJobEntity, type ImportJobRow } from '../../src/infra/db/entities';

export { TEST_SECRET as SECRET } from '@crp/testing/service-env';

let clock = Date.parse('2026-11-23T10:00:00.000Z');

/** A job row as the upload flow (not built yet) will create it; each call is a second newer. */
export async function insertJob(
  db: Database,
  accountId: string,
  fields: Partial<ImportJobRow> = {},
): Promise<ImportJobRow> {
  clock += 1000;
  const at = new Date(clock);
  const row: ImportJobRow = {
    id: newId('imp'),
    accountId,
    kind: 'customers',
    status: 'running',
    fileName: 'customers.csv',
    totalRows: 3,
    processedRows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    columnMapping: null,
    createdBy: `user@${accountId}`,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
    ...fields,
  };
  await db.dataSource.getRepository(ImportJobEntity).insert(row);
  return row;
}
