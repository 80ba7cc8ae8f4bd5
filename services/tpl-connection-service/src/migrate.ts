import { runMigrationsMain } from '@crp/service-kit/main';
import { definition } from './composition-root';
import { loadConfig } from './config';

/** `npm run migrate -w @crp/tpl-connection-service`: apply pending migrations to DATABASE_URL and exit. */
runMigrationsMain({ loadConfig: () => loadConfig(), definition });
