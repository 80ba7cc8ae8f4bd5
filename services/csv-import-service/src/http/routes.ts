import { Type } from '@sinclair/typebox';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { route } from '@crp/platform/http';
import { newId } from '@crp/platform/ids';
import { IMPORT_KINDS, IMPORT_STATUSES, ROW_OUTCOMES } from '../domain/import-job';
import { FieldChange } from '@crp/contracts/customer-import-fields';
import { createImport } from '../app/create-import';
import { applyDryRun, cancelImport } from '../app/job-actions';
import { errorsCsv, getImport, listImports, previewCsv, previewPage } from '../app/queries';
import { customerTemplate, orderTemplate } from '../app/templates';
import type { UploadStore } from '../infra/files/upload-store';
import { readMultipart } from './multipart';

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const count = Type.Integer({ minimum: 0 });

const ImportJob = Type.Object(
  {
    jobId: Type.String(),
    kind: literals(IMPORT_KINDS),
    status: literals(IMPORT_STATUSES),
    dryRun: Type.Boolean(),
    fileName: Type.String(),
    fileSize: count,
    format: Type.Object({
      encoding: Type.String(),
      delimiter: Type.String(),
      profile: Type.String({
        description: 'generic, prestashop-customers, prestashop-addresses, shopify-customers',
      }),
      dateOrder: Type.String(),
    }),
    columns: Type.Array(Type.Object({ header: Type.String(), fields: Type.Array(Type.String()) })),
    ignoredColumns: Type.Array(Type.Object({ header: Type.String(), reason: Type.String() })),
    warnings: Type.Array(Type.String()),
    error: Type.Union([Type.String(), Type.Null()]),
    totalRows: Type.Union([count, Type.Null()], { description: 'Known once the whole file is read' }),
    processedRows: count,
    counts: Type.Object({ created: count, updated: count, unchanged: count, rejected: count }),
    progress: Type.Object({
      rows: count,
      bytes: count,
      totalBytes: count,
      estimatedTotalRows: Type.Union([count, Type.Null()]),
      totalRowsExact: Type.Boolean(),
      percent: Type.Number(),
      rowsPerSecond: Type.Union([Type.Number(), Type.Null()]),
      etaSeconds: Type.Union([Type.Number(), Type.Null()]),
    }),
    timings: Type.Object({
      createdAt: Type.String({ format: 'date-time' }),
      startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      durationSeconds: Type.Union([Type.Number(), Type.Null()]),
    }),
    links: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: true },
);
/** GET /v1/imports/:jobId/preview: a page of a dry run's rows (app/queries.ts, previewPage). */
const PreviewPage = Type.Object({
  jobId: Type.String(),
  status: literals(IMPORT_STATUSES),
  complete: Type.Boolean({ description: 'The dry run has read and answered every row' }),
  counts: Type.Object({ created: count, updated: count, unchanged: count, rejected: count }),
  warnings: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object({
      lineNumber: Type.Integer({ minimum: 1 }),
      outcome: literals(ROW_OUTCOMES),
      customerId: Type.Union([Type.String(), Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
      changes: Type.Array(FieldChange, { description: 'Each value the row would change' }),
      clears: Type.Array(Type.String(), { description: 'The fields a blank cell would clear' }),
      warnings: Type.Array(Type.String()),
      cells: Type.Optional(Type.Array(Type.String(), { description: 'A rejected row’s cells as written' })),
    }),
  ),
  nextCursor: Type.Union([Type.Integer(), Type.Null()], { description: 'The last line of this page' }),
});
/** A CSV answer: UTF-8, a header line, then one record a line (documented per route). */
const csvText = (description: string) => ({
  description,
  content: { 'text/csv': Type.String({ description }) },
});
const JobId = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }) });
const DEFAULT_LIMIT = 50;
const csv = (name: string) => ({
  'Content-Type': 'text/csv; charset=utf-8',
  'Content-Disposition': `attachment; filename="${name}"`,
});

export interface ImportRouteDeps {
  db: Database;
  outbox: Outbox;
  store: UploadStore;
  maxUploadBytes: number;
  /** Wakes the job runner when a job is queued. */
  onQueued: () => void;
}

const UploadForm = Type.Object({
  file: Type.String({ format: 'binary', description: 'The CSV file' }),
  kind: literals(IMPORT_KINDS),
  dryRun: Type.Optional(
    Type.Boolean({ description: 'customers only: report what would change, change nothing' }),
  ),
  mapping: Type.Optional(
    Type.String({
      description: 'JSON: {"CSV header": "field" | ["field", …] | null}; overrides header matching',
    }),
  ),
  encoding: Type.Optional(
    Type.String({ description: 'utf-8, windows-1252, iso-8859-1, iso-8859-15; detected when absent' }),
  ),
  delimiter: Type.Optional(Type.String({ description: ', ; tab |; detected when absent' })),
  storeId: Type.Optional(
    Type.String({
      maxLength: TEXT_LIMITS.storeId,
      description: 'orders only: the store; default the manual store',
    }),
  ),
  dateOrder: Type.Optional(literals(['iso', 'mdy', 'dmy'])),
});

