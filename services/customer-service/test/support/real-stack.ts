import { KafkaBus } from '@crp/messaging/kafka-bus';
import { signDevToken } from '@crp/platform/auth';
import { freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { realEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import request from 'supertest';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { SECRET, buyer, orderEvent, type CustomerServiceHandle } from './scenarios';

/**
 * One customer-service on a fresh MariaDB database and topic prefix for a suite, warmed up (the
 * consumer group's first join takes seconds; no scenario should pay for it), with a Kafka bus to
 * publish on. Call inside a describe; every scenario works in its own account.
 */
export function realCustomerService(name: string) {
  let svc: CustomerServiceHandle;
  let bus: KafkaBus;
  let drop: () => Promise<void>;
  const prefix = `${uniqueName(name)}.`;
  const publishOrder = (event: OrderImportedV1) =>
    bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]);

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase(name);
    drop = fresh.drop;
    svc = await createCustomerService(loadConfig(realEnv(fresh.url, prefix)), { logger: testLogger() });
    await svc.start();
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: `${name}-test`,
      topicPrefix: prefix,
      logger: testLogger(),
    });
    const warm = orderEvent(uniqueName('warm'), { buyer: buyer('warm-up') });
    await publishOrder(warm);
    const token = `Bearer ${await signDevToken(SECRET, { accountId: warm.accountId })}`;
    await waitFor(
      async () => {
        const res = await request(svc.app).get('/v1/customers').set('Authorization', token);
        return res.body.total === 1;
      },
      { timeoutMs: 60000, what: 'the warm-up order consumed from Kafka' },
    );
  }, 120000);
  afterAll(async () => {
    await bus?.close();
    await svc?.stop();
    await drop?.();
  });

  return () => ({ svc, bus, publishOrder, deadLetters: async () => [] });
}
