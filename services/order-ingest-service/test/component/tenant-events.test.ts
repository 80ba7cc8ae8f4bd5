import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CarrierAccountChanged } from '@crp/contracts/events/carrier-account-changed';
import { ClientConnectionChanged } from '@crp/contracts/events/client-connection-changed';
import { CustomerMerged } from '@crp/contracts/events/customer-merged';
import { CustomerRedacted } from '@crp/contracts/events/customer-redacted';
import { CustomerUpserted } from '@crp/contracts/events/customer-upserted';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { TEST_SECRET as SECRET, embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { CarrierAccountViewEntity, ConnectionViewEntity } from '../../src/infra/db/delegation-entities';
import { carrierEvent, connectionEvent } from '../support/tpl-events';

// Event handlers scope by the event's account (ADR 0006): an event of one account that names
// another account's records (a connection, a carrier account, a customer's orders) changes none
// of them.
describe("events naming another account's records are refused (SQLite, in-process bus)", () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  const auth = async (accountId: string) => `Bearer ${await signDevToken(SECRET, { accountId })}`;
  const publish = (topic: string, key: string, event: object) =>
    bus.publish([{ topic, key, value: JSON.stringify(event) }]);
  /** The inbox has the event: the handler ran (and committed) for it. */
  const handled = (eventId: string) =>
    waitFor(
      async () =>
        (
          (await svc.db.dataSource.query('SELECT 1 FROM inbox_messages WHERE event_id = ?', [
            eventId,
          ])) as unknown[]
        ).length > 0,
      { what: `event ${eventId} handled` },
    );
  const connectionRow = (id: string) =>
    svc.db.dataSource.getRepository(ConnectionViewEntity).findOneByOrFail({ connectionId: id });
  const carrierRow = (id: string) =>
    svc.db.dataSource.getRepository(CarrierAccountViewEntity).findOneByOrFail({ carrierAccountId: id });

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  it("ClientConnectionChanged: another account cannot take over, end or re-parent a 3PL's connection", async () => {
    const real = connectionEvent({
      connectionId: 'con_t1',
      tplAccountId: 'shipfast',
      clientAccountId: 'acme',
      status: 'active',
      occurredAt: new Date('2026-11-20T10:00:00Z'),
    });
    await publish(ClientConnectionChanged.topic, 'con_t1', real);
    await handled(real.eventId);
    const later = new Date('2026-11-21T10:00:00Z');
    const forged = [
      // the intruder claims to be the 3PL of the connection
      connectionEvent({
        connectionId: 'con_t1',
        tplAccountId: 'intruder',
        clientAccountId: 'acme',
        status: 'active',
        occurredAt: later,
      }),
      // the intruder's envelope, the real 3PL in the payload: ends the connection
      {
        ...connectionEvent({
          connectionId: 'con_t1',
          tplAccountId: 'shipfast',
          clientAccountId: 'acme',
          status: 'disconnected',
          occurredAt: later,
        }),
        accountId: 'intruder',
      },
      // the real 3PL's envelope cannot swap the client of a known connection either
      connectionEvent({
        connectionId: 'con_t1',
        tplAccountId: 'shipfast',
        clientAccountId: 'intruder',
        status: 'active',
        occurredAt: later,
      }),
    ];
    for (const e of forged) await publish(ClientConnectionChanged.topic, 'con_t1', e);
    for (const e of forged) await handled(e.eventId);
    expect(await connectionRow('con_t1')).toMatchObject({
      tplAccountId: 'shipfast',
      clientAccountId: 'acme',
      status: 'active',
    });
    // the real 3PL still can
    const ended = connectionEvent({
      connectionId: 'con_t1',
      tplAccountId: 'shipfast',
      clientAccountId: 'acme',
      status: 'disconnected',
      occurredAt: later,
    });
    await publish(ClientConnectionChanged.topic, 'con_t1', ended);
    await handled(ended.eventId);
    expect((await connectionRow('con_t1')).status).toBe('disconnected');
  });

  it("CarrierAccountChanged: another account's newer version of a carrier account is not applied", async () => {
    const own = carrierEvent({
      accountId: 'acme',
      carrierAccountId: 'car_t1',
      carrierCode: 'ups',
      services: ['ups_ground'],
    });
    await publish(CarrierAccountChanged.topic, 'car_t1', own);
    await handled(own.eventId);
    const forged = carrierEvent({
      accountId: 'intruder',
      carrierAccountId: 'car_t1',
      carrierCode: 'ups',
      services: ['ups_ground', 'ups_next_day_air'],
      version: 9,
      status: 'removed',
    });
    await publish(CarrierAccountChanged.topic, 'car_t1', forged);
    await handled(forged.eventId);
    expect(await carrierRow('car_t1')).toMatchObject({
      accountId: 'acme',
      services: ['ups_ground'],
      status: 'active',
      version: 1,
    });
  });

  it("CustomerUpserted / CustomerMerged / CustomerRedacted of another account leave an account's orders as they are", async () => {
    const created = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth('acme'))
      .send({
        orderNumber: 'T-1',
        orderDate: '2026-11-20T10:00:00Z',
        customerEmail: 'ada@example.com',
        shipTo: {
          name: 'Ada Lovelace',
          street1: '12 St James Sq',
          city: 'London',
          postalCode: 'SW1Y 4JH',
          country: 'GB',
        },
      });
    expect(created.status).toBe(201);
    const order = {
      orderId: created.body.orderId as string,
      storeId: created.body.advancedOptions.storeId as string,
      customerUsername: created.body.customerUsername as string,
    };
    const upsert = (accountId: string, customerId: string) => ({
      ...CustomerUpserted.example,
      eventId: randomUUID(),
      accountId,
      payload: {
        ...CustomerUpserted.example.payload,
        customer: { ...CustomerUpserted.example.payload.customer, customerId, identities: [] },
        orderId: order.orderId,
      },
    });
    const mine = upsert('acme', 'cus_ada');
    await publish('CustomerUpserted', 'cus_ada', mine);
    await handled(mine.eventId);
    const forged = [
      { topic: 'CustomerUpserted', event: upsert('intruder', 'cus_intruder') },
      {
        topic: 'CustomerMerged',
        event: {
          ...CustomerMerged.example,
          eventId: randomUUID(),
          accountId: 'intruder',
          payload: { ...CustomerMerged.example.payload, survivorId: 'cus_intruder', mergedIds: ['cus_ada'] },
        },
      },
      {
        topic: 'CustomerRedacted',
        event: {
          ...CustomerRedacted.example,
          eventId: randomUUID(),
          accountId: 'intruder',
          payload: {
            ...CustomerRedacted.example.payload,
            customerId: 'cus_ada',
            identities: [{ storeId: order.storeId, username: order.customerUsername }],
          },
        },
      },
    ];
    for (const f of forged) await publish(f.topic, 'cus_ada', f.event);
    for (const f of forged) await handled(f.event.eventId);
    const now = await request(svc.app)
      .get(`/v1/orders/${order.orderId}`)
      .set('Authorization', await auth('acme'));
    expect(now.body).toMatchObject({ customerId: 'cus_ada', customerEmail: 'ada@example.com' });
    expect(now.body.redacted).toBeFalsy();
  });
});
