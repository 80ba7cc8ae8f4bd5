import request from 'supertest';
import { CarrierAccountChanged } from '@crp/contracts/events/carrier-account-changed';
import { ClientConnectionChanged } from '@crp/contracts/events/client-connection-changed';
import type { OrderDelegatedV1 } from '@crp/contracts/events/order-delegated';
import { decodeEvent } from '@crp/contracts/registry';
import type { IncomingMessage } from '@crp/messaging/bus';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { ACCOUNT_ID_MAX_LENGTH, TEXT_LIMITS } from '@crp/contracts/limits';
import { signDevToken } from '@crp/platform/auth';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET, realEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { ConnectionViewEntity, DelegationEntity } from '../../src/infra/db/delegation-entities';
import { carrierEvent, connectionEvent } from '../support/tpl-events';

describeReal('delegation on real MariaDB and Kafka (R5.4, R5.5)', () => {
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  let drop: () => Promise<void>;
  let bus: KafkaBus;
  const prefix = `${uniqueName('deleg')}.`;
  const auth = async (accountId: string) => `Bearer ${await signDevToken(TEST_SECRET, { accountId })}`;

  beforeAll(async () => {
    const fresh = await freshMysqlDatabase('order_deleg');
    drop = fresh.drop;
    svc = await createOrderIngestService(loadConfig(realEnv(fresh.url, prefix)), { logger: testLogger() });
    await svc.start();
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'deleg-test',
      topicPrefix: prefix,
      logger: testLogger(),
    });
  });
  afterAll(async () => {
    await bus?.close();
    await svc?.stop();
    await drop?.();
  });

  it('takes a manual order of an account whose id is the longest a token carries: its manual store id fits a store id column; a longer account id is a 401', async () => {
    const accountId = `${uniqueName('long')}-`.padEnd(ACCOUNT_ID_MAX_LENGTH, 'x');
    const storeId = `st_manual_${accountId}`;
    expect(storeId).toHaveLength(TEXT_LIMITS.storeId);
    const order = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth(accountId))
      .send({ orderNumber: 'L-1', orderDate: '2026-11-20T10:00:00Z', customerEmail: 'long@example.com' });
    expect(order.status).toBe(201);
    const listed = await request(svc.app)
      .get(`/v1/orders?storeId=${storeId}`)
      .set('Authorization', await auth(accountId));
    expect(listed.status).toBe(200);
    expect(listed.body.orders.map((o: { orderNumber: string }) => o.orderNumber)).toEqual(['L-1']);
    const tooLong = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth(`${accountId}x`))
      .send({ orderNumber: 'L-2', orderDate: '2026-11-20T10:00:00Z', customerEmail: 'long@example.com' });
    expect(tooLong.status).toBe(401);
    expect(JSON.stringify(tooLong.body)).toContain('account_id');
  });

  it('keeps its views from Kafka, once per event, delegates, and refuses a service the client cannot ship with', async () => {
    const active = connectionEvent({
      connectionId: 'con_1',
      tplAccountId: 'shipfast',
      clientAccountId: 'acme',
      status: 'active',
    });
    const carrier = carrierEvent({
      accountId: 'acme',
      carrierAccountId: 'car_1',
      carrierCode: 'ups',
      services: ['ups_ground'],
    });
    // The same event twice (a redelivery): the inbox keeps it to one application.
    await bus.publish([
      { topic: ClientConnectionChanged.topic, key: 'con_1', value: JSON.stringify(active) },
      { topic: ClientConnectionChanged.topic, key: 'con_1', value: JSON.stringify(active) },
      { topic: CarrierAccountChanged.topic, key: 'car_1', value: JSON.stringify(carrier) },
    ]);
    await waitFor(
      async () =>
        (await svc.db.dataSource.getRepository(ConnectionViewEntity).findOneBy({ connectionId: 'con_1' }))
          ?.status === 'active',
      { timeoutMs: 30000, what: 'the connection view' },
    );

    const order = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth('acme'))
      .send({
        orderNumber: 'K-1',
        orderDate: '2026-11-20T10:00:00Z',
        customerEmail: 'ada@example.com',
        customerNotes: 'Ring twice',
        internalNotes: 'Priority client',
      });
    expect(order.status).toBe(201);
    const delegated = await request(svc.app)
      .post(`/v1/orders/${order.body.orderId}/fulfillment-provider`)
      .set('Authorization', await auth('acme'))
      .send({ providerAccountId: 'shipfast' });
    expect(delegated.status).toBe(201);
    const copy = delegated.body.providerOrderId as string;
    const theirs = await request(svc.app)
      .get('/v1/orders')
      .set('Authorization', await auth('shipfast'));
    expect(theirs.body.orders).toEqual([
      expect.objectContaining({
        orderId: copy,
        orderStatus: 'awaiting_shipment',
        notes: ['Ring twice', 'Priority client'],
      }),
    ]);
    expect(await svc.db.dataSource.getRepository(DelegationEntity).countBy({ clientAccountId: 'acme' })).toBe(
      1,
    );

    await waitFor(
      async () =>
        (
          await request(svc.app)
            .put(`/v1/orders/${copy}/shipping-service`)
            .set('Authorization', await auth('shipfast'))
            .send({ carrierCode: 'ups', serviceCode: 'ups_ground' })
        ).status === 200,
      { timeoutMs: 30000, what: 'the carrier view' },
    );
    const refused = await request(svc.app)
      .put(`/v1/orders/${copy}/shipping-service`)
      .set('Authorization', await auth('shipfast'))
      .send({ carrierCode: 'ups', serviceCode: 'ups_2nd_day_air' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe(
      'The shipping service is invalid because the client does not have a carrier account that supports it',
    );

    const seen: IncomingMessage[] = [];
    await bus.ensureTopics(['OrderDelegated']);
    const sub = await bus.subscribe({
      groupId: uniqueName('delegated_reader'),
      topics: ['OrderDelegated'],
      fromBeginning: true,
      eachBatch: async (msgs, ctl) => {
        for (const m of msgs) {
          seen.push(m);
          ctl.ack(m);
        }
      },
    });
    try {
      const [m] = await waitFor(() => (seen.length ? seen : undefined), {
        timeoutMs: 30000,
        what: 'OrderDelegated on Kafka',
      });
      const event = decodeEvent(m!.value, 'OrderDelegated') as OrderDelegatedV1;
      expect(m!.key?.toString()).toBe(order.body.orderId);
      expect(event.payload).toMatchObject({
        orderId: order.body.orderId,
        tplAccountId: 'shipfast',
        providerOrderId: copy,
        notes: ['Ring twice', 'Priority client'],
      });
    } finally {
      await sub.stop();
    }
  });
});
