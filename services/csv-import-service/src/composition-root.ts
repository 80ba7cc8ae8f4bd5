import type {
  CustomerImportRowResultV1,
  CustomerImportRowResultV2,
} from '@crp/contracts/events/customer-import-row-result';
import {
  assembleService,
  type Overrides,
  type ServiceDefinition,
  type ServiceDeps,
} from '@crp/service-kit/assemble';
import { JobRunner } from './app/job-runner';
import { recordChunkAnswers, recordRowResultV1 } from './app/record-answers';
import { SERVICE, type Config } from './config';
import { importEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { UploadStore } from './infra/files/upload-store';
import { importRoutes } from './http/routes';

/** The schema of the service (for `npm run migrate`). */
export const schema = { service: SERVICE, entities: importEntities, migrations };

/**
 * Wires csv-import-service: the HTTP API, the answer consumers and the job runner that reads
 * uploads and publishes their rows. Nothing listens here: main.ts does, tests use supertest on `app`.
 */
export async function createCsvImportService(config: Config, overrides: Overrides = {}) {
  const store = new UploadStore(config.CSV_IMPORT_DIR);
  let runner: JobRunner | null = null;
  const runnerFor = (deps: ServiceDeps) =>
    (runner ??= new JobRunner({
      db: deps.db,
      outbox: deps.outbox,
      store,
      logger: deps.logger.child({ component: 'import-runner' }),
      concurrency: config.CSV_IMPORT_CONCURRENCY,
      pollMs: config.CSV_IMPORT_POLL_MS,
      leaseMs: config.CSV_IMPORT_LEASE_MS,
      maxAttempts: config.CSV_IMPORT_MAX_ATTEMPTS,
      chunkRows: config.CSV_IMPORT_CHUNK_ROWS,
      maxRowsInFlight: config.CSV_IMPORT_MAX_ROWS_IN_FLIGHT,
      fileRetentionMs: config.CSV_IMPORT_FILE_RETENTION_MS,
    }));
  const definition: ServiceDefinition = {
    ...schema,
    version: '0.2.0',
    description:
      'CSV imports of customers and orders as resumable jobs, with progress, previews and row reports (SPEC §3–§4).',
    routes: (deps) =>
      importRoutes({
        db: deps.db,
        outbox: deps.outbox,
        store,
        maxUploadBytes: config.CSV_IMPORT_MAX_UPLOAD_BYTES,
        onQueued: () => runnerFor(deps).nudge(),
      }),
    batchHandlers: (deps) => {
      const onAnswered = (jobId: string) => runnerFor(deps).answered(jobId);
      return {
        CustomerImportRowResult: async (events, tx, meta) => {
          const chunked: CustomerImportRowResultV2[] = [];
          for (const e of events) {
            if (e.eventVersion === 1) await recordRowResultV1(e as CustomerImportRowResultV1, tx, meta.log);
            else chunked.push(e);
          }
          await recordChunkAnswers('customers', chunked, tx, { log: meta.log, onAnswered });
        },
        OrderImportRowResult: async (events, tx, meta) => {
          await recordChunkAnswers('orders', events, tx, { log: meta.log, onAnswered });
        },
      };
    },
  };
  const handle = await assembleService(definition, config, overrides);
  const jobs = runnerFor(handle);
  return {
    ...handle,
    store,
    runner: jobs,
    async start() {
      await handle.start();
      jobs.start();
    },
    async stop() {
      await jobs.stop();
      await handle.stop();
    },
  };
}
