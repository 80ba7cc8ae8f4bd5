import { openDatabase } from '@crp/platform/db';
import { createLogger } from '@crp/platform/logger';
import { messagingEntities } from '@crp/messaging/tables';
import { SERVICE, loadConfig } from '../../config';
import { orderEntities } from './entities';
import { migrations } from './migrations';

/** `npm run migrate -w @crp/customer-service`: apply pending migrations and exit. */
async function run() {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  const db = await openDatabase({
    url: config.DATABASE_URL,
    entities: [...messagingEntities, ...orderEntities],
    migrations,
    createDatabase: config.NODE_ENV !== 'production',
  });
  const rows: Array<{ name: string }> = await db.dataSource.query('SELECT name FROM migrations ORDER BY id');
  logger.info({ applied: rows.map((r) => r.name) }, 'migrations up to date');
  await db.close();
}

run().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
