import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { linkOrders } from './app/link-orders';
import { SERVICE, type Config } from './config';
import { customerEntities } from './infra/db/entities';
import { customerRepository } from './infra/db/customer-repository';
import { migrations } from './infra/db/migrations';
import { customerRoutes } from './http/routes';

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description: 'Customer records: matching, identities, history, settings (SPEC §1–§2).',
  entities: customerEntities,
  migrations,
  routes: ({ db }) => customerRoutes(db, customerRepository),
  batchHandlers: ({ outbox, metrics }) => {
    const phases = metrics.histogram(
      'link_orders_phase_seconds',
      'Time per batch of OrderImported in each step: load, decide, persist',
      ['phase'],
    );
    return {
      OrderImported: async (events, tx) => {
        await linkOrders(
          tx,
          { repo: customerRepository, outbox, timing: (phase, s) => phases.observe({ phase }, s) },
          events,
        );
      },
    };
  },
  // linkOrders locks the customers it reads; READ COMMITTED keeps those locks to the rows found.
  consumerReadCommitted: true,
};

/** Wires customer-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createCustomerService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
