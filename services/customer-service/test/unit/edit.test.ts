import { applyOrder, emptyCustomer, type CustomerState, type FieldSource } from '../../src/domain/customer';
import { decideCreate, decideEdit, type EditContext } from '../../src/domain/edit';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const ctx: EditContext = { source: 'manual', now: NOW, defaultCountry: 'CA' };
const shopify: FieldSource = {
  source: 'store',
  storeId: 'st_shop',
  storeName: 'Acme Shopify',
  at: '2026-11-01T00:00:00.000Z',
};
const csv: FieldSource = { source: 'csv', storeId: null, storeName: null, at: '2026-11-02T00:00:00.000Z' };
const addr = (street1: string, over: Record<string, string | null> = {}) => ({
  name: 'Bob Norman',
  company: null,
  street1,
  street2: null,
  street3: null,
  city: 'Ottawa',
  state: 'ON',
  postalCode: 'K1A 0B1',
  country: 'CA',
  phone: null,
  ...over,
});

/** Bob: names, email and shipping from a Shopify sync; phone and postal address from a CSV import. */
function bob(): CustomerState {
  return {
    ...emptyCustomer(),
    firstName: 'Bob',
    lastName: 'Norman',
    name: 'Bob Norman',
    email: 'bob@example.com',
    phone: '+16135550100',
    shippingAddress: addr('1 Shop St'),
    postalAddress: addr('PO Box 7'),
    tags: ['shopify', 'Acme Shopify'],
    fieldSources: {
      firstName: shopify,
      lastName: shopify,
      name: shopify,
      email: shopify,
      shippingAddress: shopify,
      phone: csv,
      postalAddress: csv,
    },
  };
}

