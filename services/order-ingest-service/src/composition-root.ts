import {
  assembleService,
  type AssembledService,
  type Overrides,
  type ServiceDefinition,
} from '@crp/service-kit/assemble';
import type { Logger } from '@crp/platform/logger';
import { applyCarrierAccountChanges, applyConnectionChanges, type Refused } from './app/connection-events';
import { importCsvOrders } from './app/import-csv-orders';
import type { DelegationDeps } from './app/delegation-ports';
import { SERVICE, LOCAL_DEV_CREDENTIALS_KEY, type Config } from './config';
import type { ChannelDeps } from './app/deps';
import { applyCustomerMerged, applyCustomerRedactions, applyCustomerUpserts } from './app/customer-events';
import type { Connectors } from './app/ports';
import { SyncWorker } from './app/sync';
import { WebhookWorker } from './app/webhooks';
import { delegationEntities } from './infra/db/delegation-entities';
import { orderEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { repositories } from './infra/db/repositories';
import { createConnectors } from './infra/channels/connectors';
import { createUrlGuard } from './infra/channels/url-guard';
import { createCredentialCipher, parseKey } from './infra/crypto/credential-cipher';
import { delegationRoutes } from './http/delegation-routes';
import { orderRoutes } from './http/routes';
import { storeRoutes } from './http/store-routes';
import { webhookRoutes } from './http/webhook-routes';

/** An event naming another account's record is not applied; the log says which and why. */
const refusedBy =
  (log: Logger): Refused =>
  (event, why) =>
    log.warn({ eventId: event.eventId, accountId: event.accountId, why }, 'event refused: not its account');

const delegationDeps = ({ db, outbox }: Pick<DelegationDeps, 'db' | 'outbox'>): DelegationDeps => ({
  db,
  outbox,
  delegation: repositories.delegation,
  now: () => new Date(),
});

/** Storage only: what `npm run migrate` needs. */
export const definition: Pick<ServiceDefinition, 'service' | 'entities' | 'migrations'> = {
  service: SERVICE,
  entities: [...orderEntities, ...delegationEntities],
  migrations,
};

export interface OrderIngestOverrides extends Overrides {
  /** Tests: channels served by a fake (or a transport with short retries). */
  connectors?: Connectors;
}

/**
 * Wires order-ingest-service: the kit's database, bus, outbox relay, consumer and HTTP app, plus
 * the channel machinery (credential cipher, connectors, sync worker and scheduler, webhook queue
 * worker), started and stopped with it. Nothing listens here: main.ts does, tests use supertest.
 */
export async function createOrderIngestService(
  config: Config,
  overrides: OrderIngestOverrides = {},
): Promise<OrderIngestService> {
  const cipher = createCredentialCipher({
    current: parseKey(config.CHANNEL_CREDENTIALS_KEY ?? LOCAL_DEV_CREDENTIALS_KEY),
    previous: config.CHANNEL_CREDENTIALS_OLD_KEYS.split(',')
      .filter((k) => k.trim())
      .map(parseKey),
  });
  const connectors = overrides.connectors ?? createConnectors(config);
  let channelDeps: ChannelDeps | undefined;
  // Built after the kit (they need its database); the routes' wake-ups reach them through here.
  const running: { sync?: SyncWorker; webhooks?: WebhookWorker } = {};

  const def: ServiceDefinition = {
    ...definition,
    version: '0.2.0',
    description:
      'Stores and orders: channel connectors (pull and webhooks), store imports, manual orders (SPEC §1, §3.1), delegation to 3PLs (SPEC §5); publishes OrderImported and OrderDelegated.',
    routes: ({ db, outbox, logger }) => {
      channelDeps = {
        db,
        outbox,
        repos: repositories,
        cipher,
        urlGuard: createUrlGuard({ allowPrivate: config.CHANNEL_ALLOW_PRIVATE_URLS === 'true' }),
        connectors,
        logger,
        sync: {
          overlapMs: config.SYNC_OVERLAP_MS,
          initialLookbackDays: config.SYNC_INITIAL_LOOKBACK_DAYS,
          wooBaseUrlConfigured: Boolean(config.CHANNEL_WOOCOMMERCE_BASE_URL),
        },
        wake: { sync: () => running.sync?.nudge(), webhooks: () => running.webhooks?.nudge() },
      };
      return [
        ...storeRoutes(channelDeps),
        ...orderRoutes(db, { outbox, repos: repositories }),
        ...delegationRoutes(delegationDeps({ db, outbox })),
        ...webhookRoutes(channelDeps),
      ];
    },
    batchHandlers: ({ outbox }) => ({
      CustomerUpserted: (events, tx) => applyCustomerUpserts(tx, repositories, events),
      // R2.10: erasures in batches (two statements per account: by link, by identity).
      CustomerRedacted: async (events, tx, meta) => {
        const n = await applyCustomerRedactions(tx, repositories, events);
        meta.log.info(
          { orders: n, customerIds: events.map((e) => e.payload.customerId) },
          'customers erased from orders (R2.10)',
        );
      },
      // Order CSV rows from csv-import-service (R3.2, ADR 0013), through the batch ingest.
      OrderImportRequested: (events, tx) => importCsvOrders(events, tx, { outbox, repos: repositories }),
      // The local views delegation reads (R5.4, R5.5): whole batches, one upsert each.
      ClientConnectionChanged: async (events, tx, meta) => {
        await applyConnectionChanges(events, tx, repositories.delegation, refusedBy(meta.log));
      },
      CarrierAccountChanged: async (events, tx, meta) => {
        await applyCarrierAccountChanges(events, tx, repositories.delegation, refusedBy(meta.log));
      },
    }),
    handlers: () => ({
      CustomerMerged: (event, tx) => applyCustomerMerged(tx, repositories, event),
    }),
  };
  const svc = await assembleService(def, config, overrides);
  const deps = channelDeps!;
  const workers = {
    sync: new SyncWorker(deps, {
      concurrency: config.SYNC_CONCURRENCY,
      tickMs: config.SYNC_SCHEDULER_TICK_MS,
    }),
    webhooks: new WebhookWorker(deps, {
      pollMs: config.WEBHOOK_POLL_MS,
      batchSize: config.WEBHOOK_BATCH_SIZE,
    }),
  };
  Object.assign(running, workers);
  const service: OrderIngestService = {
    ...svc,
    async start() {
      await svc.start();
      workers.webhooks.start();
      workers.sync.start();
    },
    async stop() {
      await workers.sync.stop();
      await workers.webhooks.stop();
      await svc.stop();
    },
  };
  return service;
}

/** The assembled service; its start and stop also run the sync and webhook workers. */
export type OrderIngestService = AssembledService;
