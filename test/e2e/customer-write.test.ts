import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { describeReal } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import {
  postManualOrder,
  shipStationOrder,
  startRealSystem,
  startSystem,
  waitForCustomer,
  type System,
} from './support/system';

/**
 * SPEC §2's write side across services: what a customer edit, a merge and an erasure in
 * customer-service do (and do not do) to the orders order-ingest keeps. On the zero-setup default
 * (in-process bus, SQLite) and on MariaDB + Kafka.
 */
function customerWriteFlows(getSys: () => System, accountOf: (n: string) => string) {
  const as = async (sys: System, accountId: string) => `Bearer ${await sys.token(accountId)}`;
  const getOrder = async (sys: System, accountId: string, orderId: string) =>
    (
      await request(sys.orders.app)
        .get(`/v1/orders/${orderId}`)
        .set('Authorization', await as(sys, accountId))
    ).body;
  const ordersOf = async (sys: System, accountId: string, customerId: string) =>
    (
      await request(sys.orders.app)
        .get('/v1/orders')
        .query({ customerId })
        .set('Authorization', await as(sys, accountId))
    ).body as { orders: Array<{ orderId: string }>; total: number };

  it('R2.4: an edit of the customer never changes the ship-to or buyer name an order took; a later order under another name never rewrites the earlier one', async () => {
    const sys = getSys();
    const acct = accountOf('snap');
    const first = await postManualOrder(sys, acct, shipStationOrder('1', 'irene@example.com'));
    expect(first.status).toBe(201);
    const [c] = await waitForCustomer(sys, acct, 'irene@example.com');
    const edit = await request(sys.customers.app)
      .patch(`/v1/customers/${c.customerId}`)
      .set('Authorization', await as(sys, acct))
      .send({ firstName: 'Irene', lastName: 'Adler', addresses: { shipping: { street1: '1 Edited Rd' } } });
    expect(edit.status).toBe(200);
    const later = await postManualOrder(
      sys,
      acct,
      shipStationOrder('2', 'irene@example.com', {
        billTo: { name: 'Irene Norton', phone: '+44 20 7946 0002' },
        shipTo: { name: 'Irene Norton', street1: '9 Church Row', city: 'London', country: 'GB' },
        orderDate: '2026-11-22T10:00:00.0000000',
      }),
    );
    expect(later.status).toBe(201);
    await waitFor(async () => (await ordersOf(sys, acct, c.customerId)).total === 2 || undefined, {
      timeoutMs: 20000,
      what: 'both orders linked to the customer',
    });
    const o1 = await getOrder(sys, acct, first.body.orderId);
    expect(o1.shipTo).toMatchObject({ name: 'Sherlock Holmes', street1: '221 B Baker St' });
    expect(o1.buyer.name).toBe('Sherlock Holmes');
    const o2 = await getOrder(sys, acct, later.body.orderId);
    expect(o2.buyer.name).toBe('Irene Norton');
  });

  it('R2.7: after a merge, the orders of the merged record are listed under the survivor in order-ingest', async () => {
    const sys = getSys();
    const acct = accountOf('merge');
    await postManualOrder(sys, acct, shipStationOrder('1', 'john@example.com'));
    await postManualOrder(sys, acct, shipStationOrder('2', 'watson@example.com'));
    const [a] = await waitForCustomer(sys, acct, 'john@example.com');
    const [b] = await waitForCustomer(sys, acct, 'watson@example.com');
    await waitFor(async () => (await ordersOf(sys, acct, b.customerId)).total === 1 || undefined, {
      timeoutMs: 20000,
      what: 'the order linked to the second customer',
    });
    const merged = await request(sys.customers.app)
      .post('/v1/customers/merge')
      .set('Authorization', await as(sys, acct))
      .send({ survivorId: a.customerId, mergedIds: [b.customerId] });
    expect(merged.status).toBe(200);
    await waitFor(async () => (await ordersOf(sys, acct, a.customerId)).total === 2 || undefined, {
      timeoutMs: 20000,
      what: 'both orders under the survivor',
    });
  });

  it('R2.10: an erasure removes the personal data of the orders in order-ingest (rows and totals stay); the same buyer ordering again gets a new record', async () => {
    const sys = getSys();
    const acct = accountOf('erase');
    const order = await postManualOrder(sys, acct, shipStationOrder('1', 'moriarty@example.com'));
    const [c] = await waitForCustomer(sys, acct, 'moriarty@example.com');
    await waitFor(async () => (await ordersOf(sys, acct, c.customerId)).total === 1 || undefined, {
      timeoutMs: 20000,
      what: 'the order linked',
    });
    const erase = await request(sys.customers.app)
      .post('/v1/privacy-requests')
      .set('Authorization', await as(sys, acct))
      .send({ type: 'erase', customerId: c.customerId, basis: 'gdpr', note: 'ticket 4711' });
    expect(erase.status).toBe(201);
    const redacted = await waitFor(
      async () => {
        const o = await getOrder(sys, acct, order.body.orderId);
        return o.redacted ? o : undefined;
      },
      { timeoutMs: 20000, what: 'the order redacted in order-ingest' },
    );
    expect(redacted).toMatchObject({
      customerEmail: null,
      customerUsername: null,
      buyer: { name: null, phone: null },
      shipTo: null,
      billTo: null,
      orderTotal: 99.98,
    });
    await postManualOrder(sys, acct, shipStationOrder('2', 'moriarty@example.com'));
    const [fresh] = await waitForCustomer(sys, acct, 'moriarty@example.com');
    expect(fresh.customerId).not.toBe(c.customerId);
    expect(fresh.history.orderCount).toBe(1);
  });
}

describe('customer edits, merges and erasures across services (in-process bus, SQLite)', () => {
  let sys: System;
  let bus: InProcessBus;
  beforeAll(async () => {
    bus = new InProcessBus();
    sys = await startSystem({ customerDbUrl: 'sqlite::memory:', orderDbUrl: 'sqlite::memory:', bus });
  });
  afterAll(async () => {
    await sys.stop();
    await bus.close();
  });
  customerWriteFlows(
    () => sys,
    (n) => `acme_${n}`,
  );
});

describeReal('customer edits, merges and erasures across services (MariaDB, Kafka)', () => {
  let sys: Awaited<ReturnType<typeof startRealSystem>>;
  beforeAll(async () => {
    sys = await startRealSystem('custwrite');
  }, 120000);
  afterAll(async () => {
    await sys?.stop();
  });
  customerWriteFlows(
    () => sys,
    (n) => `acme_${n}`,
  );
});
