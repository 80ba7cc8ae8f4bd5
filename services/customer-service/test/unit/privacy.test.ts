import { emptyCustomer } from '../../src/domain/customer';
import { erasedRecord } from '../../src/domain/privacy';
import type { CustomerRecord } from '../../src/domain/records';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const address = {
  name: 'Ann Lee',
  company: null,
  phone: null,
  street1: '1 Main St',
  street2: null,
  street3: null,
  city: 'Ottawa',
  state: 'ON',
  postalCode: 'K1A 0B1',
  country: 'CA',
};

/** A record with every personal field set. */
const full = (): CustomerRecord => ({
  id: 'cus_1',
  accountId: 'acme',
  status: 'active',
  mergedIntoId: null,
  firstName: 'Ann',
  lastName: 'Lee',
  name: 'Ann Lee',
  company: 'Lee & Co',
  email: 'ann@example.com',
  emailNormalized: 'ann@example.com',
  phone: '+1 613-555-1212',
  phoneE164: '+16135551212',
  birthDate: '1980-02-03',
  shippingAddress: address,
  billingAddress: address,
  postalAddress: address,
  notes: 'Prefers morning delivery',
  addressOrderDate: new Date('2026-11-01T00:00:00Z'),
  profileOrderDate: new Date('2026-11-01T00:00:00Z'),
  tags: ['vip'],
  consent: {
    email: { state: 'subscribed', changedAt: '2026-11-01T00:00:00.000Z', source: 'manual', storeId: null },
  },
  consentHistory: [
    {
      channel: 'email',
      state: 'subscribed',
      changedAt: '2026-11-01T00:00:00.000Z',
      source: 'manual',
      storeId: null,
    },
  ],
  fieldSources: {
    email: { source: 'manual', storeId: null, storeName: null, at: '2026-11-01T00:00:00.000Z' },
  },
  orderCount: 4,
  totalSpent: 120.5,
  firstOrderDate: new Date('2026-10-01T00:00:00Z'),
  lastOrderDate: new Date('2026-11-01T00:00:00Z'),
  erasedAt: null,
  version: 7,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-11-01T00:00:00Z'),
});

describe('R2.10 erasure of a record', () => {
  it('empties every field of the customer state, and the match keys', () => {
    const erased = erasedRecord(full(), NOW);
    for (const [field, empty] of Object.entries(emptyCustomer()))
      expect([field, erased[field as keyof CustomerRecord]]).toEqual([field, empty]);
    expect(erased.emailNormalized).toBeNull();
    expect(erased.phoneE164).toBeNull();
  });

  it('keeps the tombstone: id, account, history figures; deleted, erased now, next version', () => {
    const erased = erasedRecord(full(), NOW);
    expect(erased).toMatchObject({
      id: 'cus_1',
      accountId: 'acme',
      status: 'deleted',
      orderCount: 4,
      totalSpent: 120.5,
      erasedAt: NOW,
      updatedAt: NOW,
      version: 8,
      createdAt: new Date('2026-01-01T00:00:00Z'),
    });
  });
});
