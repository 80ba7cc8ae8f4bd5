import request from 'supertest';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import { decodeEvent } from '@crp/contracts/registry';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { listExpressRoutes } from '@crp/platform/http';
import { readFixtureJson } from '@crp/testing/fixtures';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { TEST_SECRET as SECRET, embeddedEnv } from '@crp/testing/service-env';

describe('order-ingest-service HTTP API (SQLite, in-process bus)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  const auth = async (accountId = 'acme', role: 'admin' | 'member' = 'admin') =>
    `Bearer ${await signDevToken(SECRET, { accountId, role })}`;
  const published = () =>
    bus.messagesOn('OrderImported').map((m) => decodeEvent(m.value, 'OrderImported') as OrderImportedV1);
  const body = (n: string, extra: Record<string, unknown> = {}) => ({
    orderNumber: n,
    orderDate: '2026-11-20T10:00:00.0000000',
    customerEmail: 'Ada@Example.com',
    billTo: { name: 'Ada Lovelace', phone: '+44 20 7946 0001' },
    shipTo: {
      name: 'Ada Lovelace',
      street1: '12 St James Sq',
      city: 'London',
      postalCode: 'SW1Y 4JH',
      country: 'GB',
    },
    orderTotal: 10,
    ...extra,
  });

  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  it('R3.1: a manual order with an email is stored and announced as OrderImported from the manual store', async () => {
    const res = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth())
      .send(body('M-1'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orderNumber: 'M-1',
      orderKey: 'M-1',
      importStatus: 'created',
      revision: 1,
    });
    const [event] = await waitFor(() => (published().length ? published() : undefined));
    expect(event!.accountId).toBe('acme');
    expect(event!.payload.order).toMatchObject({
      storeType: 'manual',
      storeOrderId: 'M-1',
      orderDate: '2026-11-20T18:00:00.000Z', // no offset: ShipStation's US Pacific time
    });
    expect(event!.payload.buyer).toMatchObject({
      username: 'ada@example.com',
      email: 'Ada@Example.com',
      phone: '+44 20 7946 0001',
      name: 'Ada Lovelace',
    });
    expect(event!.payload.source).toBe('manual');
  });

  it('R1.4: a manual order whose customerEmail is not an address (not-an-email) is stored with it as written and announced without a buyer key', async () => {
    const res = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth())
      .send(body('M-typo', { customerEmail: 'not-an-email' }));
    expect(res.status).toBe(201);
    expect(res.body.customerEmail).toBe('not-an-email');
    const [event] = await waitFor(() => (published().length ? published() : undefined));
    expect(event!.payload.buyer).toMatchObject({ username: null, email: 'not-an-email' });
  });

  it('R3.1: a manual order without customerEmail is refused, and nothing is written', async () => {
    const res = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', await auth())
      .send(body('M-2', { customerEmail: '  ' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/customerEmail/),
    });
    const list = await request(svc.app)
      .get('/v1/orders')
      .set('Authorization', await auth());
    expect(list.body.total).toBe(0);
  });

  it('R1.9: the same order again is unchanged and publishes nothing; a changed one is a new revision', async () => {
    const token = await auth();
    await request(svc.app).post('/v1/orders').set('Authorization', token).send(body('M-3'));
    const again = await request(svc.app).post('/v1/orders').set('Authorization', token).send(body('M-3'));
    expect(again.status).toBe(200);
    expect(again.body.importStatus).toBe('unchanged');
    const changed = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', token)
      .send(body('M-3', { orderTotal: 12.5 }));
    expect(changed.body).toMatchObject({ importStatus: 'updated', revision: 2, orderTotal: 12.5 });
    const events = await waitFor(() => (published().length === 2 ? published() : undefined));
    expect(events.map((e) => e.payload.order.revision)).toEqual([1, 2]);
    expect(new Set(events.map((e) => e.payload.order.orderId)).size).toBe(1);
  });

  it('unknown fields are ignored; a bad orderDate or a missing orderNumber is a 400 naming the field', async () => {
    const token = await auth();
    const ok = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', token)
      .send(body('M-4', { gift: true, weight: { value: 3 } }));
    expect(ok.status).toBe(201);
    const badDate = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', token)
      .send(body('M-5', { orderDate: 'last tuesday' }));
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.message).toMatch(/orderDate "last tuesday"/);
    const noNumber = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', token)
      .send({ ...body('x'), orderNumber: undefined });
    expect(noNumber.status).toBe(400);
    expect(noNumber.body.error.message).toMatch(/orderNumber is required/);
    const wrongType = await request(svc.app)
      .post('/v1/orders')
      .set('Authorization', token)
      .send(body('M-6', { orderTotal: '12' }));
    expect(wrongType.status).toBe(400);
  });

  it("stores are per account: another account's store is a 404, and a member cannot connect one", async () => {
    const created = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', await auth())
      .send({ type: 'ebay', name: 'Acme eBay' });
    expect(created.status).toBe(201);
    const foreign = await request(svc.app)
      .post(`/v1/stores/${created.body.storeId}/orders`)
      .set('Authorization', await auth('globex'))
      .send(body('E-1'));
    expect(foreign.status).toBe(404);
    const member = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', await auth('acme', 'member'))
      .send({ type: 'ebay', name: 'x' });
    expect(member.status).toBe(403);
    const stores = await request(svc.app)
      .get('/v1/stores')
      .set('Authorization', await auth());
    expect(stores.body.stores.map((s: { type: string }) => s.type)).toEqual(['manual', 'ebay']);
  });

  it("ShipStation's published orders import into a store with the channel's buyer key", async () => {
    const token = await auth();
    const store = await request(svc.app)
      .post('/v1/stores')
      .set('Authorization', token)
      .send({ type: 'ebay', name: 'Acme eBay' });
    const { orders } = readFixtureJson<{ orders: Array<Record<string, unknown>> }>(
      'shipstation',
      'orders-list-response.json',
    );
    for (const o of orders) {
      const res = await request(svc.app)
        .post(`/v1/stores/${store.body.storeId}/orders`)
        .set('Authorization', token)
        .send(o);
      expect(res.status).toBe(201);
    }
    const events = await waitFor(() => (published().length === orders.length ? published() : undefined));
    expect(events.map((e) => e.payload.buyer.username)).toEqual(
      orders.map((o) => o.customerUsername ?? null),
    );
    expect(events.every((e) => e.payload.order.storeType === 'ebay' && e.payload.source === 'store')).toBe(
      true,
    );
  });

  describe('batches: an array of orders in one request', () => {
    const storeOf = async (token: string) =>
      (
        await request(svc.app)
          .post('/v1/stores')
          .set('Authorization', token)
          .send({ type: 'api', name: 'Acme API' })
      ).body.storeId as string;

    it('answers per order, by index and orderNumber: created, rejected with the reason, unchanged, updated', async () => {
      const token = await auth();
      const storeId = await storeOf(token);
      const first = await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', token)
        .send([
          body('B-1'),
          body('B-2', { orderDate: 'not a date' }),
          { ...body('B-3'), orderNumber: 42 },
          body('B-4'),
          'not an order',
        ]);
      expect(first.status).toBe(200);
      expect(first.body.counts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 3 });
      expect(first.body.results).toEqual([
        { index: 0, orderNumber: 'B-1', status: 'created', orderId: expect.stringMatching(/^ord_/) },
        {
          index: 1,
          orderNumber: 'B-2',
          status: 'rejected',
          reason: expect.stringMatching(/orderDate "not a date"/),
        },
        {
          index: 2,
          orderNumber: null,
          status: 'rejected',
          reason: expect.stringMatching(/orders\[2\] orderNumber must be string/),
        },
        { index: 3, orderNumber: 'B-4', status: 'created', orderId: expect.any(String) },
        { index: 4, orderNumber: null, status: 'rejected', reason: expect.stringMatching(/orders\[4\]/) },
      ]);
      const again = await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', token)
        .send([body('B-1'), body('B-4', { orderTotal: 99 })]);
      expect(again.body.results.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'updated']);
      expect(again.body.results[0].orderId).toBe(first.body.results[0].orderId);
      const events = await waitFor(() => (published().length === 3 ? published() : undefined));
      expect(events.map((e) => [e.payload.order.orderNumber, e.payload.order.revision])).toEqual([
        ['B-1', 1],
        ['B-4', 1],
        ['B-4', 2],
      ]);
    });

    it('takes 1,000 orders in one request, each stored once and announced once', async () => {
      const token = await auth();
      const storeId = await storeOf(token);
      const orders = Array.from({ length: 1000 }, (_, i) =>
        body(`K-${i}`, { customerEmail: `buyer${i % 700}@example.com` }),
      );
      const res = await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', token)
        .send(orders);
      expect(res.status).toBe(200);
      expect(res.body.counts).toEqual({ created: 1000, updated: 0, unchanged: 0, rejected: 0 });
      const list = await request(svc.app)
        .get(`/v1/orders?storeId=${storeId}&limit=1`)
        .set('Authorization', token);
      expect(list.body.total).toBe(1000);
      const events = await waitFor(() => (published().length === 1000 ? published() : undefined), {
        timeoutMs: 20000,
      });
      expect(new Set(events.map((e) => e.payload.order.storeOrderId)).size).toBe(1000);
    });

    it('manual orders in an array: each without an email is rejected alone (R3.1)', async () => {
      const token = await auth();
      const res = await request(svc.app)
        .post('/v1/orders')
        .set('Authorization', token)
        .send([body('MA-1'), body('MA-2', { customerEmail: null }), body('MA-3')]);
      expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
        'created',
        'rejected',
        'created',
      ]);
      expect(res.body.results[1].reason).toMatch(/customerEmail \(R3\.1\)/);
    });

    it('an empty array, or one over the limit, is a 400 that says the limit', async () => {
      const token = await auth();
      const res = await request(svc.app).post('/v1/orders').set('Authorization', token).send([]);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/between 1 and 5000 orders/);
    });
  });

  describe('orderStatus at the door: stored canonical, so GET /v1/orders?status= finds it; a word that is no status is refused', () => {
    const statusesOf = async (qs: string) =>
      (
        await request(svc.app)
          .get(`/v1/orders?${qs}`)
          .set('Authorization', await auth())
      ).body.orders.map((o: { orderNumber: string; orderStatus: string | null }) => [
        o.orderNumber,
        o.orderStatus,
      ]);

    it('POST /v1/orders: a canonical status and people’s spellings are stored canonical; null stays null; an unknown one is a 400 naming orderStatus and the statuses', async () => {
      const token = await auth();
      for (const [n, orderStatus] of [
        ['S-1', 'awaiting_shipment'],
        ['S-2', 'Awaiting Shipment'],
        ['S-3', 'awaiting-shipment'],
        ['S-4', 'SHIPPED'],
        ['S-5', 'Canceled'],
        ['S-6', null],
      ] as const) {
        const res = await request(svc.app)
          .post('/v1/orders')
          .set('Authorization', token)
          .send(body(n, { orderStatus }));
        expect(res.status).toBe(201);
      }
      expect(await statusesOf('status=awaiting_shipment')).toEqual(
        expect.arrayContaining([
          ['S-1', 'awaiting_shipment'],
          ['S-2', 'awaiting_shipment'],
          ['S-3', 'awaiting_shipment'],
        ]),
      );
      expect(await statusesOf('status=awaiting_shipment')).toHaveLength(3);
      expect(await statusesOf('status=shipped')).toEqual([['S-4', 'shipped']]);
      expect(await statusesOf('status=cancelled')).toEqual([['S-5', 'cancelled']]);
      const bad = await request(svc.app)
        .post('/v1/orders')
        .set('Authorization', token)
        .send(body('S-7', { orderStatus: 'Delivered' }));
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(
          /orderStatus "Delivered" is not an order status \(one of: awaiting_payment, awaiting_shipment, pending_fulfillment, shipped, on_hold, cancelled, rejected_fulfillment/,
        ),
      });
      const all = await request(svc.app).get('/v1/orders').set('Authorization', token);
      expect(all.body.total).toBe(6);
    });

    it('POST /v1/stores/:id/orders with an array: an unknown status is that order’s reason, the others import canonical', async () => {
      const token = await auth();
      const storeId = (
        await request(svc.app)
          .post('/v1/stores')
          .set('Authorization', token)
          .send({ type: 'api', name: 'Acme API' })
      ).body.storeId as string;
      const res = await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', token)
        .send([
          body('A-1', { orderStatus: 'On Hold' }),
          body('A-2', { orderStatus: 'lost in the mail' }),
          body('A-3', { orderStatus: 'pending_fulfillment' }),
        ]);
      expect(res.status).toBe(200);
      expect(res.body.counts).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 1 });
      expect(res.body.results[1]).toEqual({
        index: 1,
        orderNumber: 'A-2',
        status: 'rejected',
        reason: expect.stringMatching(
          /orderStatus "lost in the mail" is not an order status \(one of: .*on_hold/,
        ),
      });
      expect(await statusesOf('status=on_hold')).toEqual([['A-1', 'on_hold']]);
      expect(await statusesOf('status=pending_fulfillment')).toEqual([['A-3', 'pending_fulfillment']]);
      // One object to a store: the unknown status is the request's 400.
      const one = await request(svc.app)
        .post(`/v1/stores/${storeId}/orders`)
        .set('Authorization', token)
        .send(body('A-4', { orderStatus: 'Delivered' }));
      expect(one.status).toBe(400);
      expect(one.body.error.message).toMatch(/orderStatus "Delivered"/);
    });
  });

  describe('GET /v1/orders: a query parameter it cannot use is a 400 naming it, never an empty page', () => {
    const list = async (qs: string) =>
      request(svc.app)
        .get(`/v1/orders?${qs}`)
        .set('Authorization', await auth());
    const refused = (problem: RegExp | string) => ({
      error: {
        code: 'VALIDATION_FAILED',
        message: expect.any(String),
        details: [typeof problem === 'string' ? problem : expect.stringMatching(problem)],
        correlationId: expect.any(String),
      },
    });

    it('status: one of the statuses orders have (ShipStation’s), listed in the answer', async () => {
      const res = await list('status=bogus');
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        refused(
          'query parameter status must be one of "awaiting_payment", "awaiting_shipment", "pending_fulfillment", "shipped", "on_hold", "cancelled", "rejected_fulfillment"',
        ),
      );
      for (const qs of ['status=Shipped', 'status=', 'status=shipped&status=on_hold'])
        expect((await list(qs)).status).toBe(400);
      for (const status of ['awaiting_payment', 'shipped', 'on_hold', 'pending_fulfillment'])
        expect((await list(`status=${status}`)).body).toMatchObject({ orders: [], total: 0 });
    });

    it('updatedSince: an ISO 8601 date-time with its offset', async () => {
      for (const since of [
        'yesterday',
        '2026-11-20',
        '2026-02-30T10:00:00Z',
        '2026-11-20T25:00:00Z',
        '1732000000',
      ]) {
        const res = await list(`updatedSince=${since}`);
        expect({ since, status: res.status }).toEqual({ since, status: 400 });
        expect(res.body).toEqual(refused(/^query parameter updatedSince must match format "date-time"/));
      }
      expect((await list('updatedSince=2026-11-20T10:00:00%2B01:00')).status).toBe(200);
      expect((await list('updatedSince=2026-11-20T10:00:00.123Z')).status).toBe(200);
    });

    it('storeId and customerId: ids of their kind (st_…, client:<account> for a 3PL’s delegated orders; cus_…)', async () => {
      for (const qs of [
        'storeId=bogus',
        'storeId=st_',
        'storeId=st_a%20b',
        'storeId=client:',
        `storeId=st_${'x'.repeat(80)}`,
        `storeId=client:${'a'.repeat(TEXT_LIMITS.accountId + 1)}`,
      ]) {
        const res = await list(qs);
        expect({ qs, status: res.status }).toEqual({ qs, status: 400 });
        expect(res.body).toEqual(refused(/^query parameter storeId must be a store id: st_…/));
      }
      for (const qs of [
        'customerId=bogus',
        'customerId=cus_',
        'customerId=cus_a/b',
        `customerId=cus_${'x'.repeat(TEXT_LIMITS.id - 4 + 1)}`,
      ]) {
        const res = await list(qs);
        expect({ qs, status: res.status }).toEqual({ qs, status: 400 });
        expect(res.body).toEqual(
          refused(
            /^query parameter customerId must (be a customer id: cus_…|NOT have more than 40 characters)/,
          ),
        );
      }
      for (const qs of [
        'storeId=st_manual_acme',
        'storeId=st_018f2a3b4c5d6e7f8a9b0c',
        'storeId=client:acme-eu.1',
        `storeId=client:${'a'.repeat(TEXT_LIMITS.accountId)}`,
        `storeId=st_${'x'.repeat(TEXT_LIMITS.storeId - 3)}`,
        'customerId=cus_018f2a3b4c5d6e7f8a9b0c',
      ])
        expect({ qs, status: (await list(qs)).status }).toEqual({ qs, status: 200 });
    });

    it('storeId: one longer than a store id can be (TEXT_LIMITS.storeId) is a 400 naming it, as no order can be in that store', async () => {
      for (const length of [TEXT_LIMITS.storeId + 1, 70]) {
        const qs = `storeId=st_${'x'.repeat(length - 3)}`;
        const res = await list(qs);
        expect({ qs, status: res.status }).toEqual({ qs, status: 400 });
        expect(res.body).toEqual(
          refused(
            `query parameter storeId must be a store id: st_… of at most ${TEXT_LIMITS.storeId} characters (letters, digits, _ . -), or client:<account id> for a 3PL's delegated orders`,
          ),
        );
      }
    });

    it('limit: a whole number from 1 to 500', async () => {
      for (const limit of ['0', '501', '-1', '2.5', 'ten']) {
        const res = await list(`limit=${limit}`);
        expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
        expect(res.body).toEqual(refused(/^query parameter limit must be (<=|>=|integer)/));
      }
      expect((await list('limit=500')).status).toBe(200);
    });

    it('an unknown parameter (a misspelt filter) is refused with the known ones', async () => {
      const res = await list('stauts=shipped');
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        refused(
          'query parameter stauts is not known here (known: storeId, customerId, status, updatedSince, cursor, limit)',
        ),
      );
    });

    it('a cursor this API did not return', async () => {
      const res = await list('cursor=%7B%7D!');
      expect(res.status).toBe(400);
      expect(res.body).toEqual(refused('query parameter cursor is invalid'));
    });
  });

  it('serves an OpenAPI document that lists exactly the routes it serves', async () => {
    const doc = (await request(svc.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const served = listExpressRoutes(svc.app).map((r) => r.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
    expect(served.sort()).toEqual(documented.sort());
  });

  it("an unknown store's PATCH, sync and sync list answer 404, as /openapi.json declares", async () => {
    const doc = (await request(svc.app).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const calls: Array<[string, 'patch' | 'post' | 'get', string]> = [
      ['/v1/stores/{storeId}', 'patch', '/v1/stores/sto_nope'],
      ['/v1/stores/{storeId}/sync', 'post', '/v1/stores/sto_nope/sync'],
      ['/v1/stores/{storeId}/syncs', 'get', '/v1/stores/sto_nope/syncs'],
    ];
    for (const [path, method, url] of calls) {
      expect(doc.paths[path]![method]!.responses['404']).toBeDefined();
      await request(svc.app)
        [method](url)
        .set('Authorization', await auth())
        .send({ name: 'x' })
        .expect(404);
    }
  });

  it('a store id in the path longer than a store id can be is a 400 naming storeId, not a lookup', async () => {
    const long = `st_${'x'.repeat(TEXT_LIMITS.storeId - 2)}`;
    const calls: Array<['get' | 'patch' | 'delete' | 'post', string]> = [
      ['get', `/v1/stores/${long}`],
      ['patch', `/v1/stores/${long}`],
      ['delete', `/v1/stores/${long}`],
      ['post', `/v1/stores/${long}/sync`],
      ['get', `/v1/stores/${long}/syncs`],
      ['get', `/v1/stores/${long}/syncs/job_1`],
      ['post', `/v1/stores/${long}/orders`],
    ];
    for (const [method, url] of calls) {
      const res = await request(svc.app)
        [method](url)
        .set('Authorization', await auth())
        .send(method === 'post' && url.endsWith('/orders') ? body('P-1') : { name: 'x' });
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 400 });
      expect(res.body.error.details).toEqual([
        `path parameter storeId must NOT have more than ${TEXT_LIMITS.storeId} characters`,
      ]);
    }
    // The longest store id there can be is looked up (no such store here).
    await request(svc.app)
      .get(`/v1/stores/st_${'x'.repeat(TEXT_LIMITS.storeId - 3)}`)
      .set('Authorization', await auth())
      .expect(404);
  });

  it('401 without a token, in the one error shape', async () => {
    const res = await request(svc.app).get('/v1/orders');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'UNAUTHORIZED', message: expect.any(String), correlationId: expect.any(String) },
    });
  });
});
