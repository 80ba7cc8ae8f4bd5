import { link, open } from 'node:fs/promises';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { conflict, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { UTF8_BOM } from '../domain/file-format';
import { isFinished } from '../domain/import-job';
import { ImportJobEntity, type ImportJobRow } from '../infra/db/entities';
import { endJob, findJob, insertJob } from '../infra/db/repositories';
import { readCsv } from '../infra/files/csv-reader';
import type { UploadStore } from '../infra/files/upload-store';
import { chunkEvent } from './chunk-events';
import { jobView } from './job-view';

/**
 * Cancels a queued or running job. Rows already sent stay applied and keep being counted as
 * their answers arrive; no further row is sent (the worker's next checkpoint fails and it stops).
 * A customer job that sent chunks gets a final, empty chunk, so customer-service can drop what it
 * kept for the job (a dry run's would-be state).
 */
export async function cancelImport(db: Database, outbox: Outbox, accountId: string, jobId: string) {
  const job = await db.transaction(async (tx) => {
    const before = await findJob(tx, accountId, jobId);
    if (!before) throw notFound(`Import job ${jobId}`);
    if (isFinished(before.status)) throw conflict(`Import job ${jobId} is already ${before.status}`);
    if (!(await endJob(tx, accountId, jobId, 'cancelled', new Date()))) {
      throw conflict(`Import job ${jobId} ended meanwhile`);
    }
    const after = (await findJob(tx, accountId, jobId))!;
    if (after.kind === 'customers' && after.nextChunk > 1) {
      await outbox.add(tx, chunkEvent(after, after.nextChunk, true, []));
      await tx.getRepository(ImportJobEntity).update({ id: jobId }, { nextChunk: after.nextChunk + 1 });
    }
    return after;
  });
  return jobView(job);
}

/**
 * "Dry run, then import": a new job that imports the dry run's file for real, with the same
 * format and mapping, without uploading it again. The file is shared through a hard link.
 */
export async function applyDryRun(
  db: Database,
  store: UploadStore,
  accountId: string,
  jobId: string,
  createdBy: string,
  onQueued?: () => void,
) {
  const source = await db.transaction((tx) => findJob(tx, accountId, jobId));
  if (!source) throw notFound(`Import job ${jobId}`);
  if (!source.dryRun) throw conflict(`Import job ${jobId} is not a dry run`);
  if (source.status !== 'completed')
    throw conflict(`Dry run ${jobId} is ${source.status}; apply it once it completed`);
  if (!(await store.exists(source.filePath))) {
    throw conflict(`The file of dry run ${jobId} is no longer kept: upload it again`);
  }
  const id = newId('imp');
  const path = store.pathFor(id);
  await link(source.filePath!, path);
  try {
    const { offset, line } = await dataStart(source, path);
    const now = new Date();
    const job: ImportJobRow = {
      ...source,
      id,
      status: 'queued',
      dryRun: false,
      filePath: path,
      warnings: source.warnings,
      error: null,
      bytesRead: offset,
      nextLine: line,
      nextChunk: 1,
      rowsRead: 0,
      blankRows: 0,
      readDone: false,
      sentRows: 0,
      answeredRows: 0,
      totalRows: 0,
      processedRows: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      leaseOwner: null,
      leaseUntil: null,
      attempts: 0,
      sourceJobId: source.id,
      createdBy,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      runStartedAt: null,
      processedAtRunStart: 0,
      finishedAt: null,
    };
    await db.transaction((tx) => insertJob(tx, job));
    onQueued?.();
    return jobView(job);
  } catch (err) {
    await store.remove(path);
    throw err;
  }
}

/** Where the rows of a stored file start: after the BOM and the header record. */
async function dataStart(job: ImportJobRow, path: string): Promise<{ offset: number; line: number }> {
  const fh = await open(path, 'r');
  const head = Buffer.alloc(3);
  await fh.read(head, 0, 3, 0);
  await fh.close();
  const bom = head.equals(UTF8_BOM) ? 3 : 0;
  for await (const item of readCsv({
    path,
    offset: bom,
    line: 1,
    delimiter: job.delimiter,
    encoding: job.encoding,
    firstOnly: true,
  })) {
    return { offset: item.endOffset, line: item.nextLine };
  }
  return { offset: bom, line: 2 };
}
