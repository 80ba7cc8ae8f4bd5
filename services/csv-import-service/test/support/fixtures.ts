import { newId } from '@crp/platform/ids';
import type { Database } from '@crp/platform/db';
import { ImportJobEntity, type ImportJobRow } from '../../src/infra/db/entities';

export { TEST_SECRET as SECRET } from '@crp/testing/service-env';

let clock = Date.parse('2026-11-23T10:00:00.000Z');

/** A job row written directly (as if uploaded and running); each call is a second newer. */
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
    dryRun: false,
    fileName: 'customers.csv',
    filePath: null,
    fileSize: 100,
    encoding: 'utf-8',
    delimiter: ',',
    dateOrder: 'iso',
    storeId: null,
    header: ['Email'],
    mapping: {
      profile: 'generic',
      columns: [{ index: 0, header: 'Email', fields: ['email'] }],
      ignored: [],
      warnings: [],
    },
    columnMapping: null,
    warnings: [],
    error: null,
    bytesRead: 100,
    nextLine: 5,
    nextChunk: 2,
    rowsRead: 3,
    blankRows: 0,
    readDone: true,
    sentRows: 3,
    answeredRows: 0,
    totalRows: 3,
    processedRows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    leaseOwner: null,
    leaseUntil: null,
    attempts: 1,
    sourceJobId: null,
    createdBy: `user@${accountId}`,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    runStartedAt: at,
    processedAtRunStart: 0,
    finishedAt: null,
    ...fields,
  };
  await db.dataSource.getRepository(ImportJobEntity).insert(row);
  return row;
}
