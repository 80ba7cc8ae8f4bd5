import { EventConsumer } from '@crp/messaging/consumer';
import type { AssembledService, ServiceDeps } from '@crp/service-kit/assemble';
import type { CustomerRepository } from './app/ports';
import { enqueueCustomerEvents } from './app/mailchimp/enqueue';
import { MailchimpSyncWorker, type SyncDeps } from './app/mailchimp/sync';
import type { Config } from './config';
import { mailchimpRepository } from './infra/db/mailchimp-repository';
import { createMailchimpClient } from './infra/mailchimp/client';
import { createSecretCipher, parseKey } from './infra/mailchimp/secret-cipher';
import { mailchimpRoutes } from './http/mailchimp-routes';
import { LOCAL_DEV_MAILCHIMP_KEY } from './mailchimp-config';

/** Its own consumer group on the customer topics: its offsets and failures are its own. */
export const MAILCHIMP_GROUP = 'customer-service-mailchimp';

/**
 * Issue #19 wiring (ADR 0025): the adapter's routes, its consumer (customer events → sync
 * queue, in the consumer's transaction) and the worker that drains the queue to Mailchimp.
 */
export function mailchimpAdapter(config: Config, repo: CustomerRepository) {
  const cipher = createSecretCipher({
    current: parseKey(config.MAILCHIMP_CREDENTIALS_KEY ?? LOCAL_DEV_MAILCHIMP_KEY),
    previous: config.MAILCHIMP_CREDENTIALS_OLD_KEYS.split(',')
      .filter((s) => s.trim())
      .map(parseKey),
  });
  const api = createMailchimpClient({
    maxAttempts: config.MAILCHIMP_MAX_ATTEMPTS,
    backoffMs: config.MAILCHIMP_BACKOFF_MS,
    batchPollMs: config.MAILCHIMP_BATCH_POLL_MS,
  });
  const store = mailchimpRepository;
  return {
    /** Exposed for tests that drive a pass themselves. */
    syncDeps: (deps: ServiceDeps): SyncDeps => ({
      db: deps.db,
      repo,
      store,
      api,
      cipher,
      logger: deps.logger.child({ component: 'mailchimp-sync' }),
      batchThreshold: config.MAILCHIMP_BATCH_THRESHOLD,
      retryBaseMs: config.MAILCHIMP_RETRY_BASE_MS,
    }),
    routes: (deps: ServiceDeps) =>
      mailchimpRoutes({
        db: deps.db,
        repo,
        store,
        api,
        cipher,
        outbox: deps.outbox,
        baseUrl: config.MAILCHIMP_BASE_URL,
      }),
    attach(svc: AssembledService) {
      const consumer = new EventConsumer({
        groupId: MAILCHIMP_GROUP,
        bus: svc.bus,
        db: svc.db,
        logger: svc.logger.child({ component: 'mailchimp-consumer' }),
        metrics: svc.metrics,
        maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
        maxBatch: config.CONSUMER_BATCH_MAX,
        // Enqueueing is idempotent (an upsert of the customer's queue row; the sync reads the
        // record as it then is, skips a member whose content hash is unchanged, and a delete of a
        // member already gone is no failure), so this group keeps no inbox: a batch for accounts
        // without a connection costs one lookup and writes nothing (docs/mailchimp.md).
        inbox: false,
        // Most accounts never connect Mailchimp: their events are skipped by header, undecoded,
        // one lookup per batch (an import's 100,000 CustomerUpserted cost 19.5 s of this group's
        // time when each was decoded and validated first).
        accountsHandled: async (tx, accountIds) =>
          new Set((await store.connections(tx, accountIds)).map((c) => c.accountId)),
        batchHandlers: {
          CustomerUpserted: async (events, tx) => void (await enqueueCustomerEvents(tx, store, events)),
          CustomerRedacted: async (events, tx) => void (await enqueueCustomerEvents(tx, store, events)),
          CustomerMerged: async (events, tx) => void (await enqueueCustomerEvents(tx, store, events)),
        },
      });
      const worker =
        config.MAILCHIMP_SYNC_INTERVAL_MS > 0
          ? new MailchimpSyncWorker(this.syncDeps(svc), config.MAILCHIMP_SYNC_INTERVAL_MS)
          : null;
      const { start, stop } = svc;
      return Object.assign(svc, {
        mailchimpConsumer: consumer,
        mailchimpWorker: worker,
        async start() {
          await start();
          await consumer.start();
          worker?.start();
        },
        async stop() {
          await worker?.stop();
          await consumer.stop();
          await stop();
        },
      });
    },
  };
}
