import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { linkOrderToCustomer } from './app/link-order';
import { SERVICE, type Config } from './config';
import { customerEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { customerRoutes } from './http/routes';

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description: 'Customer records: matching, identities, history, settings (SPEC §1–§2).',
  entities: customerEntities,
  migrations,
  routes: ({ db }) => customerRoutes(db),
  handlers: ({ outbox }) => ({
    OrderImported: async (event, tx, meta) => {
      await linkOrderToCustomer(event, tx, { outbox }, meta);
    },
  }),
};

/** Wires customer-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createCustomerService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
