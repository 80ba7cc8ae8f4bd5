import {
  applyOrder,
  emptyCustomer,
  splitName,
  type AccountRules,
  type CustomerState,
  type OrderFacts,
} from '../../src/domain/customer';
import { normalizeEmail, normalizePhone } from '../../src/domain/normalize';

type Address = NonNullable<CustomerState['shippingAddress']>;
type Buyer = OrderFacts['buyer'];

const RULES: AccountRules = { protectNames: false, defaultCountry: 'CA' };
const PROTECT: AccountRules = { protectNames: true, defaultCountry: 'CA' };

const STORE_A = { storeId: 'store-a', storeName: 'Acme Shopify', storeType: 'shopify' };
const STORE_B = { storeId: 'store-b', storeName: 'Acme eBay', storeType: 'ebay' };

function addr(street1: string, city: string, over: Partial<Address> = {}): Address {
  return {
    name: 'Bob Norman',
    company: null,
    street1,
    street2: null,
    street3: null,
    city,
    state: 'ON',
    postalCode: 'K1A 0B1',
    country: 'CA',
    phone: null,
    ...over,
  };
}

const BLANK_ADDRESS: Address = {
  name: null,
  company: null,
  street1: null,
  street2: null,
  street3: null,
  city: null,
  state: null,
  postalCode: null,
  country: null,
  phone: '',
};

const NO_BUYER: Buyer = {
  email: null,
  phone: null,
  name: null,
  firstName: null,
  lastName: null,
  company: null,
  birthDate: null,
  marketingConsent: {},
};

interface OrderInput {
  store?: { storeId: string; storeName: string; storeType: string };
  date: string;
  source?: OrderFacts['source'];
  buyer?: Partial<Buyer>;
  shipTo?: Address | null;
  billTo?: Address | null;
  tags?: string[];
}

function order(o: OrderInput): OrderFacts {
  return {
    ...(o.store ?? STORE_A),
    orderDate: new Date(o.date),
    source: o.source ?? 'store',
    buyer: { ...NO_BUYER, ...o.buyer },
    shipTo: o.shipTo ?? null,
    billTo: o.billTo ?? null,
    tags: o.tags ?? [],
  };
}

const HOME = addr('1 Main St', 'Ottawa');
const WORK = addr('99 Bank St', 'Ottawa');
const COTTAGE = addr('7 Lake Rd', 'Kingston');
const BILLING = addr('5 Billing Ave', 'Toronto');

const FULL_BUYER: Partial<Buyer> = {
  firstName: 'Bob',
  lastName: 'Norman',
  email: 'Bob.Norman@Example.com',
  phone: '+1 613-555-1212',
  company: 'Norman Ltd',
};

/** A customer built by one Shopify order (store A) of 2024-03-01. */
function customerFromStoreA(rules: AccountRules = RULES): CustomerState {
  return applyOrder(
    emptyCustomer(),
    order({ date: '2024-03-01T10:00:00Z', buyer: FULL_BUYER, shipTo: HOME, billTo: BILLING }),
    rules,
  ).next;
}

describe('splitName', () => {
  it('R1.8 splits a full name into first and last', () => {
    expect(splitName('Bob Norman')).toEqual({ firstName: 'Bob', lastName: 'Norman' });
    expect(splitName('  Mary Ann   Smith ')).toEqual({ firstName: 'Mary Ann', lastName: 'Smith' });
  });

  it('R1.8 a single word is a first name; blank is nothing', () => {
    expect(splitName('Cher')).toEqual({ firstName: 'Cher', lastName: null });
    expect(splitName('   ')).toEqual({ firstName: null, lastName: null });
    expect(splitName(null)).toEqual({ firstName: null, lastName: null });
  });
});

