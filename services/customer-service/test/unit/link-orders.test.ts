import { decideLinks, type LinkWorld, type OrderToLink } from '../../src/domain/link-orders';
import type { CustomerRecord, IdentityRecord } from '../../src/domain/records';
import { emptyCustomer } from '../../src/domain/customer';

// decideLinks is SPEC §1 for a whole batch, over plain data: these tests need no database.

const NOW = new Date('2026-11-23T12:00:00.000Z');
let ids = 0;
const opts = () => ({
  now: NOW,
  newId: (kind: 'customer' | 'identity') => `${kind}_${String(++ids).padStart(4, '0')}`,
});
const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}T10:00:00.000Z`;

const shopify = { storeId: 'st_shop', storeType: 'shopify' as const, storeName: 'Acme Shopify' };
const ebay = { storeId: 'st_ebay', storeType: 'ebay' as const, storeName: 'Acme eBay' };

let seq = 0;
function order(
  o: {
    account?: string;
    store?: typeof shopify | typeof ebay;
    storeOrderId?: string;
    revision?: number;
    date?: string;
    total?: number;
    username?: string | null;
    email?: string | null;
    phone?: string | null;
    name?: string;
    street?: string;
  } = {},
): OrderToLink {
  seq += 1;
  return {
    eventId: `evt_${seq}`,
    accountId: o.account ?? 'acme',
    order: {
      orderId: `ord_${seq}`,
      ...(o.store ?? shopify),
      storeOrderId: o.storeOrderId ?? `so_${seq}`,
      orderNumber: `#${seq}`,
      orderDate: o.date ?? day(10),
      orderStatus: null,
      total: o.total ?? 10,
      currency: 'USD',
      revision: o.revision ?? 1,
    },
    buyer: {
      username: o.username === undefined ? 'buyer-1' : o.username,
      email: o.email === undefined ? 'ann@example.com' : o.email,
      phone: o.phone ?? null,
      name: o.name ?? 'Ann Buyer',
      firstName: null,
      lastName: null,
      company: null,
      birthDate: null,
      marketingConsent: {},
    },
    shipTo: {
      name: o.name ?? 'Ann Buyer',
      company: null,
      street1: o.street ?? '1 Main St',
      street2: null,
      street3: null,
      city: 'Ottawa',
      state: 'ON',
      postalCode: 'K1A 0B1',
      country: 'CA',
      phone: null,
    },
    billTo: null,
    tags: [],
    source: 'store',
  };
}

const empty = (): LinkWorld => ({ settings: [], history: [], identities: [], customers: [] });

function customer(id: string, extra: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    id,
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
    version: 1,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  };
}

