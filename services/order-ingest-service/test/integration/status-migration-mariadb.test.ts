import { InProcessBus } from '@crp/messaging/in-process-bus';
import { describeReal, freshMysqlDatabase } from '@crp/testing/real-infra';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { statusMigrationScenarios } from '../support/status-migration-scenarios';
import type { OrderIngestService } from '../support/stored-orders';

describeReal('migration 1732000000270: stored order statuses made canonical (MariaDB)', () => {
  let svc: OrderIngestService;
  let bus: InProcessBus;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('order_statuses');
    drop = fresh.drop;
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv({ DATABASE_URL: fresh.url })), {
      bus,
      logger: testLogger(),
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await drop?.();
  });

  statusMigrationScenarios(() => svc);
});