describe('applyOrder: a new customer (R1.8)', () => {
  const facts = order({
    date: '2024-03-01T10:00:00Z',
    buyer: FULL_BUYER,
    shipTo: HOME,
    billTo: BILLING,
    tags: ['vip'],
  });

  it('R1.8 keeps names, email, phone, company and both addresses from the order', () => {
    const { next, changed } = applyOrder(emptyCustomer(), facts, RULES);
    expect(changed).toBe(true);
    expect(next.firstName).toBe('Bob');
    expect(next.lastName).toBe('Norman');
    expect(next.name).toBe('Bob Norman');
    expect(next.company).toBe('Norman Ltd');
    expect(normalizeEmail(next.email)).toBe('bob.norman@example.com');
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.shippingAddress).toEqual(HOME);
    expect(next.billingAddress).toEqual(BILLING);
  });

  it('R1.8 splits a full name when first and last are missing', () => {
    const { next } = applyOrder(
      emptyCustomer(),
      order({
        date: '2024-03-01T10:00:00Z',
        buyer: { name: 'Alice Liddell', firstName: '', lastName: null },
      }),
      RULES,
    );
    expect(next.firstName).toBe('Alice');
    expect(next.lastName).toBe('Liddell');
    expect(next.name).toBe('Alice Liddell');
  });

  it('R1.8 keeps a birth date when the channel sends one', () => {
    const { next } = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T10:00:00Z', buyer: { email: 'a@b.example', birthDate: '1990-04-05' } }),
      RULES,
    );
    expect(next.birthDate).toBe('1990-04-05');
  });

  it('R1.8 tags include the store channel and the store name (and the order tags)', () => {
    const { next } = applyOrder(emptyCustomer(), facts, RULES);
    expect(next.tags).toEqual(expect.arrayContaining(['shopify', 'Acme Shopify', 'vip']));
  });

  it('R1.8 tags accumulate across stores without duplicates', () => {
    const first = applyOrder(emptyCustomer(), facts, RULES).next;
    const second = applyOrder(
      first,
      order({ store: STORE_B, date: '2024-04-01T00:00:00Z', tags: ['vip'] }),
      RULES,
    ).next;
    expect([...second.tags].sort()).toEqual(['Acme Shopify', 'Acme eBay', 'ebay', 'shopify', 'vip'].sort());
  });

  it('R2.1 every field written is stamped with source store and the store id', () => {
    const { next } = applyOrder(emptyCustomer(), facts, RULES);
    for (const field of [
      'firstName',
      'lastName',
      'name',
      'company',
      'email',
      'phone',
      'shippingAddress',
      'billingAddress',
    ] as const) {
      expect(next.fieldSources[field]).toMatchObject({
        source: 'store',
        storeId: 'store-a',
        storeName: 'Acme Shopify',
      });
    }
    expect(next.fieldSources.birthDate).toBeUndefined();
    expect(next.fieldSources.postalAddress).toBeUndefined();
  });

  it('R2.1 a manual order stamps its fields as manual, without a store', () => {
    const { next } = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T10:00:00Z', source: 'manual', buyer: { email: 'm@example.com' } }),
      RULES,
    );
    expect(next.fieldSources.email).toMatchObject({ source: 'manual', storeId: null });
  });

  it('R1.8 applying an order does not mutate the current record (pure)', () => {
    const current = emptyCustomer();
    applyOrder(current, facts, RULES);
    expect(current).toEqual(emptyCustomer());
  });
});

