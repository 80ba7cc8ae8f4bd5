import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { statusMigrationScenarios } from '../support/status-migration-scenarios';
import type { OrderIngestService } from '../support/stored-orders';

describe('migration 1732000000270: stored order statuses made canonical (SQLite)', () => {
  let bus: InProcessBus;
  let svc: OrderIngestService;

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  statusMigrationScenarios(() => svc);
});
