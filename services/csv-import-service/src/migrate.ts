import { runMigrationsMain } from '@crp/service-kit/main';
import { schema } from './composition-root';
import { loadConfig } from './config';

/** `npm run migrate -w @crp/csv-import-service`: apply pending migrations to DATABASE_URL and exit. */
runMigrationsMain({ loadConfig: () => loadConfig(), definition: schema });
