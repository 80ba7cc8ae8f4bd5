import { progressOf } from '../domain/import-job';
import type { ImportJobRow } from '../infra/db/entities';

/** The API shape of a job: status, progress, counts and timings (R4.4), camelCase, ISO dates. */
export function jobView(j: ImportJobRow, now = new Date()) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const base = `/v1/imports/${j.id}`;
  return {
    jobId: j.id,
    kind: j.kind,
    status: j.status,
    dryRun: j.dryRun,
    fileName: j.fileName,
    fileSize: j.fileSize,
    format: {
      encoding: j.encoding,
      delimiter: j.delimiter === '\t' ? 'tab' : j.delimiter,
      profile: j.mapping?.profile ?? 'generic',
      dateOrder: j.dateOrder,
    },
    storeId: j.storeId,
    columns: (j.mapping?.columns ?? []).map((c) => ({ header: c.header, fields: c.fields })),
    ignoredColumns: (j.mapping?.ignored ?? []).map((c) => ({ header: c.header, reason: c.reason })),
    columnMapping: j.columnMapping,
    warnings: j.warnings ?? [],
    error: j.error,
    totalRows: j.readDone ? j.totalRows : null,
    processedRows: j.processedRows,
    counts: { created: j.created, updated: j.updated, unchanged: j.unchanged, rejected: j.rejected },
    // Flat copies of the counts, as the job list has always had them.
    created: j.created,
    updated: j.updated,
    unchanged: j.unchanged,
    rejected: j.rejected,
    blankRows: j.blankRows,
    progress: progressOf({
      status: j.status,
      fileSize: j.fileSize,
      bytesRead: j.bytesRead,
      rowsRead: j.rowsRead,
      processedRows: j.processedRows,
      totalRows: j.readDone ? j.totalRows : null,
      runStartedAt: j.runStartedAt,
      processedAtRunStart: j.processedAtRunStart,
      finishedAt: j.finishedAt,
      now,
    }),
    timings: {
      createdAt: j.createdAt.toISOString(),
      startedAt: iso(j.startedAt),
      finishedAt: iso(j.finishedAt),
      durationSeconds:
        j.startedAt && j.finishedAt
          ? Math.round((j.finishedAt.getTime() - j.startedAt.getTime()) / 100) / 10
          : null,
    },
    attempts: j.attempts,
    sourceJobId: j.sourceJobId,
    links: {
      self: base,
      errors: `${base}/errors.csv`,
      ...(j.dryRun
        ? { preview: `${base}/preview`, previewCsv: `${base}/preview.csv`, apply: `${base}/apply` }
        : {}),
      cancel: `${base}/cancel`,
    },
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
    finishedAt: iso(j.finishedAt),
  };
}
export type JobView = ReturnType<typeof jobView>;