describe('decideEdit (R2.1–R2.5)', () => {
  it('R2.1: touching store-written fields is refused whole, naming each field and its store; nothing is decided', () => {
    const d = decideEdit(
      bob(),
      { email: 'robert@example.com', phone: '613-555-0199', addresses: { shipping: { city: 'Toronto' } } },
      ctx,
    );
    expect(d).toEqual({
      kind: 'locked',
      locked: [
        { field: 'email', storeId: 'st_shop', storeName: 'Acme Shopify' },
        { field: 'addresses.shipping', storeId: 'st_shop', storeName: 'Acme Shopify' },
      ],
    });
  });

  it('R2.1: sending back a locked field with its current value is no change and no refusal', () => {
    const d = decideEdit(bob(), { email: 'bob@example.com', firstName: 'Bob', phone: '613-555-0199' }, ctx);
    expect(d.kind).toBe('ok');
    if (d.kind !== 'ok') return;
    expect(d.changes.map((c) => c.field)).toEqual(['phone']);
  });

  it('R2.2: fields whose source is csv, manual or api are editable; each changed field takes the source manual and the time of the edit', () => {
    const d = decideEdit(
      bob(),
      { phone: '613-555-0199', addresses: { postal: { street1: 'PO Box 9' } } },
      ctx,
    );
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.next.phone).toBe('613-555-0199');
    expect(d.next.postalAddress).toEqual(addr('PO Box 9'));
    const stamp = { source: 'manual', storeId: null, storeName: null, at: NOW.toISOString() };
    expect(d.next.fieldSources.phone).toEqual(stamp);
    expect(d.next.fieldSources.postalAddress).toEqual(stamp);
    expect(d.next.fieldSources.email).toEqual(shopify);
    expect(d.warnings).toEqual([]);
  });

  it('R2.3: addresses merge part by part, country upper-cased; null removes one; an address with every part empty is none', () => {
    const base = { ...bob(), fieldSources: {} };
    const d = decideEdit(
      base,
      {
        addresses: {
          billing: { street1: '9 Bill Rd', country: 'ca' },
          postal: null,
          shipping: { street1: null },
        },
      },
      ctx,
    );
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.next.billingAddress).toMatchObject({ street1: '9 Bill Rd', country: 'CA', city: null });
    expect(d.next.postalAddress).toBeNull();
    expect(d.next.shippingAddress).toMatchObject({ street1: null, city: 'Ottawa' });
    const cleared = decideEdit(
      { ...emptyCustomer(), billingAddress: addr('x') },
      { addresses: { billing: Object.fromEntries(Object.keys(addr('x')).map((k) => [k, null])) } },
      ctx,
    );
    if (cleared.kind !== 'ok') throw new Error(cleared.kind);
    expect(cleared.next.billingAddress).toBeNull();
  });

  it('R2.5: a new email answers the matching-key warning; only letter case changed is no new key', () => {
    const free = { ...bob(), fieldSources: {} };
    const d = decideEdit(free, { email: 'robert@example.com' }, ctx);
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.warnings).toEqual([expect.objectContaining({ code: 'EMAIL_IS_MATCHING_KEY', field: 'email' })]);
    const cased = decideEdit(free, { email: 'Bob@Example.com' }, ctx);
    if (cased.kind !== 'ok') throw new Error(cased.kind);
    expect(cased.next.email).toBe('Bob@Example.com');
    expect(cased.warnings).toEqual([]);
  });

  it('a phone that cannot be read is kept as written with a warning', () => {
    const d = decideEdit(bob(), { phone: '555-SHIP' }, ctx);
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.warnings).toEqual([expect.objectContaining({ code: 'PHONE_NOT_READABLE' })]);
  });

  it('the display name follows first/last name when it was made from them, unless the store owns it', () => {
    const free = { ...bob(), fieldSources: {} };
    const d = decideEdit(free, { firstName: 'Robert' }, ctx);
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.next.name).toBe('Robert Norman');
    const custom = decideEdit({ ...free, name: 'Bobby' }, { firstName: 'Robert' }, ctx);
    if (custom.kind !== 'ok') throw new Error(custom.kind);
    expect(custom.next.name).toBe('Bobby');
  });

  it('R2.9: a consent edit applies now with the edit source, whatever an order said before, and joins the history', () => {
    const s = {
      ...emptyCustomer(),
      consent: {
        email: {
          state: 'subscribed' as const,
          changedAt: '2027-01-01T00:00:00.000Z',
          source: 'store' as const,
          storeId: 'st_shop',
        },
      },
    };
    const d = decideEdit(s, { marketingConsent: { email: { state: 'unsubscribed' } } }, ctx);
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.next.consent.email).toEqual({
      state: 'unsubscribed',
      changedAt: NOW.toISOString(),
      source: 'manual',
      storeId: null,
    });
    expect(d.next.consentHistory).toEqual([{ channel: 'email', ...d.next.consent.email }]);
  });

  it('R1.10 with R2.2: protectNames stops orders, not people: a manual edit of names still applies', () => {
    const protectedState = applyOrder(
      emptyCustomer(),
      {
        storeId: 'st_manual',
        storeName: 'Manual',
        storeType: 'manual',
        orderDate: new Date('2026-11-01T00:00:00Z'),
        source: 'manual',
        buyer: {
          email: null,
          phone: null,
          name: 'Alex Original',
          firstName: 'Alex',
          lastName: 'Original',
          company: null,
          birthDate: null,
          marketingConsent: {},
        },
        shipTo: null,
        billTo: null,
        tags: [],
      },
      { protectNames: true, defaultCountry: 'CA' },
    ).next;
    const d = decideEdit(protectedState, { firstName: 'Sam', lastName: 'Chosen' }, ctx);
    if (d.kind !== 'ok') throw new Error(d.kind);
    expect(d.next).toMatchObject({ firstName: 'Sam', lastName: 'Chosen', name: 'Sam Chosen' });
  });

  it('issue #16: notes are edited like an unlocked field (source manual); blank clears them; left out, untouched', () => {
    const d = decideEdit(bob(), { notes: '  Ring twice  ' }, ctx);
    if (d.kind !== 'ok') throw new Error('expected ok');
    expect(d.next.notes).toBe('Ring twice');
    expect(d.next.fieldSources.notes).toEqual({
      source: 'manual',
      storeId: null,
      storeName: null,
      at: NOW.toISOString(),
    });
    expect(d.changes).toEqual([{ field: 'notes', from: null, to: 'Ring twice' }]);
    const cleared = decideEdit(d.next, { notes: '' }, ctx);
    if (cleared.kind !== 'ok') throw new Error('expected ok');
    expect(cleared.next.notes).toBeNull();
    expect(cleared.changes).toEqual([{ field: 'notes', from: 'Ring twice', to: null }]);
    const other = decideEdit(d.next, { company: 'Co' }, ctx);
    if (other.kind !== 'ok') throw new Error('expected ok');
    expect(other.next.notes).toBe('Ring twice');
    expect(
      decideCreate({ name: 'X', notes: 'hi' }, { ...ctx, source: 'api' }).next.fieldSources.notes?.source,
    ).toBe('api');
  });

  it('decideCreate: every given field has the source api', () => {
    const d = decideCreate({ email: 'new@example.com', tags: ['vip', ' vip '] }, { ...ctx, source: 'api' });
    expect(d.next.fieldSources.email).toMatchObject({ source: 'api' });
    expect(d.next.tags).toEqual(['vip']);
  });
});

describe('applyOrder and addresses (R2.3, R1.7)', () => {
  it('a new shipping address from an order never overwrites the billing address or its company (shopware#11357)', () => {
    const current: CustomerState = {
      ...emptyCustomer(),
      billingAddress: addr('1 Bill St', { company: 'Norman & Sons' }),
      shippingAddress: addr('1 Ship St'),
      fieldSources: { billingAddress: shopify, shippingAddress: shopify },
    };
    const { next } = applyOrder(
      current,
      {
        storeId: 'st_shop',
        storeName: 'Acme Shopify',
        storeType: 'shopify',
        orderDate: new Date('2026-11-20T00:00:00Z'),
        source: 'store',
        buyer: {
          email: null,
          phone: null,
          name: null,
          firstName: null,
          lastName: null,
          company: null,
          birthDate: null,
          marketingConsent: {},
        },
        shipTo: addr('2 Gift Rd', { company: 'Recipient GmbH' }),
        billTo: null,
        tags: [],
      },
      { protectNames: false, defaultCountry: 'CA' },
    );
    expect(next.shippingAddress).toMatchObject({ street1: '2 Gift Rd', company: 'Recipient GmbH' });
    expect(next.billingAddress).toEqual(current.billingAddress);
  });
});
