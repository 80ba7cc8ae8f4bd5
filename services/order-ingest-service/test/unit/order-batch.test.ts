import { contentHash, decideOrderBatch, keepAddress, type BatchItem } from '../../src/domain/order-batch';
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
  channelUpdatedAt: null,
  channelData: null,
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
  buyerFirstName: o.firstName,
  buyerLastName: o.lastName,
  buyerPhone: o.phone,
  shipTo: o.shipTo,
  billTo: o.billTo,
  items: o.items,
  notes: o.notes,
  total: o.total,
  currency: o.currency,
  channelUpdatedAt: o.channelUpdatedAt,
  channelData: o.channelData,
  customerId: null,
  redactedAt: null,
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

describe('channel rules in the batch decision', () => {
  const at = (iso: string) => new Date(iso);

  it('an older delivery (by the channel updated-at) never overwrites a newer stored state', () => {
    const newer = order('a', { orderStatus: 'shipped', channelUpdatedAt: at('2026-11-20T12:00:00Z') });
    const olderRetry = order('a', {
      orderStatus: 'awaiting_shipment',
      channelUpdatedAt: at('2026-11-20T11:00:00Z'),
    });
    const d = decide([{ index: 0, order: olderRetry }], [stored(newer, 2)]);
    expect(d.outcomes[0]).toMatchObject({ status: 'unchanged', note: expect.stringMatching(/older/) });
    expect(d.updates).toEqual([]);
    expect(d.imported).toEqual([]);
  });

  it('the same channel updated-at with new content is still applied (a channel may not move its clock)', () => {
    const t = at('2026-11-20T12:00:00Z');
    const d = decide(
      [{ index: 0, order: order('a', { total: 99, channelUpdatedAt: t }) }],
      [stored(order('a', { channelUpdatedAt: t }))],
    );
    expect(d.outcomes[0]!.status).toBe('updated');
  });

  it('a new channel updated-at with the same content is not a revision (metafields, risk scores…)', () => {
    const d = decide(
      [{ index: 0, order: order('a', { channelUpdatedAt: at('2026-11-21T00:00:00Z') }) }],
      [stored(order('a', { channelUpdatedAt: at('2026-11-20T00:00:00Z') }))],
    );
    expect(d.outcomes[0]!.status).toBe('unchanged');
  });

  it('an email the channel later redacted or left empty never overwrites one captured earlier (also phone, names, buyer key)', () => {
    const first = order('a', {
      email: 'ann@example.com',
      phone: '+15025550100',
      firstName: 'Ann',
      lastName: 'Buyer',
    });
    const later = order('a', {
      email: null,
      phone: null,
      firstName: null,
      lastName: null,
      buyerName: null,
      username: null,
      orderStatus: 'shipped',
    });
    const d = decide([{ index: 0, order: later }], [stored(first)]);
    expect(d.outcomes[0]!.status).toBe('updated');
    expect(d.updates[0]).toMatchObject({
      customerEmail: 'ann@example.com',
      buyerPhone: '+15025550100',
      buyerFirstName: 'Ann',
      customerUsername: 'buyer-1',
      orderStatus: 'shipped',
    });
    // and the event carries the kept email, not the blank
    expect(d.imported[0]!.order.email).toBe('ann@example.com');
  });

  it('R2.10: an erased order stays erased when the channel sends it again', () => {
    const before = {
      ...stored(order('a')),
      customerEmail: null,
      customerUsername: null,
      buyerName: null,
      redactedAt: at('2026-11-22T00:00:00Z'),
    };
    const d = decide([{ index: 0, order: order('a', { orderStatus: 'shipped' }) }], [before]);
    expect(d.updates[0]).toMatchObject({
      customerEmail: null,
      customerUsername: null,
      buyerName: null,
      shipTo: null,
      orderStatus: 'shipped',
    });
    expect(d.imported[0]!.order).toMatchObject({ email: null, username: null, phone: null });
    expect(d.updates[0]!.redactedAt).toEqual(at('2026-11-22T00:00:00Z'));
  });

  it('each new revision gets a history line naming the changed fields and how it came, without personal data', () => {
    const d = decideOrderBatch({
      accountId: 'acme',
      storeId: 'st_1',
      items: [{ index: 0, order: order('a', { total: 12, orderStatus: 'shipped' }) }],
      existing: [stored(order('a'), 1)],
      now: at('2026-11-23T00:00:00Z'),
      newId: () => 'x',
      source: 'webhook',
    });
    expect(d.revisions).toEqual([
      expect.objectContaining({
        orderId: 'ord_a',
        revision: 2,
        source: 'webhook',
        changedFields: ['orderStatus', 'total'],
      }),
    ]);
  });
});

