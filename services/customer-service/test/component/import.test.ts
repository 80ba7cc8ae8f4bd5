import { InProcessBus } from '@crp/messaging/in-process-bus';
import { testLogger } from '@crp/testing/silent-logger';
import { embeddedEnv } from '@crp/testing/service-env';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import type { CustomerServiceHandle } from '../support/scenarios';
import { importScenarios } from '../support/import-scenarios';

describe('customer-service customer CSV import (SPEC §4) on SQLite and the in-process bus', () => {
  let bus: InProcessBus;
  let svc: CustomerServiceHandle;

  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createCustomerService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  importScenarios(() => ({
    svc,
    bus,
    publishOrder: (event) =>
      bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]),
    deadLetters: async () => [],
  }));
});