describe('applyOrder: newer and older orders (R1.7)', () => {
  it('R1.7 a newer order with a different shipping address replaces it', () => {
    const current = customerFromStoreA();
    const { next, changed } = applyOrder(
      current,
      order({ date: '2024-05-01T00:00:00Z', shipTo: WORK }),
      RULES,
    );
    expect(changed).toBe(true);
    expect(next.shippingAddress).toEqual(WORK);
    expect(next.fieldSources.shippingAddress).toMatchObject({ source: 'store', storeId: 'store-a' });
  });

  it('R1.7 the newest shipping address wins by order date, whatever the arrival order', () => {
    const newerFirst = applyOrder(
      applyOrder(emptyCustomer(), order({ date: '2024-05-01T00:00:00Z', shipTo: WORK }), RULES).next,
      order({ date: '2024-03-01T00:00:00Z', shipTo: HOME }),
      RULES,
    ).next;
    const olderFirst = applyOrder(
      applyOrder(emptyCustomer(), order({ date: '2024-03-01T00:00:00Z', shipTo: HOME }), RULES).next,
      order({ date: '2024-05-01T00:00:00Z', shipTo: WORK }),
      RULES,
    ).next;
    expect(newerFirst.shippingAddress).toEqual(WORK);
    expect(olderFirst.shippingAddress).toEqual(WORK);
  });

  it('R1.7 an older order arriving later never replaces the shipping address', () => {
    const current = customerFromStoreA();
    const { next } = applyOrder(current, order({ date: '2024-01-15T00:00:00Z', shipTo: COTTAGE }), RULES);
    expect(next.shippingAddress).toEqual(HOME);
    expect(next.fieldSources.shippingAddress).toEqual(current.fieldSources.shippingAddress);
  });

  it('R1.7 an older order arriving later never replaces profile fields or the billing address', () => {
    const current = customerFromStoreA();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-01-15T00:00:00Z',
        buyer: {
          firstName: 'Robert',
          lastName: 'Normand',
          email: 'old@example.com',
          phone: '+1 613-555-9999',
          company: 'Old Co',
        },
        billTo: COTTAGE,
      }),
      RULES,
    );
    expect(next.firstName).toBe('Bob');
    expect(next.lastName).toBe('Norman');
    expect(normalizeEmail(next.email)).toBe('bob.norman@example.com');
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.company).toBe('Norman Ltd');
    expect(next.billingAddress).toEqual(BILLING);
  });

  it('R1.7 an older order arriving later still fills fields that were empty', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T10:00:00Z', buyer: { email: 'bob@example.com' }, shipTo: HOME }),
      RULES,
    ).next;
    const { next, changed } = applyOrder(
      current,
      order({
        date: '2024-01-15T00:00:00Z',
        buyer: { email: 'older@example.com', phone: '6135551212', company: 'Norman Ltd', name: 'Bob Norman' },
        shipTo: COTTAGE,
        billTo: BILLING,
      }),
      RULES,
    );
    expect(changed).toBe(true);
    expect(next.email).toBe('bob@example.com');
    expect(next.shippingAddress).toEqual(HOME);
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.company).toBe('Norman Ltd');
    expect(next.firstName).toBe('Bob');
    expect(next.lastName).toBe('Norman');
    expect(next.billingAddress).toEqual(BILLING);
    expect(next.fieldSources.company).toMatchObject({ source: 'store', storeId: 'store-a' });
  });

  it('R1.7 an older order does not make the kept order date go backwards', () => {
    const current = customerFromStoreA();
    const afterOld = applyOrder(
      current,
      order({ date: '2024-01-15T00:00:00Z', shipTo: COTTAGE }),
      RULES,
    ).next;
    // An order between the old one and the kept one is still older than the kept address.
    const { next } = applyOrder(afterOld, order({ date: '2024-02-15T00:00:00Z', shipTo: WORK }), RULES);
    expect(next.shippingAddress).toEqual(HOME);
  });

  it('R1.7 a newer order with the same shipping address is not a change of address', () => {
    const current = customerFromStoreA();
    const { next } = applyOrder(current, order({ date: '2024-05-01T00:00:00Z', shipTo: { ...HOME } }), RULES);
    expect(next.shippingAddress).toEqual(HOME);
  });
});

describe('applyOrder: an order lacking a field never erases it (R1.7, R1.8)', () => {
  it('R1.8 null and blank values in a newer order keep the existing values', () => {
    const current = customerFromStoreA();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: {
          email: '   ',
          phone: '',
          name: null,
          firstName: '',
          lastName: '  ',
          company: null,
          birthDate: '',
        },
        shipTo: BLANK_ADDRESS,
        billTo: null,
      }),
      RULES,
    );
    expect(next.firstName).toBe('Bob');
    expect(next.lastName).toBe('Norman');
    expect(next.name).toBe('Bob Norman');
    expect(next.company).toBe('Norman Ltd');
    expect(normalizeEmail(next.email)).toBe('bob.norman@example.com');
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.shippingAddress).toEqual(HOME);
    expect(next.billingAddress).toEqual(BILLING);
    expect(next.fieldSources).toEqual(current.fieldSources);
  });
});