describe('renamable buyer keys (eBay, R1.2) and contact data a channel drops later', () => {
  const withAliases = (items: BatchItem[], existing: OrderRecord[], aliases: Record<string, string> = {}) =>
    decideOrderBatch({
      accountId: 'acme',
      storeId: 'st_1',
      items,
      existing,
      now: new Date('2026-11-23T00:00:00Z'),
      newId: () => `ord_new_${++n}`,
      aliases: new Map(Object.entries(aliases)),
    });

  it('a stored order seen under a new key makes that key an alias; a new order under it earlier in the batch is announced under the first key', () => {
    const d = withAliases(
      [
        { index: 0, order: order('new', { username: 'ann_2026' }) },
        { index: 1, order: order('old', { username: 'ann_2026', orderStatus: 'shipped' }) },
      ],
      [stored(order('old', { username: 'ann' }))],
    );
    expect(d.aliases).toEqual([
      expect.objectContaining({ alias: 'ann_2026', username: 'ann', storeId: 'st_1' }),
    ]);
    expect(d.imported.map((i) => i.order.username)).toEqual(['ann', 'ann']);
  });

  it('a known alias resolves to its first key; the same key again learns nothing; without aliases keys pass as they come', () => {
    const d = withAliases([{ index: 0, order: order('x', { username: 'ann_2026' }) }], [], {
      ann_2026: 'ann',
    });
    expect(d.imported[0]!.order.username).toBe('ann');
    expect(d.aliases).toEqual([]);
    const same = withAliases([{ index: 0, order: order('old', { total: 11 }) }], [stored(order('old'))]);
    expect(same.aliases).toEqual([]);
    const plain = decide(
      [{ index: 0, order: order('o2', { username: 'someone-else' }) }],
      [stored(order('o2'))],
    );
    expect(plain.imported[0]!.order.username).toBe('someone-else');
  });

  const addr = (extra: Record<string, string | null> = {}) => ({
    name: 'Ann Buyer',
    company: null,
    street1: '1 Main St',
    street2: null,
    street3: null,
    city: 'Austin',
    state: 'TX',
    postalCode: '78701',
    country: 'US',
    phone: '+1 512 555 0100',
    ...extra,
  });

  it('an address dropped later is kept; the same place without its name or phone keeps them; another place replaces it', () => {
    expect(keepAddress(null, addr())).toEqual(addr());
    expect(keepAddress(addr({ name: null, phone: null }), addr())).toEqual(addr());
    expect(keepAddress(addr({ street1: '9 Other Rd', name: null }), addr())).toEqual(
      addr({ street1: '9 Other Rd', name: null }),
    );
    const d = decide(
      [
        {
          index: 0,
          order: order('a', {
            billTo: null,
            shipTo: addr({ phone: null }),
            email: null,
            orderStatus: 'shipped',
          }),
        },
      ],
      [stored(order('a', { billTo: addr(), shipTo: addr() }))],
    );
    expect(d.updates[0]).toMatchObject({
      billTo: addr(),
      shipTo: addr(),
      customerEmail: 'buyer@example.com',
    });
  });
});
