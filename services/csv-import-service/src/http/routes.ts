import { Type } from '@sinclair/typebox';
import type { Database } from '@crp/platform/db';
import { route } from '@crp/platform/http';
import { IMPORT_KINDS, IMPORT_STATUSES } from '../domain/import-job';
import { getImport, listImports } from '../app/queries';

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const ImportJob = Type.Object({
  jobId: Type.String(),
  kind: literals(IMPORT_KINDS),
  status: literals(IMPORT_STATUSES),
  fileName: Type.String(),
  totalRows: Type.Integer(),
  processedRows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  columnMapping: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const JobId = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 40 }) });
const DEFAULT_LIMIT = 50;

export function importRoutes(db: Database) {
  return [
    route({
      method: 'get',
      path: '/v1/imports',
      operationId: 'listImports',
      summary: "This account's import jobs, newest first, with status and counts (R4.4)",
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
      method: 'get',
      path: '/v1/imports/:jobId',
      operationId: 'getImport',
      summary: 'One import job: status, progress and counts (R4.4)',
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
  ];
}
