import { ContractViolation } from '../src/ajv';
import { OrderImportRequested } from '../src/events/order-import-requested';
import { OrderImported } from '../src/events/order-imported';
import { newEvent } from '../src/new-event';
import { canonicalOrderStatus } from '../src/order-status';
import { assertEvent, decodeEvent } from '../src/registry';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const ctx = { accountId: 'acme', correlationId: 'c1' };

/** OrderImported / OrderImportRequested as an older producer published them, with `status`. */
const legacyImported = (status: unknown) => {
  const e = clone(OrderImported.example) as unknown as { payload: { order: { orderStatus: unknown } } };
  e.payload.order.orderStatus = status;
  return JSON.stringify(e);
};
const legacyRequested = (status: unknown) => {
  const e = clone(OrderImportRequested.example) as unknown as {
    payload: { rows: Array<{ order: { orderStatus: unknown } }> };
  };
  e.payload.rows[0]!.order.orderStatus = status;
  return JSON.stringify(e);
};

describe('order statuses in events (ADR 0029)', () => {
  it('a producer can publish only a status or null (newEvent refuses a spelling or another word, naming the field); the same event an older producer published still decodes, read with canonicalOrderStatus', () => {
    for (const status of ['Awaiting Shipment', 'shipped ', 'canceled', 'Delivered', 'wc-awaiting-pickup']) {
      const order = { ...OrderImported.example.payload.order, orderStatus: status };
      expect(() => newEvent(OrderImported, ctx, { ...OrderImported.example.payload, order })).toThrow(
        /OrderImported v1 is invalid: \/payload\/order\/orderStatus must be one of "awaiting_payment"/,
      );
      const rows = [
        {
          ...OrderImportRequested.example.payload.rows[0]!,
          order: { ...OrderImportRequested.example.payload.rows[0]!.order, orderStatus: status },
        },
      ];
      expect(() =>
        newEvent(OrderImportRequested, ctx, { ...OrderImportRequested.example.payload, rows }),
      ).toThrow(/\/payload\/rows\/0\/order\/orderStatus must be one of "awaiting_payment"/);

      // Published before the narrowing, the same event is not dead-lettered: it decodes as it was.
      const imported = decodeEvent(legacyImported(status), 'OrderImported') as typeof OrderImported.example;
      expect(imported.payload.order.orderStatus).toBe(status);
      const requested = decodeEvent(
        legacyRequested(status),
        'OrderImportRequested',
      ) as typeof OrderImportRequested.example;
      expect(requested.payload.rows[0]!.order.orderStatus).toBe(status);
    }
    expect(canonicalOrderStatus('Awaiting Shipment')).toBe('awaiting_shipment');
    for (const status of ['shipped', 'awaiting_shipment', null]) {
      const order = { ...OrderImported.example.payload.order, orderStatus: status };
      expect(
        newEvent(OrderImported, ctx, { ...OrderImported.example.payload, order }).payload.order.orderStatus,
      ).toBe(status);
    }
  });

  it('the outbox check of an event not built by newEvent refuses a non-status the same way; a status invalid before (not a text, too long) is still dead-lettered by consumers (ContractViolation, not retried)', () => {
    expect(() =>
      assertEvent(OrderImported as never, JSON.parse(legacyImported('Awaiting Shipment'))),
    ).toThrow(ContractViolation);
    expect(() =>
      assertEvent(OrderImported as never, JSON.parse(legacyImported('awaiting_shipment'))),
    ).not.toThrow();
    for (const status of [42, 'x'.repeat(33)]) {
      for (const [raw, topic] of [
        [legacyImported(status), 'OrderImported'],
        [legacyRequested(status), 'OrderImportRequested'],
      ] as const) {
        try {
          decodeEvent(raw, topic);
          throw new Error('expected a ContractViolation');
        } catch (err) {
          expect(err).toBeInstanceOf(ContractViolation);
          expect((err as ContractViolation).retriable).toBe(false);
          expect((err as ContractViolation).message).toMatch(/orderStatus/);
        }
      }
    }
  });
});
