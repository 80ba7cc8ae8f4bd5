import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { tempMailDir } from '../support/fixtures';
import { listScenarios } from '../support/list-scenarios';

// The list pages on the embedded stack (SQLite, in-process bus); the same scenarios run on
// MariaDB in integration/lists-mariadb.test.ts.
describe('3PL client and connection lists (SQLite)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir() })), {
      bus,
      logger: testLogger(),
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  listScenarios(() => svc);
});