function identity(customerId: string, username: string, store = shopify): IdentityRecord {
  return {
    id: `idn_${username}`,
    accountId: 'acme',
    storeId: store.storeId,
    storeName: store.storeName,
    storeType: store.storeType,
    username,
    customerId,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
}

describe('decideLinks: SPEC §1 over a whole batch', () => {
  it('R1.3/R1.5/R1.7/R1.11: several orders of one buyer, phones written differently, arriving out of date order → one customer, each order counted once, the address of the newest order', () => {
    const batch = [
      order({
        username: 'ann',
        email: null,
        phone: '(613)555-1212',
        date: day(12),
        street: '12 Newest Rd',
        total: 30,
      }),
      order({
        username: null,
        email: 'ann@example.com',
        phone: '+1 613-555-1212',
        date: day(3),
        street: '3 Oldest Ln',
        total: 5,
      }),
      order({
        username: 'ann',
        email: 'ann@example.com',
        phone: '6135551212',
        date: day(7),
        street: '7 Middle Ave',
        total: 12.5,
      }),
    ];
    const d = decideLinks(
      batch,
      {
        ...empty(),
        settings: [
          {
            accountId: 'acme',
            matchPolicy: 'email,phone',
            defaultCountry: 'CA',
            protectNames: false,
            defaultCustomerId: null,
            updatedAt: NOW,
          },
        ],
      },
      opts(),
    );
    expect(d.customerInserts).toHaveLength(1);
    const c = d.customerInserts[0]!;
    expect(d.outcomes.map((o) => o.kind === 'linked' && o.customerId)).toEqual([c.id, c.id, c.id]);
    expect(c).toMatchObject({
      orderCount: 3,
      totalSpent: 47.5,
      firstOrderDate: new Date(day(3)),
      lastOrderDate: new Date(day(12)),
      phoneE164: '+16135551212',
    });
    expect(c.shippingAddress?.street1).toBe('12 Newest Rd');
    expect(d.historyInserts).toHaveLength(3);
    expect(d.identityInserts.map((i) => i.username).sort()).toEqual(['ann', 'ann@example.com']);
    // one CustomerUpserted for the batch, not one per order
    expect(d.upserted).toHaveLength(1);
    expect(d.upserted[0]).toMatchObject({ created: true, customer: { id: c.id } });
    expect(d.upserted[0]!.identities).toHaveLength(2);
  });

  it('R1.4: two new buyers sharing an email in one batch end as one customer with two identities', () => {
    const d = decideLinks(
      [
        order({ store: shopify, username: '111', email: 'Pat@Example.com' }),
        order({ store: ebay, username: 'pat_ebay', email: ' pat@example.com ' }),
      ],
      empty(),
      opts(),
    );
    expect(d.customerInserts).toHaveLength(1);
    expect(d.identityInserts.map((i) => `${i.storeId}/${i.username}`)).toEqual([
      'st_shop/111',
      'st_ebay/pat_ebay',
    ]);
    expect(d.identityInserts.every((i) => i.customerId === d.customerInserts[0]!.id)).toBe(true);
  });

  it('R1.4: with the phone policy, two new buyers with different emails but one phone end as one customer', () => {
    const d = decideLinks(
      [
        order({ username: 'a', email: 'a@example.com', phone: '+1 613 555 0101' }),
        order({ username: 'b', email: 'b@example.com', phone: '613-555-0101' }),
      ],
      {
        ...empty(),
        settings: [
          {
            accountId: 'acme',
            matchPolicy: 'phone',
            defaultCountry: 'US',
            protectNames: false,
            defaultCustomerId: null,
            updatedAt: NOW,
          },
        ],
      },
      opts(),
    );
    expect(d.customerInserts).toHaveLength(1);
  });

  it('R1.3: an identity linked to an existing active customer takes the order, whatever the email says', () => {
    const existing = customer('cus_old', {
      email: 'old@example.com',
      emailNormalized: 'old@example.com',
      orderCount: 2,
      totalSpent: 20,
    });
    const d = decideLinks(
      [order({ username: 'ann', email: 'new@example.com', total: 5 })],
      {
        ...empty(),
        customers: [existing],
        identities: [identity('cus_old', 'ann')],
      },
      opts(),
    );
    expect(d.customerInserts).toEqual([]);
    expect(d.customerUpdates).toEqual([
      expect.objectContaining({ id: 'cus_old', orderCount: 3, totalSpent: 25, version: 2 }),
    ]);
    expect(d.identityInserts).toEqual([]);
  });

  it('R1.6: two active customers share the email: the oldest takes the order, the other is its possible duplicate', () => {
    const older = customer('cus_a', {
      email: 'x@example.com',
      emailNormalized: 'x@example.com',
      createdAt: new Date('2026-01-01'),
    });
    const newer = customer('cus_b', {
      email: 'x@example.com',
      emailNormalized: 'x@example.com',
      createdAt: new Date('2026-02-01'),
    });
    const d = decideLinks(
      [order({ username: 'x1', email: 'x@example.com' })],
      { ...empty(), customers: [newer, older] },
      opts(),
    );
    expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_a', created: false });
    expect(d.duplicates).toEqual([
      expect.objectContaining({ customerId: 'cus_b', duplicateOfId: 'cus_a', matchedOn: 'email' }),
    ]);
  });

  it('R1.9: a revision already applied changes nothing; a newer one updates the total without counting the order twice', () => {
    const c = customer('cus_a', {
      orderCount: 1,
      totalSpent: 10,
      firstOrderDate: new Date(day(10)),
      lastOrderDate: new Date(day(10)),
    });
    const h = {
      accountId: 'acme',
      storeId: 'st_shop',
      storeOrderId: 'SO-1',
      orderId: 'ord_1',
      customerId: 'cus_a',
      orderNumber: '#1',
      orderDate: new Date(day(10)),
      total: 10,
      currency: 'USD',
      revision: 2,
    };
    const d = decideLinks(
      [
        order({ storeOrderId: 'SO-1', revision: 2 }),
        order({ storeOrderId: 'SO-1', revision: 1 }),
        order({ storeOrderId: 'SO-1', revision: 3, total: 14 }),
      ],
      { ...empty(), customers: [c], history: [h], identities: [identity('cus_a', 'buyer-1')] },
      opts(),
    );
    expect(d.outcomes.map((o) => o.kind)).toEqual(['unchanged', 'unchanged', 'linked']);
    expect(d.customerUpdates).toEqual([expect.objectContaining({ orderCount: 1, totalSpent: 14 })]);
    expect(d.historyUpdates).toEqual([expect.objectContaining({ revision: 3, total: 14 })]);
    expect(d.historyInserts).toEqual([]);
    expect(d.recountDates).toEqual([]);
    expect(d.totals).toEqual([]);
  });

  it('R1.9: the same new store order twice in one batch is one history row and counts once', () => {
    const d = decideLinks(
      [order({ storeOrderId: 'SO-9', revision: 1 }), order({ storeOrderId: 'SO-9', revision: 2, total: 11 })],
      empty(),
      opts(),
    );
    expect(d.historyInserts).toEqual([expect.objectContaining({ revision: 2, total: 11 })]);
    expect(d.customerInserts[0]).toMatchObject({ orderCount: 1, totalSpent: 11 });
  });

  describe('R1.11: a re-import that moves an order in time keeps the totals without reading the history where it can', () => {
    // cus_a: three orders, on the 10th (SO-1), the 15th (SO-2) and the 20th (SO-3).
    const c = () =>
      customer('cus_a', {
        orderCount: 3,
        totalSpent: 30,
        firstOrderDate: new Date(day(10)),
        lastOrderDate: new Date(day(20)),
      });
    const stored = (storeOrderId: string, date: string, customerId = 'cus_a') => ({
      accountId: 'acme',
      storeId: 'st_shop',
      storeOrderId,
      orderId: `ord_${storeOrderId}`,
      customerId,
      orderNumber: `#${storeOrderId}`,
      orderDate: new Date(date),
      total: 10,
      currency: 'USD',
      revision: 1,
    });
    const reimport = (storeOrderId: string, date: string, total = 10) =>
      decideLinks(
        [order({ storeOrderId, revision: 2, date, total })],
        {
          ...empty(),
          customers: [c()],
          history: [
            stored(storeOrderId, day(storeOrderId === 'SO-1' ? 10 : storeOrderId === 'SO-2' ? 15 : 20)),
          ],
          identities: [identity('cus_a', 'buyer-1')],
        },
        opts(),
      );

    it('inside the range, or outwards: first and last kept incrementally, nothing to read again', () => {
      const inside = reimport('SO-2', day(12), 14);
      expect(inside.customerUpdates).toEqual([
        expect.objectContaining({
          orderCount: 3,
          totalSpent: 34,
          firstOrderDate: new Date(day(10)),
          lastOrderDate: new Date(day(20)),
        }),
      ]);
      expect(inside.recountDates).toEqual([]);
      const earlier = reimport('SO-1', day(5));
      expect(earlier.customerUpdates[0]).toMatchObject({
        orderCount: 3,
        firstOrderDate: new Date(day(5)),
        lastOrderDate: new Date(day(20)),
      });
      expect(earlier.recountDates).toEqual([]);
      const later = reimport('SO-2', day(25));
      expect(later.customerUpdates[0]).toMatchObject({ lastOrderDate: new Date(day(25)) });
      expect(later.recountDates).toEqual([]);
    });

    it('the first or last order moved inwards: its dates are read again (count and total stay incremental)', () => {
      for (const d of [reimport('SO-1', day(12), 11), reimport('SO-3', day(18), 11)]) {
        expect(d.recountDates).toEqual([{ accountId: 'acme', customerId: 'cus_a' }]);
        expect(d.customerUpdates[0]).toMatchObject({ orderCount: 3, totalSpent: 31 });
      }
    });

    it('a re-import whose record is no longer active goes to a new record: the old one loses the order, its range read again where the order was on its edge', () => {
      const archived = { ...c(), status: 'archived' as const };
      const d = decideLinks(
        [order({ storeOrderId: 'SO-3', revision: 2, date: day(21), total: 12 })],
        { ...empty(), customers: [archived], history: [stored('SO-3', day(20))] },
        opts(),
      );
      expect(d.customerInserts).toEqual([
        expect.objectContaining({
          orderCount: 1,
          totalSpent: 12,
          firstOrderDate: new Date(day(21)),
          lastOrderDate: new Date(day(21)),
        }),
      ]);
      expect(d.totals).toEqual([expect.objectContaining({ id: 'cus_a', orderCount: 2, totalSpent: 20 })]);
      expect(d.recountDates).toEqual([{ accountId: 'acme', customerId: 'cus_a' }]);
      const middle = decideLinks(
        [order({ storeOrderId: 'SO-2', revision: 2, date: day(15) })],
        { ...empty(), customers: [archived], history: [stored('SO-2', day(15))] },
        opts(),
      );
      expect(middle.totals).toEqual([
        expect.objectContaining({ id: 'cus_a', orderCount: 2, totalSpent: 20 }),
      ]);
      expect(middle.recountDates).toEqual([]);
    });
  });

  it('R1.1: an order with neither email nor username links to nobody; R2.8: with a default customer it joins that history without changing its details', () => {
    const anon = order({ username: null, email: null, name: 'Walk In', total: 7 });
    expect(decideLinks([anon], empty(), opts()).outcomes[0]).toMatchObject({ kind: 'no_customer' });
    const walkIn = customer('cus_walkin', { name: 'Counter sales' });
    const d = decideLinks(
      [order({ username: null, email: null, name: 'Walk In', total: 7 })],
      {
        ...empty(),
        customers: [walkIn],
        settings: [
          {
            accountId: 'acme',
            matchPolicy: 'email,phone',
            defaultCountry: 'US',
            protectNames: false,
            defaultCustomerId: 'cus_walkin',
            updatedAt: NOW,
          },
        ],
      },
      opts(),
    );
    expect(d.customerUpdates).toEqual([
      expect.objectContaining({ id: 'cus_walkin', name: 'Counter sales', orderCount: 1, totalSpent: 7 }),
    ]);
  });

  it('R2.6: an identity of a merged record lands on the survivor; one of an archived record matches again', () => {
    const survivor = customer('cus_survivor', { email: 's@example.com', emailNormalized: 's@example.com' });
    const merged = customer('cus_merged', { status: 'merged', mergedIntoId: 'cus_survivor' });
    const archived = customer('cus_archived', {
      status: 'archived',
      email: 'z@example.com',
      emailNormalized: 'z@example.com',
    });
    const d = decideLinks(
      [
        order({ username: 'm', email: 'whatever@example.com' }),
        order({ username: 'z', email: 'z@example.com' }),
      ],
      {
        ...empty(),
        customers: [survivor, merged, archived],
        identities: [identity('cus_merged', 'm'), identity('cus_archived', 'z')],
      },
      opts(),
    );
    expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_survivor' });
    expect(d.identityUpdates.find((i) => i.username === 'm')?.customerId).toBe('cus_survivor');
    // the archived record is not active: no match on its email either, so a new record
    expect(d.outcomes[1]).toMatchObject({ kind: 'linked', created: true });
    expect(d.customerUpdates.map((c) => c.id)).not.toContain('cus_archived');
  });

  describe('R1.4/R2.6: a re-import whose record is no longer active moves the buyer identity in the same batch', () => {
    const stored = (storeOrderId: string, customerId: string) => ({
      accountId: 'acme',
      storeId: 'st_shop',
      storeOrderId,
      orderId: `ord_${storeOrderId}`,
      customerId,
      orderNumber: `#${storeOrderId}`,
      orderDate: new Date(day(10)),
      total: 10,
      currency: 'USD',
      revision: 1,
    });
    const old = (status: 'archived' | 'deleted', extra: Partial<CustomerRecord> = {}) =>
      customer('cus_old', { status, orderCount: 2, totalSpent: 20, ...extra });

    it.each(['archived', 'deleted'] as const)(
      'its record %s: a new record, the identity re-pointed there (an update, not an insert), listed in its CustomerUpserted',
      (status) => {
        const d = decideLinks(
          [order({ storeOrderId: 'SO-1', revision: 2, username: 'mover' })],
          {
            ...empty(),
            customers: [old(status)],
            history: [stored('SO-1', 'cus_old')],
            identities: [identity('cus_old', 'mover')],
          },
          opts(),
        );
        const fresh = d.customerInserts[0]!;
        expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: fresh.id, created: true });
        expect(d.identityInserts).toEqual([]);
        expect(d.identityUpdates).toEqual([
          expect.objectContaining({ id: 'idn_mover', customerId: fresh.id, updatedAt: NOW }),
        ]);
        expect(d.upserted).toEqual([
          expect.objectContaining({
            customer: expect.objectContaining({ id: fresh.id }),
            identities: [expect.objectContaining({ id: 'idn_mover', customerId: fresh.id })],
          }),
        ]);
        expect(d.totals).toEqual([expect.objectContaining({ id: 'cus_old', orderCount: 1 })]);
      },
    );

    it("ADR 0036: each record's CustomerUpserted lists exactly the batch's orders that landed on it (orderIds); the archived record's older orders are not the new record's", () => {
      const first = order({ storeOrderId: 'SO-5', username: 'mover', date: day(12) });
      const second = order({ storeOrderId: 'SO-6', username: 'mover', date: day(11) });
      const someoneElse = order({ storeOrderId: 'SO-7', username: 'other', email: 'bo@example.com' });
      const d = decideLinks(
        [first, second, someoneElse],
        {
          ...empty(),
          customers: [old('archived')],
          history: [stored('SO-1', 'cus_old')],
          identities: [identity('cus_old', 'mover')],
        },
        opts(),
      );
      const of = (orderId: string) => d.outcomes.find((o) => o.eventId === `evt_${orderId.slice(4)}`);
      const fresh = (of(first.order.orderId) as { customerId: string }).customerId;
      const other = (of(someoneElse.order.orderId) as { customerId: string }).customerId;
      expect(fresh).not.toBe('cus_old');
      expect(
        Object.fromEntries(
          d.upserted.map((u) => [u.customer.id, { orderId: u.orderId, orderIds: u.orderIds }]),
        ),
      ).toEqual({
        // by order date, the last one applied named as before
        [fresh]: { orderId: first.order.orderId, orderIds: [second.order.orderId, first.order.orderId] },
        [other]: { orderId: someoneElse.order.orderId, orderIds: [someoneElse.order.orderId] },
      });
    });

    it('its identity already moved on (an earlier order): the re-import follows it there and matches again, no new record', () => {
      const now = customer('cus_now', { email: 'ann@example.com', emailNormalized: 'ann@example.com' });
      const d = decideLinks(
        [order({ storeOrderId: 'SO-1', revision: 2, username: 'mover' })],
        {
          ...empty(),
          customers: [old('archived'), now],
          history: [stored('SO-1', 'cus_old')],
          identities: [identity('cus_now', 'mover')],
        },
        opts(),
      );
      expect(d.customerInserts).toEqual([]);
      expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_now', created: false });
      expect(d.identityUpdates).toEqual([]);
      // Without the identity, R1.4 matches again on email.
      const matched = decideLinks(
        [order({ storeOrderId: 'SO-1', revision: 2, username: 'mover' })],
        { ...empty(), customers: [old('archived'), now], history: [stored('SO-1', 'cus_old')] },
        opts(),
      );
      expect(matched.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_now' });
      expect(matched.identityInserts).toEqual([expect.objectContaining({ customerId: 'cus_now' })]);
    });

    it('its record merged: the order and the identity follow the survivor', () => {
      const survivor = customer('cus_survivor');
      const merged = customer('cus_merged', { status: 'merged', mergedIntoId: 'cus_survivor' });
      const d = decideLinks(
        [order({ storeOrderId: 'SO-1', revision: 2, username: 'mover' })],
        {
          ...empty(),
          customers: [survivor, merged],
          history: [stored('SO-1', 'cus_merged')],
          identities: [identity('cus_merged', 'mover')],
        },
        opts(),
      );
      expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_survivor' });
      expect(d.identityUpdates).toEqual([expect.objectContaining({ customerId: 'cus_survivor' })]);
      expect(d.upserted[0]!.identities).toEqual([expect.objectContaining({ id: 'idn_mover' })]);
    });

    it('a re-import kept on its active record leaves an identity linked to another active record where it is, and takes one of an archived record', () => {
      const kept = customer('cus_kept');
      const other = customer('cus_other');
      const world = (owner: string) => ({
        ...empty(),
        customers: [kept, other, old('archived')],
        history: [stored('SO-1', 'cus_kept')],
        identities: [identity(owner, 'mover')],
      });
      const reimport = () => [order({ storeOrderId: 'SO-1', revision: 2, username: 'mover' })];
      const stays = decideLinks(reimport(), world('cus_other'), opts());
      expect(stays.outcomes[0]).toMatchObject({ customerId: 'cus_kept' });
      expect(stays.identityUpdates).toEqual([]);
      const moves = decideLinks(reimport(), world('cus_old'), opts());
      expect(moves.outcomes[0]).toMatchObject({ customerId: 'cus_kept' });
      expect(moves.identityUpdates).toEqual([expect.objectContaining({ customerId: 'cus_kept' })]);
    });
  });

  it('tenancy: the same email in two accounts makes two customers', () => {
    const d = decideLinks(
      [
        order({ account: 'acme', email: 'same@example.com' }),
        order({ account: 'globex', email: 'same@example.com' }),
      ],
      empty(),
      opts(),
    );
    expect(d.customerInserts.map((c) => c.accountId).sort()).toEqual(['acme', 'globex']);
  });

  it('R1.10: with protectNames, later orders of a batch never change a name once set', () => {
    const d = decideLinks(
      [order({ name: 'Alex Original', date: day(1) }), order({ name: 'Sam Renamed', date: day(2) })],
      {
        ...empty(),
        settings: [
          {
            accountId: 'acme',
            matchPolicy: 'email,phone',
            defaultCountry: 'US',
            protectNames: true,
            defaultCustomerId: null,
            updatedAt: NOW,
          },
        ],
      },
      opts(),
    );
    expect(d.customerInserts[0]).toMatchObject({ firstName: 'Alex', lastName: 'Original' });
  });

  describe('an email that is not an address (found as a new user: a manual order with customerEmail "not-an-email")', () => {
    it.each(['not-an-email', 'a@', 'x@y@z'])(
      'R1.4: %j is kept on the new record but is no matching key: a second order with the same text makes a second record',
      (bad) => {
        const first = decideLinks([order({ username: null, email: bad })], empty(), opts());
        expect(first.outcomes[0]).toMatchObject({ kind: 'linked', created: true });
        const c = first.customerInserts[0]!;
        expect(c.email).toBe(bad);
        expect(c.emailNormalized).toBeNull();
        expect(first.identityInserts).toEqual([]);
        // The stored record, offered to the next batch as an existing customer: nothing matches it.
        const again = decideLinks(
          [order({ username: null, email: bad })],
          { ...empty(), customers: [c] },
          opts(),
        );
        expect(again.outcomes[0]).toMatchObject({ kind: 'linked', created: true });
        expect(again.customerInserts[0]!.id).not.toBe(c.id);
      },
    );

    it('a username that is only the malformed email lower-cased (as an older order-ingest sent it) is no key either', () => {
      const d = decideLinks([order({ username: 'not-an-email', email: 'Not-An-Email' })], empty(), opts());
      expect(d.identityInserts).toEqual([]);
      expect(d.customerInserts[0]!.emailNormalized).toBeNull();
    });

    it('R1.4: such a buyer still matches an existing customer on phone', () => {
      const known = customer('cus_known', { phone: '+16135551212', phoneE164: '+16135551212' });
      const d = decideLinks(
        [order({ username: null, email: 'not-an-email', phone: '(613) 555-1212' })],
        { ...empty(), customers: [known] },
        opts(),
      );
      expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_known', created: false });
    });

    it('R1.8: a malformed email from a newer order never replaces an address the record holds; with a real username the order still links', () => {
      const known = customer('cus_known', {
        email: 'ann@example.com',
        emailNormalized: 'ann@example.com',
        fieldSources: {
          email: { source: 'store', storeId: 'st_shop', storeName: 'Acme Shopify', at: day(1) },
        },
      });
      const d = decideLinks(
        [order({ username: 'buyer-1', email: 'ann@', date: day(20) })],
        { ...empty(), customers: [known], identities: [identity('cus_known', 'buyer-1')] },
        opts(),
      );
      expect(d.outcomes[0]).toMatchObject({ kind: 'linked', customerId: 'cus_known' });
      expect(d.customerUpdates[0]!).toMatchObject({
        email: 'ann@example.com',
        emailNormalized: 'ann@example.com',
      });
    });
  });
});
