import type { Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { IngestDeps } from './ingest-orders';
import type { Connectors, CredentialCipher, UrlGuard } from './ports';

/** What the store, sync and webhook use cases share; built once by the composition root. */
export interface ChannelDeps extends IngestDeps {
  db: Database;
  cipher: CredentialCipher;
  urlGuard: UrlGuard;
  connectors: Connectors;
  logger: Logger;
  sync: {
    overlapMs: number;
    initialLookbackDays: number;
    /** The WooCommerce base URL is configured (tests, proxy): store URLs are then not fetched. */
    wooBaseUrlConfigured: boolean;
  };
  /** Wakes the workers at once after a commit that gave them work (they also poll). */
  wake: { sync(): void; webhooks(): void };
}
