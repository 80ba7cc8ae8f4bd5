import request from 'supertest';
import {
  OrderImportRequested,
  type OrderImportRequestedV1,
} from '@crp/contracts/events/order-import-requested';
import type { OrderImportRowResultV1 } from '@crp/contracts/events/order-import-row-result';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import { decodeEvent } from '@crp/contracts/registry';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { TEST_SECRET, embeddedEnv } from '@crp/testing/service-env';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';

type Row = OrderImportRequestedV1['payload']['rows'][number];

const row = (lineNumber: number, orderNumber: string, extra: Partial<Row['order']> = {}): Row => ({
  lineNumber,
  order: {
    orderNumber,
    storeOrderId: null,
    orderDate: null,
    orderStatus: null,
    total: 45,
    currency: null,
    buyer: { username: null, email: 'Maria@Example.com', phone: null, name: null, company: null },
    shipTo: {
      name: 'Maria Garcia',
      company: null,
      street1: '1600 Pennsylvania Ave NW',
      street2: null,
      street3: null,
      city: 'Washington',
      state: 'DC',
      postalCode: '20500',
      country: 'US',
      phone: null,
    },
    billTo: null,
    items: [],
    notes: null,
    ...extra,
  },
});

describe('order CSV rows from csv-import-service (OrderImportRequested, R3.2, R1.9)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createOrderIngestService>>;
  let seq = 0;

  beforeEach(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterEach(async () => {
    await svc.stop();
    await bus.close();
  });

  const imported = () =>
    bus.messagesOn('OrderImported').map((m) => decodeEvent(m.value, 'OrderImported') as OrderImportedV1);
  const answers = () =>
    bus
      .messagesOn('OrderImportRowResult')
      .map((m) => decodeEvent(m.value, 'OrderImportRowResult') as OrderImportRowResultV1);

  /**
   * Publishes a chunk and waits for its answer. `olderProducer`: built by hand as a csv-import
   * older than ADR 0029 published it (any status text), not through newEvent.
   */
  async function send(
    payload: Partial<OrderImportRequestedV1['payload']> & { rows: Row[] },
    accountId = 'acme',
    olderProducer = false,
  ) {
    const chunk = ++seq;
    const ctx = {
      accountId,
      correlationId: 'import-imp_1',
      eventId: deterministicEventId('OrderImportRequested', 'imp_1', chunk),
    };
    const body = {
      jobId: 'imp_1',
      chunk,
      final: false,
      storeId: null,
      linkCustomers: false,
      receivedAt: '2026-11-23T12:00:00.000Z',
      ...payload,
    };
    const event = olderProducer
      ? {
          ...ctx,
          eventType: 'OrderImportRequested',
          eventVersion: 1,
          occurredAt: '2026-11-23T12:00:01.000Z',
          causationId: null,
          payload: body,
        }
      : newEvent(OrderImportRequested, ctx, body);
    await bus.publish([{ topic: 'OrderImportRequested', key: accountId, value: JSON.stringify(event) }]);
    return waitFor(() => answers().find((a) => a.payload.chunk === chunk), {
      what: `the answer to chunk ${chunk}`,
    });
  }

  it('imports rows as orders of the manual store and answers per row; without a username mapping nothing links', async () => {
    const answer = await send({
      rows: [row(2, 'ORD-101'), row(3, 'ORD-102', { orderDate: '2026-11-20T08:30:00.000Z' })],
    });
    expect(answer.payload).toMatchObject({ jobId: 'imp_1', part: 1, parts: 1 });
    expect(answer.payload.rows).toEqual([
      { lineNumber: 2, outcome: 'created', orderId: expect.stringMatching(/^ord_/), reason: null },
      { lineNumber: 3, outcome: 'created', orderId: expect.stringMatching(/^ord_/), reason: null },
    ]);
    const events = await waitFor(() => imported().length === 2 && imported());
    expect(events.map((e) => e.payload.source)).toEqual(['csv', 'csv']);
    // R3.2: no buyer key in the announcement, so customer-service links none of them.
    expect(events[0]!.payload.buyer).toMatchObject({
      username: null,
      email: null,
      phone: null,
      name: 'Maria Garcia',
    });
    expect(events[0]!.payload.order).toMatchObject({
      storeType: 'manual',
      orderNumber: 'ORD-101',
      orderDate: '2026-11-23T12:00:00.000Z',
    });
    expect(events[1]!.payload.order.orderDate).toBe('2026-11-20T08:30:00.000Z');
    const token = await signDevToken(TEST_SECRET, { accountId: 'acme' });
    const orders = await request(svc.app)
      .get('/v1/orders')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    // The order itself keeps its email.
    expect(orders.body.orders.map((o: { customerEmail: string }) => o.customerEmail)).toEqual([
      'Maria@Example.com',
      'Maria@Example.com',
    ]);
  });

  it('with the username mapped the buyer travels (lower-cased email key); re-importing the same rows is unchanged (R1.9)', async () => {
    const linked = row(2, 'ORD-201', {
      buyer: {
        username: 'Maria@Example.com',
        email: 'Maria@Example.com',
        phone: null,
        name: null,
        company: null,
      },
    });
    const first = await send({ linkCustomers: true, rows: [linked] });
    expect(first.payload.rows[0]!.outcome).toBe('created');
    const event = await waitFor(() => imported()[0]);
    expect(event.payload.buyer).toMatchObject({ username: 'maria@example.com', email: 'Maria@Example.com' });
    const again = await send({ linkCustomers: true, rows: [linked] });
    expect(again.payload.rows[0]).toMatchObject({
      outcome: 'unchanged',
      orderId: first.payload.rows[0]!.orderId,
    });
    const changed = await send({
      linkCustomers: true,
      rows: [{ ...linked, order: { ...linked.order, total: 50 } }],
    });
    expect(changed.payload.rows[0]).toMatchObject({
      outcome: 'updated',
      orderId: first.payload.rows[0]!.orderId,
    });
    expect(imported().map((e) => e.payload.order.revision)).toEqual([1, 2]);
  });

  it('a chunk an older csv-import published (ADR 0029): a status spelling is stored and announced canonical and found by ?status=; a word that is no status is that row’s reason; csv-import can no longer publish either', async () => {
    const rows = [
      row(2, 'ORD-301', { orderStatus: 'shipped' }),
      row(3, 'ORD-302', { orderStatus: 'Awaiting Shipment' }),
      row(4, 'ORD-303', { orderStatus: 'Delivered' }),
    ];
    for (const r of rows.slice(1))
      await expect(send({ rows: [r] })).rejects.toThrow(
        /\/payload\/rows\/0\/order\/orderStatus must be one of/,
      );
    const answer = await send({ rows }, 'acme', true);
    expect(answer.payload.rows).toEqual([
      { lineNumber: 2, outcome: 'created', orderId: expect.any(String), reason: null },
      { lineNumber: 3, outcome: 'created', orderId: expect.any(String), reason: null },
      {
        lineNumber: 4,
        outcome: 'rejected',
        orderId: null,
        reason: expect.stringMatching(/orderStatus "Delivered" is not an order status \(one of: /),
      },
    ]);
    const token = await signDevToken(TEST_SECRET, { accountId: 'acme' });
    const found = await request(svc.app)
      .get('/v1/orders?status=awaiting_shipment')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(found.body.orders.map((o: { orderNumber: string }) => o.orderNumber)).toEqual(['ORD-302']);
    const announced = await waitFor(() => imported().length === 2 && imported());
    expect(announced.map((e) => e.payload.order.orderStatus)).toEqual(['shipped', 'awaiting_shipment']);
  });

  it('rejects the rows of a store the account does not have', async () => {
    const answer = await send({ storeId: 'st_nope', rows: [row(2, 'X')] });
    expect(answer.payload.rows).toEqual([
      { lineNumber: 2, outcome: 'rejected', orderId: null, reason: 'store st_nope was not found' },
    ]);
    expect(imported()).toEqual([]);
  });

  // ADR 0029: producers publish a storeId of at most TEXT_LIMITS.storeId; a chunk an older
  // csv-import published with a longer one (it allowed 80) is answered, not dead-lettered, so its
  // job completes.
  it('a chunk an older producer published with a storeId longer than TEXT_LIMITS.storeId is answered "not found" per row', async () => {
    const storeId = `st_${'x'.repeat(TEXT_LIMITS.storeId)}`;
    expect(() =>
      newEvent(
        OrderImportRequested,
        { accountId: 'acme', correlationId: 'c' },
        {
          jobId: 'imp_1',
          chunk: 1,
          final: false,
          storeId,
          linkCustomers: false,
          receivedAt: '2026-11-23T12:00:00.000Z',
          rows: [],
        },
      ),
    ).toThrow(/storeId/);
    const answer = await send({ storeId, rows: [row(2, 'X')] }, 'acme', true);
    expect(answer.payload.rows).toEqual([
      { lineNumber: 2, outcome: 'rejected', orderId: null, reason: `store ${storeId} was not found` },
    ]);
    expect(imported()).toEqual([]);
  });
});
