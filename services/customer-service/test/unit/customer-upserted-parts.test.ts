import { Type } from '@sinclair/typebox';
import { assertValid } from '@crp/contracts/ajv';
import {
  CUSTOMER_UPSERTED_MAX_ORDER_IDS,
  CustomerUpserted,
  CustomerUpsertedPayload,
} from '@crp/contracts/events/customer-upserted';
import { newEvent } from '@crp/contracts/new-event';
import { decodeEvent } from '@crp/contracts/registry';
import { customerUpserted, customerUpsertedParts } from '../../src/app/customer-events';
import { emptyCustomer } from '../../src/domain/customer';
import type { CustomerRecord } from '../../src/domain/records';

// ADR 0036: a batch that links more orders to one record than one event carries announces the
// record once per part; every part is a valid event and together they list every order once.
describe('CustomerUpserted orderIds, bounded per event', () => {
  const ctx = { accountId: 'acme', correlationId: 'c1', causationId: null };
  const record: CustomerRecord = {
    id: 'cus_walkin',
    accountId: 'acme',
    status: 'active',
    mergedIntoId: null,
    ...emptyCustomer(),
    emailNormalized: null,
    phoneE164: null,
    orderCount: 0,
    totalSpent: 0,
    firstOrderDate: null,
    lastOrderDate: null,
    erasedAt: null,
    version: 7,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `ord_${String(i).padStart(36, '0')}`);

  it('more than one event holds: the contract refuses it, so the orders are split over events of the same record', () => {
    const all = ids(2 * CUSTOMER_UPSERTED_MAX_ORDER_IDS + 1);
    expect(() => customerUpserted(ctx, record, [], 'order', false, all.at(-1)!, all)).toThrow(
      new RegExp(`/payload/orderIds must NOT have more than ${CUSTOMER_UPSERTED_MAX_ORDER_IDS} items`),
    );
    const parts = customerUpsertedParts(ctx, record, [], false, all.at(-1)!, all);
    expect(parts.map((p) => p.payload.orderIds!.length)).toEqual([
      CUSTOMER_UPSERTED_MAX_ORDER_IDS,
      CUSTOMER_UPSERTED_MAX_ORDER_IDS,
      1,
    ]);
    expect(parts.flatMap((p) => p.payload.orderIds)).toEqual(all);
    for (const p of parts) {
      expect(p.payload.customer).toMatchObject({ customerId: 'cus_walkin', version: 7 });
      expect(decodeEvent(JSON.stringify(p), 'CustomerUpserted')).toEqual(p);
    }
    expect(new Set(parts.map((p) => p.eventId)).size).toBe(3);
  });

  it('a record the batch linked no order to still has its one event, with an empty list', () => {
    expect(customerUpsertedParts(ctx, record, [], false, 'ord_1', []).map((p) => p.payload.orderIds)).toEqual(
      [[]],
    );
  });

  it('a consumer that does not know orderIds (the payload schema before ADR 0036) accepts an event carrying it; one without orderIds still decodes now', () => {
    const e = newEvent(CustomerUpserted, ctx, { ...CustomerUpserted.example.payload, orderIds: ['ord_01'] });
    const before = Type.Omit(CustomerUpsertedPayload, ['orderIds']);
    expect(assertValid(before, e.payload, 'payload')).toBe(e.payload);
    const { orderIds: _omitted, ...older } = e.payload;
    const decoded = decodeEvent(JSON.stringify({ ...e, payload: older }), 'CustomerUpserted');
    expect(decoded.payload).not.toHaveProperty('orderIds');
  });
});
