import {
  assembleService,
  type AssembledService,
  type Overrides,
  type ServiceDefinition,
} from '@crp/service-kit/assemble';
import { DuplicateScanner } from './app/duplicate-scanner';

// Named in the type of createCustomerService's result, so callers' declarations can name it too.
export type { DuplicateScanner };
export type { MailchimpSyncWorker, SyncDeps as MailchimpSyncDeps } from './app/mailchimp/sync';
import { importCustomers } from './app/import-customers';
import { DryRunSweeper } from './app/dry-run-sweeper';
import { linkOrders } from './app/link-orders';
import { SERVICE, type Config } from './config';
import { customerEntities } from './infra/db/entities';
import { customerRepository } from './infra/db/customer-repository';
import { dryRunRepository } from './infra/db/dry-run-repository';
import { duplicateRepository } from './infra/db/duplicate-repository';
import { migrations } from './infra/db/migrations';
import { customerRoutes } from './http/routes';
import { editRoutes } from './http/edit-routes';
import { lifecycleRoutes } from './http/lifecycle-routes';
import { privacyRoutes } from './http/privacy-routes';
import { mailchimpEntities } from './infra/db/mailchimp-entities';
import { mailchimpAdapter } from './mailchimp-wiring';

/**
 * `onBusy`: told when a batch of orders is being linked or of import rows applied (the
 * likely-duplicates scan gives way to both, DUPLICATE_SCAN_MAX_DEFER_MS at most).
 */
export function serviceDefinition(onBusy: () => void = () => undefined): ServiceDefinition {
  return {
    service: SERVICE,
    version: '0.1.0',
    description: 'Customer records: matching, identities, history, settings (SPEC §1–§2).',
    entities: [...(customerEntities as unknown[]), ...mailchimpEntities] as typeof customerEntities,
    migrations,
    routes: ({ db, outbox }) => {
      const write = { db, repo: customerRepository, outbox };
      return [
        ...lifecycleRoutes(write),
        ...editRoutes(write),
        ...privacyRoutes(write),
        ...customerRoutes(db, customerRepository, duplicateRepository),
      ];
    },
    batchHandlers: ({ outbox, metrics }) => {
      const phases = metrics.histogram(
        'link_orders_phase_seconds',
        'Time per batch of OrderImported in each step: load, decide, persist',
        ['phase'],
      );
      return {
        // SPEC §4: customer CSV import chunks (v2; v1 has no producer any more and is dropped).
        CustomerImportRequested: async (events, tx) => {
          const v2 = events.flatMap((e) => (e.eventVersion === 2 ? [e] : []));
          onBusy();
          if (v2.length > 0)
            await importCustomers(tx, { repo: customerRepository, outbox, dryRuns: dryRunRepository }, v2);
        },
        OrderImported: async (events, tx) => {
          onBusy();
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
}

export const definition: ServiceDefinition = serviceDefinition();

/**
 * Wires customer-service. Nothing listens here: main.ts does, tests use supertest on `app`. Beside
 * what every service has, it runs the likely-duplicates scan (`duplicates`; tests call `drain()`).
 */
export interface CustomerService extends AssembledService {
  /** The likely-duplicates scan: `drain()` runs passes until its queue is empty. */
  duplicates: { drain(): Promise<number> };
  /** ADR 0024: deletes ended or given-up dry runs' would-be state; `drain()` sweeps now. */
  dryRunSweeper: { drain(): Promise<number> };
}

export async function createCustomerService(
  config: Config,
  overrides: Overrides = {},
): Promise<CustomerService> {
  let busyAt = 0;
  // Issue #19: the Mailchimp adapter adds its routes, its own consumer group and its sync worker.
  const mailchimp = mailchimpAdapter(config, customerRepository);
  const base = serviceDefinition(() => (busyAt = Date.now()));
  const svc = mailchimp.attach(
    await assembleService(
      { ...base, routes: (deps) => [...base.routes(deps), ...mailchimp.routes(deps)] },
      config,
      overrides,
    ),
  );
  const passes = svc.metrics.histogram(
    'duplicate_scan_pass_seconds',
    'Time per pass of the likely-duplicates scan (up to DUPLICATE_SCAN_BATCH queued customers)',
    [],
  );
  const duplicates = new DuplicateScanner({
    db: svc.db,
    duplicates: duplicateRepository,
    intervalMs: config.DUPLICATE_SCAN_INTERVAL_MS,
    batch: config.DUPLICATE_SCAN_BATCH,
    maxDeferMs: config.DUPLICATE_SCAN_MAX_DEFER_MS,
    busy: () => Date.now() - busyAt < config.DUPLICATE_SCAN_INTERVAL_MS,
    logger: svc.logger.child({ component: 'duplicate-scan' }),
    onPass: (_r, seconds) => passes.observe(seconds),
  });
  const dryRunSweeper = new DryRunSweeper({
    db: svc.db,
    dryRuns: dryRunRepository,
    intervalMs: config.IMPORT_DRY_RUN_SWEEP_MS,
    ttlMs: config.IMPORT_DRY_RUN_TTL_MS,
    logger: svc.logger.child({ component: 'dry-run-sweep' }),
  });
  return {
    ...svc,
    duplicates,
    dryRunSweeper,
    async start() {
      await svc.start();
      duplicates.start();
      dryRunSweeper.start();
    },
    async stop() {
      await dryRunSweeper.stop();
      await duplicates.stop();
      await svc.stop();
    },
  };
}
