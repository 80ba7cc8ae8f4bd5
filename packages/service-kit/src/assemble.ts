import type { EntitySchema, MixedList } from 'typeorm';
import type { Bus } from '@crp/messaging/bus';
import type { BatchHandlerMap, HandlerMap } from '@crp/messaging/consumer';
import { createBus } from '@crp/messaging/create-bus';
import { Outbox } from '@crp/messaging/outbox';
import { MessagingRuntime } from '@crp/messaging/runtime';
import { messagingEntities, messagingMigrations } from '@crp/messaging/tables';
import { createAuthenticator } from '@crp/platform/auth';
import type { CommonConfig } from '@crp/platform/config';
import { openDatabase, type Database } from '@crp/platform/db';
import { buildHttpApp, type RouteSpec } from '@crp/platform/http';
import type { ServiceHandle } from '@crp/platform/lifecycle';
import { createLogger, type Logger } from '@crp/platform/logger';
import { createMetrics, type Metrics } from '@crp/platform/metrics';

export interface Overrides {
  /** A shared bus (all-in-one process, tests); the service then does not close it. */
  bus?: Bus;
  logger?: Logger;
}

/** What a service's wiring hands to its routes and handlers. */
export interface ServiceDeps {
  db: Database;
  outbox: Outbox;
  bus: Bus;
  logger: Logger;
  metrics: Metrics;
}

export interface ServiceDefinition {
  service: string;
  version: string;
  /** First line of the OpenAPI document. */
  description: string;
  entities: MixedList<EntitySchema>;
  /** The service's own migrations; the outbox/inbox tables' migration is added by the kit. */
  migrations: Array<new () => unknown>;
  routes: (deps: ServiceDeps) => Array<RouteSpec>;
  /** Event handlers; without any, the service joins no consumer group. */
  handlers?: (deps: ServiceDeps) => HandlerMap;
  /** Handlers that take a whole batch in one transaction (the hot paths). */
  batchHandlers?: (deps: ServiceDeps) => BatchHandlerMap;
  /** The consumer's transactions run at READ COMMITTED on MySQL (handlers that lock rows they read). */
  consumerReadCommitted?: boolean;
}

export interface AssembledService extends ServiceHandle, ServiceDeps {
  messaging: MessagingRuntime;
}

/**
 * Wires one service the same way for all four: database (migrated), bus, outbox relay, idempotent
 * consumer, and the HTTP app with auth, health, metrics and OpenAPI. Nothing listens here.
 */
export async function assembleService(
  def: ServiceDefinition,
  config: CommonConfig,
  overrides: Overrides = {},
): Promise<AssembledService> {
  const logger = overrides.logger ?? createLogger(def.service, config.LOG_LEVEL);
  const metrics = createMetrics(def.service);
  const db = await openServiceDatabase(def, config);
  const bus = overrides.bus ?? createBus(config, def.service, logger);
  const outbox = new Outbox();
  const deps: ServiceDeps = { db, outbox, bus, logger, metrics };
  const messaging = new MessagingRuntime({
    service: def.service,
    db,
    bus,
    ownsBus: !overrides.bus,
    logger,
    metrics,
    outbox,
    handlers: def.handlers?.(deps),
    batchHandlers: def.batchHandlers?.(deps),
    pollMs: config.OUTBOX_POLL_MS,
    maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
    maxBatch: config.CONSUMER_BATCH_MAX,
    readCommitted: def.consumerReadCommitted,
    outboxBatchSize: config.OUTBOX_BATCH_SIZE,
    outboxRetentionMs: config.OUTBOX_RETENTION_MS,
    inboxRetentionMs: config.INBOX_RETENTION_MS,
  });
  const consumer = messaging.consumer;
  const app = buildHttpApp({
    service: def.service,
    version: def.version,
    description: def.description,
    logger,
    metrics,
    authenticator: createAuthenticator({
      secret: config.AUTH_JWT_SECRET,
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    }),
    // Ready = can serve the HTTP API: the database answers. The broker and the consumer are
    // reported but do not take the service out of rotation: writes go to the outbox and are
    // published once the broker is back (docs/adr/0017-readiness-and-shutdown.md).
    readiness: [
      { name: 'database', check: () => db.ping() },
      { name: 'bus', required: false, check: () => bus.ping() },
      ...(consumer
        ? [
            {
              name: 'consumer',
              required: false,
              check: async () => {
                const state = consumer.state;
                if (state === 'stopped') throw new Error('not consuming');
                return state === 'starting' ? 'starting (joining its consumer group)' : 'ok';
              },
            },
          ]
        : []),
    ],
    routes: def.routes(deps),
    rateLimit: { requests: config.RATE_LIMIT_REQUESTS, windowMs: config.RATE_LIMIT_WINDOW_MS },
  });
  return {
    name: def.service,
    app,
    ...deps,
    messaging,
    start: () => messaging.start(),
    async stop() {
      await messaging.stop();
      await db.close();
    },
  };
}

/**
 * The service's database with the messaging tables and the service's own, migrated unless
 * DB_MIGRATE_ON_START is false (deployments migrate in a Job before the rollout: replicas that
 * start together must not run the same migration at once). `npm run migrate` always migrates.
 */
export function openServiceDatabase(
  def: Pick<ServiceDefinition, 'entities' | 'migrations'>,
  config: Pick<CommonConfig, 'DATABASE_URL' | 'NODE_ENV'> & { DB_MIGRATE_ON_START?: boolean },
  opts: { migrate?: boolean } = {},
): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    entities: [...messagingEntities, ...(def.entities as EntitySchema[])],
    migrations: [...messagingMigrations, ...def.migrations],
    createDatabase: config.NODE_ENV !== 'production',
    migrate: opts.migrate ?? config.DB_MIGRATE_ON_START !== false,
  });
}
