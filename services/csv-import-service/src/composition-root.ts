import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { recordRowResult } from './app/record-row-result';
import { SERVICE, type Config } from './config';
import { importEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { importRoutes } from './http/routes';

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description: 'CSV import jobs, their progress and row reports (SPEC §3–§4).',
  entities: importEntities,
  migrations,
  routes: ({ db }) => importRoutes(db),
  handlers: () => ({
    CustomerImportRowResult: async (event, tx, meta) => {
      await recordRowResult(event, tx, meta.log);
    },
  }),
};

/** Wires csv-import-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createCsvImportService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
