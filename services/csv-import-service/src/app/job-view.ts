import type { ImportJobRow } from '../infra/db/entities';

/** The API shape of a job: status, progress and counts (R4.4), camelCase, ISO dates. */
export function jobView(j: ImportJobRow) {
  return {
    jobId: j.id,
    kind: j.kind,
    status: j.status,
    fileName: j.fileName,
    totalRows: j.totalRows,
    processedRows: j.processedRows,
    created: j.created,
    updated: j.updated,
    unchanged: j.unchanged,
    rejected: j.rejected,
    columnMapping: j.columnMapping,
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}
export type JobView = ReturnType<typeof jobView>;