describe('applyOrder: protectNames (R1.10)', () => {
  it('R1.10 names never change once set, while other fields still update', () => {
    const current = customerFromStoreA(PROTECT);
    const { next, changed } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: {
          firstName: 'Roberta',
          lastName: 'Smith',
          name: 'Roberta Smith',
          email: 'roberta@example.com',
          company: 'New Co',
        },
        shipTo: WORK,
      }),
      PROTECT,
    );
    expect(changed).toBe(true);
    expect(next.firstName).toBe('Bob');
    expect(next.lastName).toBe('Norman');
    expect(next.name).toBe('Bob Norman');
    expect(next.fieldSources.firstName).toEqual(current.fieldSources.firstName);
    expect(next.email).toBe('roberta@example.com');
    expect(next.company).toBe('New Co');
    expect(next.shippingAddress).toEqual(WORK);
  });

  it('R1.10 names are still filled when empty', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T00:00:00Z', buyer: { email: 'x@example.com' } }),
      PROTECT,
    ).next;
    const { next } = applyOrder(
      current,
      order({ date: '2024-04-01T00:00:00Z', buyer: { name: 'Sam Rivera', email: 'x@example.com' } }),
      PROTECT,
    );
    expect(next.firstName).toBe('Sam');
    expect(next.lastName).toBe('Rivera');
    expect(next.name).toBe('Sam Rivera');
  });

  it('R1.10 a missing last name is filled while the set first name is kept', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T00:00:00Z', buyer: { firstName: 'Sam' } }),
      PROTECT,
    ).next;
    const { next } = applyOrder(
      current,
      order({ date: '2024-04-01T00:00:00Z', buyer: { firstName: 'Samantha', lastName: 'Rivera' } }),
      PROTECT,
    );
    expect(next.firstName).toBe('Sam');
    expect(next.lastName).toBe('Rivera');
  });

  it('R1.10 without protectNames a newer order from the owning store does change names', () => {
    const current = customerFromStoreA(RULES);
    const { next } = applyOrder(
      current,
      order({ date: '2024-06-01T00:00:00Z', buyer: { firstName: 'Roberta', lastName: 'Norman' } }),
      RULES,
    );
    expect(next.firstName).toBe('Roberta');
  });
});

