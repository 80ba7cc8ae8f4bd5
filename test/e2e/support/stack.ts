import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import type { Logger } from '@crp/platform/logger';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { createCustomerService } from '@crp/customer-service/composition-root';
import { loadConfig as customerConfig } from '@crp/customer-service/config';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { createTplConnectionService } from '@crp/tpl-connection-service/composition-root';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';
import { freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { SECRET } from './system';

export const SERVICES = [
  'customer-service',
  'order-ingest-service',
  'csv-import-service',
  'tpl-connection-service',
] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackOptions {
  /** `embedded`: SQLite in memory and one in-process bus; `real`: a MariaDB database each and Kafka. */
  mode: 'embedded' | 'real';
  /** Names the databases and the topic prefix of a real stack. */
  name: string;
  /** Extra variables for every service (e.g. channel base URLs for order-ingest). */
  env?: Record<string, string>;
  /** A logger per service (default: silent unless TEST_LOG_LEVEL). */
  logger?: (service: ServiceName) => Logger;
}

interface Handle {
  app: Express;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * All four services wired as in production, in this process: on the zero-setup default (what
 * `npm start` runs) or on real MariaDB + Kafka. Tokens carry the verified email the 3PL accounts
 * directory learns from (`admin@<account>.example`).
 */
export async function startStack(opts: StackOptions) {
  const bus = opts.mode === 'embedded' ? new InProcessBus() : undefined;
  const prefix = `${uniqueName(opts.name)}.`;
  const dirs = {
    csv: mkdtempSync(join(tmpdir(), 'stack-csv-')),
    mail: mkdtempSync(join(tmpdir(), 'stack-mail-')),
  };
  const dbs: Array<{ drop: () => Promise<void> }> = [];
  const dbUrl = async (short: string) => {
    if (opts.mode === 'embedded') return 'sqlite::memory:';
    const db = await freshMysqlDatabase(`${opts.name}_${short}`);
    dbs.push(db);
    return db.url;
  };
  const env = (url: string) => ({
    DATABASE_URL: url,
    BUS: opts.mode === 'embedded' ? 'in-process' : 'kafka',
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    AUTH_JWT_SECRET: SECRET,
    OUTBOX_POLL_MS: '20',
    LOG_LEVEL: 'silent',
    CSV_IMPORT_DIR: dirs.csv,
    CSV_IMPORT_POLL_MS: '20',
    MAIL_DIR: dirs.mail,
    INVITATION_LINK_URL: 'https://app.example/review',
    SYNC_SCHEDULER_TICK_MS: '0',
    WEBHOOK_POLL_MS: '50',
    CHANNEL_RETRY_BASE_MS: '5',
    ...opts.env,
  });
  const overrides = (service: ServiceName) => ({
    bus,
    logger: opts.logger?.(service) ?? testLogger(service),
  });
  const services: Record<ServiceName, Handle> = {
    'customer-service': await createCustomerService(
      customerConfig(env(await dbUrl('cust'))),
      overrides('customer-service'),
    ),
    'order-ingest-service': await createOrderIngestService(
      orderConfig(env(await dbUrl('ord'))),
      overrides('order-ingest-service'),
    ),
    'csv-import-service': await createCsvImportService(
      csvConfig(env(await dbUrl('csv'))),
      overrides('csv-import-service'),
    ),
    'tpl-connection-service': await createTplConnectionService(
      tplConfig(env(await dbUrl('tpl'))),
      overrides('tpl-connection-service'),
    ),
  };
  for (const s of SERVICES) await services[s].start();
  return {
    mode: opts.mode,
    services,
    mailDir: dirs.mail,
    app: (s: ServiceName) => services[s].app,
    /** A bearer header value; admins carry the email `admin@<account>.example`. */
    auth: async (accountId: string, role: 'admin' | 'member' = 'admin') =>
      `Bearer ${await signDevToken(SECRET, {
        accountId,
        role,
        sub: `${role}@${accountId}`,
        email: `${role}@${accountId}.example`,
      })}`,
    async stop() {
      for (const s of [...SERVICES].reverse()) await services[s].stop();
      await bus?.close();
      for (const db of dbs) await db.drop();
      rmSync(dirs.csv, { recursive: true, force: true });
      rmSync(dirs.mail, { recursive: true, force: true });
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
