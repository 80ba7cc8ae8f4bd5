import { Type } from '@sinclair/typebox';
import { loadServiceConfig } from '@crp/platform/service-config';

export const SERVICE = 'csv-import-service';
export const DEFAULT_PORT = 3003;

/** This service's own variables (documented in .env.example, listed in turbo.json). */
export const csvImportConfig = {
  CSV_IMPORT_DIR: Type.String({
    minLength: 1,
    default: '.data/csv-imports',
    description: 'where uploads are kept while their jobs run; shared by every instance',
  }),
  CSV_IMPORT_MAX_UPLOAD_BYTES: Type.Integer({ minimum: 1024, default: 4 * 1024 ** 3 }),
  CSV_IMPORT_CHUNK_ROWS: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
  CSV_IMPORT_MAX_ROWS_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  CSV_IMPORT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 32, default: 2 }),
  CSV_IMPORT_LEASE_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 15_000 }),
  CSV_IMPORT_POLL_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 500 }),
  CSV_IMPORT_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  CSV_IMPORT_FILE_RETENTION_MS: Type.Integer({ minimum: 0, default: 86_400_000 }),
};

/** All variables: the common ones (platform/config.ts) and csvImportConfig. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig(SERVICE, DEFAULT_PORT, csvImportConfig, env);
}
export type Config = ReturnType<typeof loadConfig>;
