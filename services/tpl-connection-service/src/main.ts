import { serve } from '@crp/platform/lifecycle';
import { createLogger } from '@crp/platform/logger';
import { createTplConnectionService } from './composition-root';
import { SERVICE, loadConfig } from './config';

async function main() {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  const service = await createTplConnectionService(config, { logger });
  await serve(service, { port: config.PORT, logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad config is the usual cause), so write to stderr directly.
  process.stderr.write(`${SERVICE} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
