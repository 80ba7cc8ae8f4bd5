import type { Bus } from '@crp/messaging/bus';
import { createBus } from '@crp/messaging/create-bus';
import { MessagingRuntime } from '@crp/messaging/runtime';
import { messagingEntities } from '@crp/messaging/tables';
import { createAuthenticator } from '@crp/platform/auth';
import { openDatabase } from '@crp/platform/db';
import { buildHttpApp } from '@crp/platform/http';
import type { ServiceHandle } from '@crp/platform/lifecycle';
import { createLogger, type Logger } from '@crp/platform/logger';
import { createMetrics } from '@crp/platform/metrics';
import { linkOrderToCustomer } from './app/link-order';
import { SERVICE, type Config } from './config';
import { customerEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { customerRoutes } from './http/routes';

export interface Overrides {
  /** A shared bus (all-in-one process, tests); the service then does not close it. */
  bus?: Bus;
  logger?: Logger;
}

/** Wires customer-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export async function createCustomerService(config: Config, overrides: Overrides = {}) {
  const logger = overrides.logger ?? createLogger(SERVICE, config.LOG_LEVEL);
  const metrics = createMetrics(SERVICE);
  const db = await openDatabase({
    url: config.DATABASE_URL,
    entities: [...messagingEntities, ...customerEntities],
    migrations,
    createDatabase: config.NODE_ENV !== 'production',
  });
  const bus = overrides.bus ?? createBus(config, SERVICE, logger);
  const messaging: MessagingRuntime = new MessagingRuntime({
    service: SERVICE,
    db,
    bus,
    ownsBus: !overrides.bus,
    logger,
    metrics,
    pollMs: config.OUTBOX_POLL_MS,
    maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
    handlers: {
      OrderImported: async (event, tx, meta) => {
        await linkOrderToCustomer(event, tx, { outbox: messaging.outbox }, meta);
      },
    },
  });
  const app = buildHttpApp({
    service: SERVICE,
    version: '0.1.0',
    description: 'Customer records: matching, identities, history, settings (SPEC §1–§2).',
    logger,
    metrics,
    authenticator: createAuthenticator({
      secret: config.AUTH_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    }),
    readiness: [
      { name: 'database', check: () => db.ping() },
      { name: 'bus', check: () => bus.ping() },
    ],
    routes: customerRoutes(db),
  });
  const handle: ServiceHandle & { db: typeof db; messaging: MessagingRuntime } = {
    name: SERVICE,
    app,
    db,
    messaging,
    start: () => messaging.start(),
    async stop() {
      await messaging.stop();
      await db.close();
    },
  };
  return handle;
}
