import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { importCsvOrders } from './app/import-csv-orders';
import { SERVICE, type Config } from './config';
import { orderEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { orderRoutes } from './http/routes';
import { repositories } from './infra/db/repositories';

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description: 'Stores and orders: store imports, manual orders (SPEC §1, §3.1); publishes OrderImported.',
  entities: orderEntities,
  migrations,
  routes: ({ db, outbox }) => orderRoutes(db, { outbox, repos: repositories }),
  batchHandlers: ({ outbox }) => ({
    // Order CSV rows from csv-import-service (R3.2, ADR 0009).
    OrderImportRequested: (events, tx) => importCsvOrders(events, tx, { outbox, repos: repositories }),
  }),
};

/** Wires order-ingest-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createOrderIngestService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
