import type { CommonConfig } from '@crp/platform/config';
import { serve, type ServiceHandle } from '@crp/platform/lifecycle';
import { createLogger, type Logger } from '@crp/platform/logger';
import { openServiceDatabase, type ServiceDefinition } from './assemble';

type Config = CommonConfig & { PORT: number };

function fail(service: string, what: string, err: unknown): never {
  // The logger may not exist yet (bad config): say it plainly on stderr and exit non-zero.
  process.stderr.write(`${service} ${what}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

/** A service's main.ts: read config (fail fast), build, listen, drain on SIGTERM. */
export function runServiceMain<C extends Config>(opts: {
  service: string;
  loadConfig: () => C;
  create: (config: C, overrides: { logger: Logger }) => Promise<ServiceHandle>;
}): void {
  (async () => {
    const config = opts.loadConfig();
    const logger = createLogger(opts.service, config.LOG_LEVEL);
    const handle = await opts.create(config, { logger });
    await serve(handle, {
      port: config.PORT,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
      maxHeaderBytes: config.HTTP_MAX_HEADER_BYTES,
    });
  })().catch((err: unknown) => fail(opts.service, 'failed to start', err));
}

/** A service's `npm run migrate`: apply pending migrations to DATABASE_URL and exit. */
export function runMigrationsMain<C extends Config>(opts: {
  loadConfig: () => C;
  definition: Pick<ServiceDefinition, 'service' | 'entities' | 'migrations'>;
}): void {
  const { service, entities, migrations } = opts.definition;
  (async () => {
    const config = opts.loadConfig();
    const logger = createLogger(service, config.LOG_LEVEL);
    const db = await openServiceDatabase({ entities, migrations }, config, { migrate: true });
    const rows: Array<{ name: string }> = await db.dataSource.query(
      'SELECT name FROM migrations ORDER BY id',
    );
    logger.info({ applied: rows.map((r) => r.name) }, 'migrations up to date');
    await db.close();
  })().catch((err: unknown) => fail(service, 'migration failed', err));
}
