import { ORDER_STATUSES, canonicalOrderStatus, orderStatusProblem } from '../src/order-status';

describe('order statuses, defined once', () => {
  it('each status in any case and with any separators is itself; US "canceled" is cancelled; blank is none', () => {
    for (const s of ORDER_STATUSES) {
      expect(canonicalOrderStatus(s)).toBe(s);
      expect(canonicalOrderStatus(s.toUpperCase())).toBe(s);
      expect(canonicalOrderStatus(s.replace(/_/g, '-'))).toBe(s);
      const label = s.replace(
        /(^|_)([a-z])/g,
        (_m, sep: string, c: string) => `${sep ? ' ' : ''}${c.toUpperCase()}`,
      );
      expect(canonicalOrderStatus(label)).toBe(s); // ShipStation's UI label: "Awaiting Shipment"
    }
    expect(canonicalOrderStatus('Canceled')).toBe('cancelled');
    expect(canonicalOrderStatus('  ')).toBeNull();
    expect(canonicalOrderStatus(null)).toBeNull();
    expect(canonicalOrderStatus('Delivered')).toBeUndefined();
    expect(canonicalOrderStatus('awaiting')).toBeUndefined();
  });

  it('a value that is no status is a problem naming the field and the statuses', () => {
    expect(orderStatusProblem('orderStatus', 'shipped')).toBeNull();
    expect(orderStatusProblem('orderStatus', null)).toBeNull();
    expect(orderStatusProblem('orderStatus', 'Shipped')).toMatch(
      /^orderStatus "Shipped" is not an order status \(one of: awaiting_payment, awaiting_shipment, pending_fulfillment, shipped, on_hold, cancelled, rejected_fulfillment/,
    );
  });
});
