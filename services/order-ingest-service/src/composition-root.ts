import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { importCsvOrders } from './app/import-csv-orders';
import { applyCarrierAccountChanges, applyConnectionChanges } from './app/connection-events';
import type { DelegationDeps } from './app/delegation-ports';
import { SERVICE, type Config } from './config';
import { delegationEntities } from './infra/db/delegation-entities';
import { orderEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { repositories } from './infra/db/repositories';
import { delegationRoutes } from './http/delegation-routes';
import { orderRoutes } from './http/routes';

const delegationDeps = ({ db, outbox }: Pick<DelegationDeps, 'db' | 'outbox'>): DelegationDeps => ({
  db,
  outbox,
  delegation: repositories.delegation,
  now: () => new Date(),
});

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description:
    'Stores and orders: store imports, manual orders (SPEC §1, §3.1), delegation to 3PLs (SPEC §5); publishes OrderImported and OrderDelegated.',
  entities: [...orderEntities, ...delegationEntities],
  migrations,
  routes: ({ db, outbox }) => [
    ...orderRoutes(db, { outbox, repos: repositories }),
    ...delegationRoutes(delegationDeps({ db, outbox })),
  ],
  // The local views delegation reads (R5.4, R5.5): whole batches, one upsert each; and order CSV
  // rows from csv-import-service (R3.2, ADR 0011) through the batch ingest.
  batchHandlers: ({ outbox }) => ({
    ClientConnectionChanged: async (events, tx) => {
      await applyConnectionChanges(events, tx, repositories.delegation);
    },
    CarrierAccountChanged: async (events, tx) => {
      await applyCarrierAccountChanges(events, tx, repositories.delegation);
    },
    OrderImportRequested: (events, tx) => importCsvOrders(events, tx, { outbox, repos: repositories }),
  }),
};

/** Wires order-ingest-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createOrderIngestService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