export function importRoutes(deps: ImportRouteDeps) {
  const { db } = deps;
  return [
    route({
      method: 'get',
      path: '/v1/imports',
      operationId: 'listImports',
      summary: "This account's import jobs, newest first, with status, progress and counts (R4.4)",
      tags: ['imports'],
      query: Type.Object({
        // Optional so the OpenAPI document does not call it required; ajv still fills the default.
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_LIMIT })),
      }),
      responses: { 200: { description: 'The jobs', schema: Type.Object({ jobs: Type.Array(ImportJob) }) } },
      handler: async ({ principal, query }) => ({
        body: await listImports(db, principal.accountId, query.limit ?? DEFAULT_LIMIT),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/imports',
      operationId: 'createImport',
      summary:
        'Upload a customer or order CSV (multipart/form-data); it runs as a job (R4.1, R4.4, R4.5, R3.2)',
      tags: ['imports'],
      bodyDoc: UploadForm,
      bodyContentType: 'multipart/form-data',
      responses: {
        202: { description: 'The job, queued', schema: ImportJob },
        400: { description: 'Bad fields, or an empty file' },
        413: { description: 'The file is over CSV_IMPORT_MAX_UPLOAD_BYTES' },
        415: { description: 'Not multipart, or the file is not CSV (binary, a workbook, UTF-16, JSON …)' },
        422: {
          description:
            'No column of the file is a field, the mapping cannot be used, no rows, or a header line wider than a job keeps (HEADER_TOO_LARGE)',
        },
      },
      handler: async ({ principal, req }) => {
        const jobId = newId('imp');
        const { fields, fileName, upload } = await readMultipart(req, deps.store, jobId, deps.maxUploadBytes);
        const job = await createImport(deps, {
          jobId,
          accountId: principal.accountId,
          createdBy: principal.userId,
          fileName,
          fields,
          upload,
        });
        return { status: 202, body: job, headers: { Location: `/v1/imports/${job.jobId}` } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/imports/templates/customers.csv',
      operationId: 'customerTemplate',
      summary: 'The customer CSV format: a header of every known column and example rows (SPEC §4)',
      tags: ['imports'],
      responses: { 200: csvText('The header of every known customer column, then example rows') },
      handler: () => ({ raw: customerTemplate(), headers: csv('customers-template.csv') }),
    }),
    route({
      method: 'get',
      path: '/v1/imports/templates/orders.csv',
      operationId: 'orderTemplate',
      summary: 'The order CSV format: a header of every known column and an example row (R3.2)',
      tags: ['imports'],
      responses: { 200: csvText('The header of every known order column, then an example row') },
      handler: () => ({ raw: orderTemplate(), headers: csv('orders-template.csv') }),
    }),
    route({
      method: 'get',
      path: '/v1/imports/:jobId',
      operationId: 'getImport',
      summary: 'One import job: status, progress (rows, bytes, total, rate, ETA), counts, timings (R4.4)',
      tags: ['imports'],
      params: JobId,
      responses: {
        200: { description: 'The job', schema: ImportJob },
        404: { description: 'No such job in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await getImport(db, principal.accountId, params.jobId),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/imports/:jobId/errors.csv',
      operationId: 'importErrors',
      summary: "Every rejected row: line, reason and the original cells under the file's header (R4.4)",
      tags: ['imports'],
      params: JobId,
      responses: {
        200: csvText(
          "line, reason, then the row's cells under the file's own header; one rejected row a line",
        ),
        404: { description: 'No such job in this account' },
      },
      handler: async ({ principal, params }) => {
        const { fileName, stream } = await errorsCsv(db, principal.accountId, params.jobId);
        return { stream, headers: csv(fileName) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/imports/:jobId/preview',
      operationId: 'importPreview',
      summary:
        'A dry run, row by row: would-be outcome, each value that would change, each field a blank cell clears (R4.3)',
      tags: ['imports'],
      params: JobId,
      query: Type.Object({
        cursor: Type.Optional(Type.Integer({ minimum: 0, description: 'nextCursor of the previous page' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        outcome: Type.Optional(literals(ROW_OUTCOMES)),
      }),
      responses: {
        200: { description: 'A page of rows', schema: PreviewPage },
        404: { description: 'No such job in this account' },
        409: { description: 'The job is not a dry run' },
      },
      handler: async ({ principal, params, query }) => ({
        body: await previewPage(db, principal.accountId, params.jobId, {
          cursor: query.cursor,
          limit: query.limit ?? 100,
          outcome: query.outcome,
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/imports/:jobId/preview.csv',
      operationId: 'importPreviewCsv',
      summary: 'The dry run preview as CSV: one line per change (R4.3)',
      tags: ['imports'],
      params: JobId,
      responses: {
        200: csvText(
          'line, outcome, customerId, field, before, after, clearedByBlank, reason, warnings; one change a line',
        ),
        404: { description: 'No such job in this account' },
        409: { description: 'The job is not a dry run' },
      },
      handler: async ({ principal, params }) => {
        const { fileName, stream } = await previewCsv(db, principal.accountId, params.jobId);
        return { stream, headers: csv(fileName) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/imports/:jobId/cancel',
      operationId: 'cancelImport',
      summary: 'Cancel a queued or running job: no further row is sent; rows already sent keep their answers',
      tags: ['imports'],
      params: JobId,
      responses: {
        200: { description: 'The job, cancelled', schema: ImportJob },
        404: { description: 'No such job in this account' },
        409: { description: 'The job already ended' },
      },
      handler: async ({ principal, params }) => ({
        body: await cancelImport(db, deps.outbox, principal.accountId, params.jobId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/imports/:jobId/apply',
      operationId: 'applyDryRun',
      summary: 'Import a completed dry run for real: a new job on the same file and mapping',
      tags: ['imports'],
      params: JobId,
      responses: {
        202: { description: 'The new job, queued', schema: ImportJob },
        404: { description: 'No such job in this account' },
        409: { description: 'Not a completed dry run, or its file is gone' },
      },
      handler: async ({ principal, params }) => {
        const job = await applyDryRun(
          db,
          deps.store,
          principal.accountId,
          params.jobId,
          principal.userId,
          deps.onQueued,
        );
        return { status: 202, body: job, headers: { Location: `/v1/imports/${job.jobId}` } };
      },
    }),
  ];
}