describe('applyOrder: field sources and locks (R2.1)', () => {
  it('R2.1 a field written by store A is not overwritten by a newer order from store B', () => {
    const current = customerFromStoreA();
    const { next } = applyOrder(
      current,
      order({
        store: STORE_B,
        date: '2024-06-01T00:00:00Z',
        buyer: {
          email: 'ebay-buyer@example.com',
          phone: '+1 416-555-0100',
          company: 'Other Co',
          firstName: 'Robert',
        },
        shipTo: WORK,
        billTo: COTTAGE,
      }),
      RULES,
    );
    expect(normalizeEmail(next.email)).toBe('bob.norman@example.com');
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.company).toBe('Norman Ltd');
    expect(next.firstName).toBe('Bob');
    expect(next.shippingAddress).toEqual(HOME);
    expect(next.billingAddress).toEqual(BILLING);
    for (const field of [
      'email',
      'phone',
      'company',
      'firstName',
      'shippingAddress',
      'billingAddress',
    ] as const) {
      expect(next.fieldSources[field]).toMatchObject({ source: 'store', storeId: 'store-a' });
    }
  });

  it('R2.1 store B still fills fields store A left empty, and owns them', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T00:00:00Z', buyer: { email: 'bob@example.com' } }),
      RULES,
    ).next;
    const { next } = applyOrder(
      current,
      order({ store: STORE_B, date: '2024-06-01T00:00:00Z', buyer: { phone: '6135551212' }, shipTo: WORK }),
      RULES,
    );
    expect(normalizePhone(next.phone, 'CA')).toBe('+16135551212');
    expect(next.shippingAddress).toEqual(WORK);
    expect(next.fieldSources.phone).toMatchObject({ source: 'store', storeId: 'store-b' });
    expect(next.fieldSources.shippingAddress).toMatchObject({ source: 'store', storeId: 'store-b' });
  });

  it('R2.1 a newer order from the owning store A does overwrite its fields', () => {
    const current = customerFromStoreA();
    const facts = order({
      date: '2024-06-01T00:00:00Z',
      buyer: { email: 'bob.new@example.com', phone: '+1 416-555-0100', company: 'Other Co' },
      shipTo: WORK,
      billTo: COTTAGE,
    });
    const { next } = applyOrder(current, facts, RULES);
    expect(next.email).toBe('bob.new@example.com');
    expect(normalizePhone(next.phone, 'CA')).toBe('+14165550100');
    expect(next.company).toBe('Other Co');
    expect(next.shippingAddress).toEqual(WORK);
    expect(next.billingAddress).toEqual(COTTAGE);
    expect(next.fieldSources.email).toMatchObject({
      source: 'store',
      storeId: 'store-a',
      at: facts.orderDate.toISOString(),
    });
  });

  it('R2.1 a field whose source is manual is overwritten by a newer store order', () => {
    const current: CustomerState = {
      ...customerFromStoreA(),
      email: 'hand-typed@example.com',
      shippingAddress: COTTAGE,
    };
    current.fieldSources = {
      ...current.fieldSources,
      email: { source: 'manual', storeId: null, storeName: null, at: '2024-03-05T00:00:00.000Z' },
      shippingAddress: { source: 'manual', storeId: null, storeName: null, at: '2024-03-05T00:00:00.000Z' },
    };
    const { next } = applyOrder(
      current,
      order({
        store: STORE_B,
        date: '2024-06-01T00:00:00Z',
        buyer: { email: 'from-ebay@example.com' },
        shipTo: WORK,
      }),
      RULES,
    );
    expect(next.email).toBe('from-ebay@example.com');
    expect(next.fieldSources.email).toMatchObject({ source: 'store', storeId: 'store-b' });
    expect(next.shippingAddress).toEqual(WORK);
    expect(next.fieldSources.shippingAddress).toMatchObject({ source: 'store', storeId: 'store-b' });
  });

  it('R2.1 an order from another store does not block a later-arriving but newer order of the owning store (shipping address)', () => {
    // Store A writes HOME on Mar 1. Store B's Jun 1 order may not touch it (locked by A).
    // Store A's Apr 1 order then arrives late: it is newer than the order that wrote HOME, from the
    // owning store, so it is "a newer order from that same store" (R2.1, R1.7) and must update it.
    const current = customerFromStoreA();
    const afterB = applyOrder(
      current,
      order({ store: STORE_B, date: '2024-06-01T00:00:00Z', shipTo: WORK }),
      RULES,
    ).next;
    expect(afterB.shippingAddress).toEqual(HOME);
    const { next } = applyOrder(afterB, order({ date: '2024-04-01T00:00:00Z', shipTo: COTTAGE }), RULES);
    expect(next.shippingAddress).toEqual(COTTAGE);
  });

  it('R2.1 an order from another store does not block a later-arriving but newer order of the owning store (email)', () => {
    const current = customerFromStoreA();
    const afterB = applyOrder(
      current,
      order({ store: STORE_B, date: '2024-06-01T00:00:00Z', buyer: { email: 'ebay@example.com' } }),
      RULES,
    ).next;
    expect(normalizeEmail(afterB.email)).toBe('bob.norman@example.com');
    const { next } = applyOrder(
      afterB,
      order({ date: '2024-04-01T00:00:00Z', buyer: { email: 'bob.april@example.com' } }),
      RULES,
    );
    expect(next.email).toBe('bob.april@example.com');
  });
});

