import { readFixtureJson } from '@crp/testing/fixtures';
import {
  OrderFormatError,
  buyerKey,
  normalizeShipStationOrder,
  parseOrderDate,
  toAddress,
  type ShipStationOrder,
} from '../../src/domain/shipstation-order';

describe('ShipStation order format', () => {
  it('reads ShipStation dates without an offset (7 fraction digits) as US Pacific time, as ShipStation documents', () => {
    // June: PDT, UTC-7
    expect(parseOrderDate('2015-06-28T17:46:27.0000000').toISOString()).toBe('2015-06-29T00:46:27.000Z');
    expect(parseOrderDate('2015-06-28T17:46:27.1234567').toISOString()).toBe('2015-06-29T00:46:27.123Z');
    // November: PST, UTC-8; a bare day is midnight Pacific
    expect(parseOrderDate('2026-11-20T10:00:00.0000000').toISOString()).toBe('2026-11-20T18:00:00.000Z');
    expect(parseOrderDate('2026-11-20').toISOString()).toBe('2026-11-20T08:00:00.000Z');
  });

  it('follows the daylight-saving change of that very day', () => {
    expect(parseOrderDate('2026-03-08T01:30:00').toISOString()).toBe('2026-03-08T09:30:00.000Z');
    expect(parseOrderDate('2026-03-08T03:30:00').toISOString()).toBe('2026-03-08T10:30:00.000Z');
  });

  it('keeps an explicit offset', () => {
    expect(parseOrderDate('2026-11-20T10:00:00-05:00').toISOString()).toBe('2026-11-20T15:00:00.000Z');
    expect(parseOrderDate('2026-11-20T10:00:00Z').toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(parseOrderDate('2026-11-20T10:00:00+00:00').toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it.each(['yesterday', '2026-13-45T00:00:00', '2026-02-30T10:00:00', '20/11/2026', ''])(
    'refuses %p with a reason',
    (raw) => {
      expect(() => parseOrderDate(raw)).toThrow(OrderFormatError);
    },
  );

  it('R1.2: the buyer key depends on the channel', () => {
    expect(buyerKey('amazon', 'amzn-user', 'Buyer@Example.com')).toBe('buyer@example.com');
    expect(buyerKey('manual', 'whoever', 'Buyer@Example.com')).toBe('buyer@example.com');
    expect(buyerKey('ebay', 'ebay_buyer_1', 'buyer@example.com')).toBe('ebay_buyer_1');
    expect(buyerKey('shopify', '207119551', 'bob@example.com')).toBe('207119551');
    expect(buyerKey('woocommerce', null, 'Guest@Example.com')).toBe('guest@example.com');
    expect(buyerKey('ebay', null, null)).toBeNull();
  });

  it('R1.4: an email that is not an address (not-an-email, a@, x@y@z) is never the buyer key; a username still is', () => {
    for (const bad of ['not-an-email', 'a@', 'x@y@z']) {
      expect(buyerKey('manual', null, bad)).toBeNull();
      expect(buyerKey('amazon', null, bad)).toBeNull();
      expect(buyerKey('woocommerce', null, bad)).toBeNull();
      expect(buyerKey('ebay', 'bidder42', bad)).toBe('bidder42');
    }
  });

  it('an address of nothing but blanks and nulls is no address', () => {
    expect(toAddress({ name: '  ', street1: null, country: '' })).toBeNull();
    expect(toAddress({ name: 'Ann', country: 'gb' })).toMatchObject({
      name: 'Ann',
      country: 'GB',
      street1: null,
    });
  });

  describe("every order of ShipStation's published GET /orders sample", () => {
    const { orders } = readFixtureJson<{ orders: ShipStationOrder[] }>(
      'shipstation',
      'orders-list-response.json',
    );

    it.each(orders.map((o) => [o.orderNumber, o] as const))('%s normalizes', (_n, o) => {
      const n = normalizeShipStationOrder(o, 'api');
      expect(n.storeOrderId).toBe(o.orderKey ?? o.orderNumber);
      expect(Number.isNaN(n.orderDate.getTime())).toBe(false);
      expect(n.username).toBe(o.customerUsername ?? o.customerEmail?.toLowerCase() ?? null);
      // billTo is "mostly nulls" in the sample: the name still comes through, the address from shipTo
      expect(n.buyerName).toBe(o.billTo?.name ?? o.shipTo?.name ?? null);
      expect(n.shipTo?.country).toBe(o.shipTo?.country ?? null);
      expect(n.items.length).toBe((o.items ?? []).length);
    });

    it('the GB order without a phone has no phone, not an empty string', () => {
      const gb = orders.find((o) => o.shipTo?.country === 'GB')!;
      expect(normalizeShipStationOrder(gb, 'api').phone).toBeNull();
      expect(normalizeShipStationOrder(gb, 'api').shipTo?.state).toBeNull();
    });
  });
});
