import { KafkaBus } from '@crp/messaging/kafka-bus';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import request from 'supertest';
import { signDevToken } from '@crp/platform/auth';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import {
  SECRET,
  buyer,
  customerScenarios,
  orderEvent,
  type CustomerServiceHandle,
} from '../support/scenarios';
import { realEnv } from '@crp/testing/service-env';

describeReal('customer-service on real MariaDB and Kafka', () => {
  let svc: CustomerServiceHandle;
  let bus: KafkaBus;
  let drop: () => Promise<void>;
  const prefix = `${uniqueName('cs')}.`;

  const publishOrder = (event: OrderImportedV1) =>
    bus.publish([{ topic: 'OrderImported', key: event.accountId, value: JSON.stringify(event) }]);

  // One service for the suite; every scenario works in its own account (uniqueName('acct')).
  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('cust');
    drop = fresh.drop;
    svc = await createCustomerService(loadConfig(realEnv(fresh.url, prefix)), { logger: testLogger() });
    await svc.start();
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'customer-service-test',
      topicPrefix: prefix,
      logger: testLogger(),
    });
    // Warm-up: the consumer group's first join takes a few seconds; no scenario should pay for it.
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

  customerScenarios(() => ({ svc, bus, publishOrder }));

  it('is ready on MariaDB and Kafka', async () => {
    const res = await request(svc.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'ok', bus: 'ok' });
  });
});
