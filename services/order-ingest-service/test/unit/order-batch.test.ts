import { contentHash, decideOrderBatch, type BatchItem } from '../../src/domain/order-batch';
import type { NormalizedOrder, OrderRecord } from '../../src/domain/order';

const order = (storeOrderId: string, extra: Partial<NormalizedOrder> = {}): NormalizedOrder => ({
  storeOrderId,
  orderNumber: `#${storeOrderId}`,
  orderDate: new Date('2026-11-20T10:00:00Z'),
  orderStatus: 'awaiting_shipment',
  username: 'buyer-1',
  email: 'buyer@example.com',
  buyerName: 'Ann Buyer',
  firstName: null,
  lastName: null,
  company: null,
  phone: null,
  birthDate: null,
  shipTo: null,
  billTo: null,
  total: 10,
  currency: 'USD',
  notes: [],
  items: [],
  tags: [],
  marketingConsent: {},
  ...extra,
});

const stored = (o: NormalizedOrder, revision = 1): OrderRecord => ({
  id: `ord_${o.storeOrderId}`,
  accountId: 'acme',
  storeId: 'st_1',
  storeOrderId: o.storeOrderId,
  orderNumber: o.orderNumber,
  orderDate: o.orderDate,
  orderStatus: o.orderStatus,
  customerUsername: o.username,
  customerEmail: o.email,
  buyerName: o.buyerName,
  shipTo: o.shipTo,
  billTo: o.billTo,
  items: o.items,
  notes: o.notes,
  total: o.total,
  revision,
  contentHash: contentHash(o),
  createdAt: new Date('2026-11-01T00:00:00Z'),
  updatedAt: new Date('2026-11-01T00:00:00Z'),
});

let n = 0;
const decide = (items: BatchItem[], existing: OrderRecord[] = []) =>
  decideOrderBatch({
    accountId: 'acme',
    storeId: 'st_1',
    items,
    existing,
    now: new Date('2026-11-23T00:00:00Z'),
    newId: () => `ord_new_${++n}`,
  });

describe('decideOrderBatch (R1.9 for a whole batch)', () => {
  it('creates new store orders, one row and one OrderImported each', () => {
    const d = decide([
      { index: 0, order: order('a') },
      { index: 1, order: order('b') },
    ]);
    expect(d.outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    expect(d.inserts).toHaveLength(2);
    expect(d.updates).toHaveLength(0);
    expect(d.imported.map((i) => i.record.revision)).toEqual([1, 1]);
  });

  it('R1.9: a re-import with the same content is unchanged and announces nothing', () => {
    const a = order('a');
    const d = decide([{ index: 0, order: a }], [stored(a, 3)]);
    expect(d.outcomes).toEqual([{ index: 0, orderNumber: '#a', status: 'unchanged', orderId: 'ord_a' }]);
    expect(d.inserts).toEqual([]);
    expect(d.updates).toEqual([]);
    expect(d.imported).toEqual([]);
  });

  it('R1.9: a changed re-import is the next revision of the same order (same id, creation time kept)', () => {
    const a = order('a');
    const d = decide([{ index: 0, order: order('a', { total: 12 }) }], [stored(a, 3)]);
    expect(d.outcomes[0]).toMatchObject({ status: 'updated', orderId: 'ord_a' });
    expect(d.updates).toEqual([
      expect.objectContaining({
        id: 'ord_a',
        revision: 4,
        total: 12,
        createdAt: new Date('2026-11-01T00:00:00Z'),
      }),
    ]);
  });

  it('the same store order twice in one batch: the second sees the first (created, then updated or unchanged), one row written', () => {
    const d = decide([
      { index: 0, order: order('a') },
      { index: 1, order: order('a') },
      { index: 2, order: order('a', { orderStatus: 'shipped' }) },
    ]);
    expect(d.outcomes.map((o) => o.status)).toEqual(['created', 'unchanged', 'updated']);
    expect(d.inserts).toHaveLength(1);
    expect(d.inserts[0]).toMatchObject({ revision: 2, orderStatus: 'shipped' });
    expect(d.imported.map((i) => i.record.revision)).toEqual([1, 2]);
    expect(new Set(d.outcomes.map((o) => (o.status === 'rejected' ? null : o.orderId))).size).toBe(1);
  });

  it('keeps the items in the order given and echoes their index', () => {
    const d = decide([
      { index: 7, order: order('x') },
      { index: 3, order: order('y') },
    ]);
    expect(d.outcomes.map((o) => o.index)).toEqual([7, 3]);
  });
});
