import request from 'supertest';
import { waitFor } from '@crp/testing/wait';
import { describeReal } from '@crp/testing/real-infra';
import {
  postManualOrder,
  shipStationOrder,
  startRealSystem,
  waitForCustomer,
  type RealSystem,
} from './support/system';

// ADR 0036: order-ingest's `orders.customer_id` is customer-service's decision, order by order.
// R2.4/R2.6: when a buyer's record is archived and the buyer orders again, the new order goes to
// a new record (the identity moves there) while the older orders stay in the archived record's
// history — in both services.
describeReal('order links on real Kafka and MariaDB follow customer-service', () => {
  let sys: RealSystem;
  const acct = 'links';
  const email = 'irene.adler@example.com';

  beforeAll(async () => {
    sys = await startRealSystem('e2e_links');
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const ordersOf = async (customerId: string) => {
    const res = await request(sys.orders.app)
      .get('/v1/orders')
      .query({ customerId })
      .set('Authorization', `Bearer ${await sys.token(acct)}`);
    expect(res.status).toBe(200);
    return (res.body.orders as Array<{ orderId: string }>).map((o) => o.orderId).sort();
  };
  const customer = async (customerId: string) => {
    const res = await request(sys.customers.app)
      .get(`/v1/customers/${customerId}`)
      .set('Authorization', `Bearer ${await sys.token(acct)}`);
    expect(res.status).toBe(200);
    return res.body as { customerId: string; status: string; history: { orderCount: number } };
  };

  it("an archived customer's buyer orders again: the older orders stay linked to the archived record, the new one to the new record", async () => {
    const placed: string[] = [];
    for (const n of ['1', '2']) {
      const res = await postManualOrder(sys, acct, shipStationOrder(`L${n}`, email));
      expect(res.status).toBe(201);
      placed.push(res.body.orderId as string);
    }
    const x = (await waitForCustomer(sys, acct, email))[0].customerId as string;
    await waitFor(async () => ((await ordersOf(x)).length === 2 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'both orders linked to the first record in order-ingest',
    });
    expect((await customer(x)).history.orderCount).toBe(2);

    const archived = await request(sys.customers.app)
      .post(`/v1/customers/${x}/archive`)
      .set('Authorization', `Bearer ${await sys.token(acct)}`);
    expect(archived.status).toBe(200);

    const again = await postManualOrder(sys, acct, shipStationOrder('L3', email));
    expect(again.status).toBe(201);
    const newOrder = again.body.orderId as string;
    // The new order's link arrives with the new record's CustomerUpserted (the same transaction
    // applies the event's identities).
    const y = await waitFor(
      async () => {
        const res = await request(sys.orders.app)
          .get(`/v1/orders/${newOrder}`)
          .set('Authorization', `Bearer ${await sys.token(acct)}`);
        return res.body.customerId && res.body.customerId !== x ? (res.body.customerId as string) : undefined;
      },
      { timeoutMs: 15_000, what: 'the new order linked to a new record' },
    );
    expect(await customer(y)).toMatchObject({ status: 'active', history: { orderCount: 1 } });
    expect(await customer(x)).toMatchObject({ status: 'archived', history: { orderCount: 2 } });
    // order-ingest agrees with customer-service's history of both records.
    expect(await ordersOf(x)).toEqual([...placed].sort());
    expect(await ordersOf(y)).toEqual([newOrder]);
  });
});
