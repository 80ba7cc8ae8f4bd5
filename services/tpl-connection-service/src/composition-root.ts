import { assembleService, type Overrides, type ServiceDefinition } from '@crp/service-kit/assemble';
import { SERVICE, type Config } from './config';
import { connectionEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { connectionRoutes } from './http/routes';

export const definition: ServiceDefinition = {
  service: SERVICE,
  version: '0.1.0',
  description: '3PL client connections, invitations and carrier accounts (SPEC §5).',
  entities: connectionEntities,
  migrations,
  routes: ({ db }) => connectionRoutes(db),
  // No handlers: this service consumes nothing (SPEC §6), so it joins no consumer group. The
  // outbox relay still runs, ready for ClientInvited and ClientConnectionChanged.
};

/** Wires tpl-connection-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createTplConnectionService(config: Config, overrides: Overrides = {}) {
  return assembleService(definition, config, overrides);
}