describe('applyOrder: marketing consent (R2.9)', () => {
  it('R2.9 an order subscribed sets email consent with its changedAt, source and store', () => {
    const { next } = applyOrder(
      emptyCustomer(),
      order({
        date: '2024-03-01T10:00:00Z',
        buyer: {
          email: 'a@example.com',
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-02-20T08:00:00.000Z' } },
        },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual({
      state: 'subscribed',
      changedAt: '2024-02-20T08:00:00.000Z',
      source: 'store',
      storeId: 'store-a',
    });
    expect(next.consent.sms).toBeUndefined();
  });

  it('R2.9 consent without its own changedAt is dated by the order date', () => {
    const { next } = applyOrder(
      emptyCustomer(),
      order({
        date: '2024-03-01T10:00:00Z',
        buyer: { marketingConsent: { email: { state: 'subscribed', changedAt: null } } },
      }),
      RULES,
    );
    expect(next.consent.email).toMatchObject({ state: 'subscribed', changedAt: '2024-03-01T10:00:00.000Z' });
  });

  function unsubscribedOnMay1(): CustomerState {
    return {
      ...emptyCustomer(),
      email: 'a@example.com',
      consent: {
        email: {
          state: 'unsubscribed',
          changedAt: '2024-05-01T00:00:00.000Z',
          source: 'manual',
          storeId: null,
        },
      },
    };
  }

  it('R2.9 an explicit unsubscribe is not overturned by an older order subscribed (no changedAt)', () => {
    const current = unsubscribedOnMay1();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-04-01T00:00:00Z',
        buyer: { marketingConsent: { email: { state: 'subscribed', changedAt: null } } },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual(current.consent.email);
  });

  it('R2.9 an explicit unsubscribe is not overturned by an older subscribed changedAt', () => {
    const current = unsubscribedOnMay1();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: {
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-04-15T00:00:00.000Z' } },
        },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual(current.consent.email);
  });

  it('R2.9 a newer opt-in from another source (a store) does not overturn an explicit unsubscribe', () => {
    const current = unsubscribedOnMay1();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: {
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-06-01T00:00:00.000Z' } },
        },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual(current.consent.email);
    expect(next.consentHistory).toEqual([]);
  });

  function unsubscribedAtStoreA(changedAt: string | null): CustomerState {
    return {
      ...emptyCustomer(),
      consent: { email: { state: 'unsubscribed', changedAt, source: 'store', storeId: 'store-a' } },
    };
  }

  it('R2.9 a newer opt-in from the same store that recorded the unsubscribe overturns it, and the history keeps both steps', () => {
    const current = {
      ...unsubscribedAtStoreA('2024-05-01T00:00:00.000Z'),
      consentHistory: [
        {
          channel: 'email' as const,
          state: 'unsubscribed' as const,
          changedAt: '2024-05-01T00:00:00.000Z',
          source: 'store' as const,
          storeId: 'store-a',
        },
      ],
    };
    const { next } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: {
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-06-01T00:00:00.000Z' } },
        },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual({
      state: 'subscribed',
      changedAt: '2024-06-01T00:00:00.000Z',
      source: 'store',
      storeId: 'store-a',
    });
    expect(next.consentHistory.map((e) => e.state)).toEqual(['unsubscribed', 'subscribed']);
  });

  it('R2.9 the same store: an older opt-in still never overturns the unsubscribe; another store never does', () => {
    const current = unsubscribedAtStoreA('2024-05-01T00:00:00.000Z');
    const older = applyOrder(
      current,
      order({
        date: '2024-04-01T00:00:00Z',
        buyer: { marketingConsent: { email: { state: 'subscribed', changedAt: null } } },
      }),
      RULES,
    ).next;
    expect(older.consent.email!.state).toBe('unsubscribed');
    const otherStore = applyOrder(
      current,
      order({
        store: STORE_B,
        date: '2024-07-01T00:00:00Z',
        buyer: {
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-07-01T00:00:00.000Z' } },
        },
      }),
      RULES,
    ).next;
    expect(otherStore.consent.email!.state).toBe('unsubscribed');
  });

  it('R2.9 an unsubscribe of unknown date gives way only to a same-store change that says when it was made', () => {
    const current = unsubscribedAtStoreA(null);
    const undated = applyOrder(
      current,
      order({
        date: '2024-07-01T00:00:00Z',
        buyer: { marketingConsent: { email: { state: 'subscribed', changedAt: null } } },
      }),
      RULES,
    ).next;
    expect(undated.consent.email!.state).toBe('unsubscribed');
    const dated = applyOrder(
      current,
      order({
        date: '2024-07-01T00:00:00Z',
        buyer: {
          marketingConsent: { email: { state: 'subscribed', changedAt: '2024-06-30T00:00:00.000Z' } },
        },
      }),
      RULES,
    ).next;
    expect(dated.consent.email!.state).toBe('subscribed');
  });

  it('R2.9 a newer order unsubscribed overturns a subscribe', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({
        date: '2024-03-01T00:00:00Z',
        buyer: { marketingConsent: { email: { state: 'subscribed', changedAt: null } } },
      }),
      RULES,
    ).next;
    const { next } = applyOrder(
      current,
      order({
        date: '2024-04-01T00:00:00Z',
        buyer: { marketingConsent: { email: { state: 'unsubscribed', changedAt: null } } },
      }),
      RULES,
    );
    expect(next.consent.email).toMatchObject({
      state: 'unsubscribed',
      changedAt: '2024-04-01T00:00:00.000Z',
    });
  });

  it('R2.9 sms consent is independent of email consent', () => {
    const current = unsubscribedOnMay1();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-04-01T00:00:00Z',
        buyer: {
          marketingConsent: {
            email: { state: 'subscribed', changedAt: null },
            sms: { state: 'subscribed', changedAt: null },
          },
        },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual(current.consent.email);
    expect(next.consent.sms).toMatchObject({
      state: 'subscribed',
      changedAt: '2024-04-01T00:00:00.000Z',
      storeId: 'store-a',
    });
  });

  it('R2.9 an order carrying only sms consent leaves email consent alone', () => {
    const current = unsubscribedOnMay1();
    const { next } = applyOrder(
      current,
      order({
        date: '2024-06-01T00:00:00Z',
        buyer: { marketingConsent: { sms: { state: 'unsubscribed', changedAt: null } } },
      }),
      RULES,
    );
    expect(next.consent.email).toEqual(current.consent.email);
    expect(next.consent.sms).toMatchObject({ state: 'unsubscribed' });
  });
});

describe('applyOrder: change detection (R1.9, R1.5)', () => {
  const facts = order({
    date: '2024-03-01T10:00:00Z',
    buyer: {
      ...FULL_BUYER,
      birthDate: '1980-01-02',
      marketingConsent: {
        email: { state: 'subscribed', changedAt: null },
        sms: { state: 'not_subscribed', changedAt: null },
      },
    },
    shipTo: HOME,
    billTo: BILLING,
    tags: ['vip'],
  });

  it('R1.9 applying the same order twice: the second time changes nothing', () => {
    const once = applyOrder(emptyCustomer(), facts, RULES);
    expect(once.changed).toBe(true);
    const twice = applyOrder(once.next, facts, RULES);
    expect(twice.changed).toBe(false);
    expect(twice.next).toEqual(once.next);
  });

  it('R1.9 the same order twice changes nothing with protectNames either', () => {
    const once = applyOrder(emptyCustomer(), facts, PROTECT);
    expect(applyOrder(once.next, facts, PROTECT).changed).toBe(false);
  });

  it('R1.5 an email differing only in case (and spaces) is not a change', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T10:00:00Z', buyer: { email: 'john@example.com' } }),
      RULES,
    ).next;
    const same = applyOrder(
      current,
      order({ date: '2024-03-01T10:00:00Z', buyer: { email: ' JOHN@Example.COM ' } }),
      RULES,
    );
    expect(same.changed).toBe(false);
    expect(same.next.email).toBe('john@example.com');

    const newer = applyOrder(
      current,
      order({ date: '2024-05-01T10:00:00Z', buyer: { email: 'John@EXAMPLE.com' } }),
      RULES,
    ).next;
    expect(newer.email).toBe('john@example.com');
    expect(newer.fieldSources.email).toEqual(current.fieldSources.email);
  });

  it('R1.5 the same phone written another way is not a change', () => {
    const current = applyOrder(
      emptyCustomer(),
      order({ date: '2024-03-01T10:00:00Z', buyer: { phone: '+16135551212' } }),
      RULES,
    ).next;
    const same = applyOrder(
      current,
      order({ date: '2024-03-01T10:00:00Z', buyer: { phone: '(613)555-1212' } }),
      RULES,
    );
    expect(same.changed).toBe(false);
    expect(same.next.phone).toBe('+16135551212');
  });
});
