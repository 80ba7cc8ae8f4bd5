import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CustomerUpserted, type CustomerUpsertedV1 } from '@crp/contracts/events/customer-upserted';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { TEST_SECRET as SECRET, embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';

// ADR 0036: order-ingest's links are customer-service's decisions. A CustomerUpserted with
// `orderIds` links exactly those orders, and of its identities only the orders linked to nobody;
// one without `orderIds` (published before ADR 0036) links every order of its identities.
describe('CustomerUpserted links the orders customer-service linked (SQLite, in-process bus)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  const auth = (accountId: string) => signDevToken(SECRET, { accountId }).then((t) => `Bearer ${t}`);

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

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

  /** One order of the buyer `email` in `accountId`'s manual store. */
  const order = async (accountId: string, email: string, n: number) => {
    const res = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth(accountId))
      .send({ orderNumber: `L-${n}`, orderDate: `2026-11-${10 + n}T10:00:00Z`, customerEmail: email });
    expect(res.status).toBe(201);
    return {
      orderId: res.body.orderId as string,
      storeId: res.body.advancedOptions.storeId as string,
      username: res.body.customerUsername as string,
    };
  };

  const upserted = (
    accountId: string,
    customerId: string,
    identity: { storeId: string; username: string },
    over: { status?: 'active' | 'archived'; orderId?: string | null; orderIds?: string[] },
  ): CustomerUpsertedV1 => {
    const payload: CustomerUpsertedV1['payload'] = {
      ...CustomerUpserted.example.payload,
      customer: {
        ...CustomerUpserted.example.payload.customer,
        customerId,
        status: over.status ?? 'active',
        identities: [identity],
      },
      orderId: over.orderId ?? null,
    };
    if (over.orderIds) payload.orderIds = over.orderIds;
    else delete payload.orderIds;
    return { ...CustomerUpserted.example, eventId: randomUUID(), accountId, payload };
  };
  const deliver = async (e: CustomerUpsertedV1) => {
    await bus.publish([
      { topic: 'CustomerUpserted', key: e.payload.customer.customerId, value: JSON.stringify(e) },
    ]);
    await handled(e.eventId);
  };
  const linksOf = async (accountId: string, orderIds: string[]) => {
    const token = await auth(accountId);
    const out: Record<string, string | null> = {};
    for (const id of orderIds) {
      const res = await request(svc.app).get(`/v1/orders/${id}`).set('Authorization', token);
      expect(res.status).toBe(200);
      out[id] = res.body.customerId ?? null;
    }
    return out;
  };

  it("R2.4/R2.6: a buyer of an archived record orders again: the older orders stay with the archived record, the new one goes to the new record; a late event of the archived record takes none of the new record's orders", async () => {
    const acct = 'links1';
    const o1 = await order(acct, 'grace@example.com', 1);
    const o2 = await order(acct, 'grace@example.com', 2);
    const identity = { storeId: o1.storeId, username: o1.username };
    // customer-service linked o1 and o2 to X in one batch.
    await deliver(
      upserted(acct, 'cus_x', identity, { orderId: o2.orderId, orderIds: [o1.orderId, o2.orderId] }),
    );
    expect(await linksOf(acct, [o1.orderId, o2.orderId])).toEqual({
      [o1.orderId]: 'cus_x',
      [o2.orderId]: 'cus_x',
    });
    // X is archived; the buyer orders again: customer-service moves the identity to a new record Y
    // and links the new order there, the older ones stay in X's history.
    const archived = upserted(acct, 'cus_x', identity, { status: 'archived', orderIds: [] });
    const o3 = await order(acct, 'grace@example.com', 3);
    await deliver(upserted(acct, 'cus_y', identity, { orderId: o3.orderId, orderIds: [o3.orderId] }));
    expect(await linksOf(acct, [o1.orderId, o2.orderId, o3.orderId])).toEqual({
      [o1.orderId]: 'cus_x',
      [o2.orderId]: 'cus_x',
      [o3.orderId]: 'cus_y',
    });
    // X's archive event arrives late (another partition): it still lists the identity.
    await deliver(archived);
    expect(await linksOf(acct, [o1.orderId, o2.orderId, o3.orderId])).toEqual({
      [o1.orderId]: 'cus_x',
      [o2.orderId]: 'cus_x',
      [o3.orderId]: 'cus_y',
    });
    const y = await request(svc.app)
      .get('/v1/orders')
      .query({ customerId: 'cus_y' })
      .set('Authorization', await auth(acct));
    expect(y.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([o3.orderId]);
  });

  it('orders of the identities that nobody holds yet are linked as a safety net; an event without orderIds (before ADR 0036) links every order of its identities', async () => {
    const acct = 'links2';
    const o1 = await order(acct, 'alan@example.com', 1);
    const o2 = await order(acct, 'alan@example.com', 2);
    const identity = { storeId: o1.storeId, username: o1.username };
    await deliver(upserted(acct, 'cus_a', identity, { orderId: o2.orderId, orderIds: [o2.orderId] }));
    expect(await linksOf(acct, [o1.orderId, o2.orderId])).toEqual({
      [o1.orderId]: 'cus_a',
      [o2.orderId]: 'cus_a',
    });
    await deliver(upserted(acct, 'cus_b', identity, { orderId: null }));
    expect(await linksOf(acct, [o1.orderId, o2.orderId])).toEqual({
      [o1.orderId]: 'cus_b',
      [o2.orderId]: 'cus_b',
    });
  });
});
