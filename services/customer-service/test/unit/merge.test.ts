import { emptyCustomer, type FieldSource } from '../../src/domain/customer';
import { decideStatusChange } from '../../src/domain/lifecycle';
import { planMerge, type MergeWorld } from '../../src/domain/merge';
import type { CustomerRecord, IdentityRecord } from '../../src/domain/records';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const at = (d: number): string => `2026-11-${String(d).padStart(2, '0')}T10:00:00.000Z`;
const src = (source: FieldSource['source'], day: number, storeId: string | null = null): FieldSource => ({
  source,
  storeId,
  storeName: storeId ? `Store ${storeId}` : null,
  at: at(day),
});

function rec(id: string, extra: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    id,
    accountId: 'acme',
    status: 'active',
    mergedIntoId: null,
    ...emptyCustomer(),
    emailNormalized: null,
    phoneE164: null,
    orderCount: 1,
    totalSpent: 10,
    firstOrderDate: null,
    lastOrderDate: null,
    erasedAt: null,
    version: 3,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  };
}
const idn = (customerId: string, username: string): IdentityRecord => ({
  id: `idn_${username}`,
  accountId: 'acme',
  storeId: 'st_shop',
  storeName: 'Shop',
  storeType: 'shopify',
  username,
  customerId,
  createdAt: NOW,
  updatedAt: NOW,
});
const world = (records: CustomerRecord[], extra: Partial<MergeWorld> = {}): MergeWorld => ({
  accountId: 'acme',
  defaultCountry: 'US',
  records,
  identities: [],
  openPrivacyRequests: [],
  ...extra,
});

describe('planMerge (R2.7)', () => {
  const a = rec('cus_a', {
    firstName: 'Bob',
    lastName: 'Norman',
    name: 'Bob Norman',
    email: 'bob@old.example',
    emailNormalized: 'bob@old.example',
    phone: '(613) 555-1212',
    company: 'Norman & Sons',
    tags: ['shopify', 'vip'],
    fieldSources: {
      firstName: src('store', 1, 's1'),
      lastName: src('store', 1, 's1'),
      name: src('store', 1, 's1'),
      email: src('store', 1, 's1'),
      phone: src('manual', 5),
      company: src('csv', 3),
    },
    consent: { email: { state: 'subscribed', changedAt: at(2), source: 'store', storeId: 's1' } },
  });
  const b = rec('cus_b', {
    firstName: 'Robert',
    lastName: 'Norman',
    name: 'Robert Norman',
    email: 'BOB@new.example',
    emailNormalized: 'bob@new.example',
    phone: '+1 613-555-1212',
    company: 'Norman Ltd',
    tags: ['ebay'],
    fieldSources: {
      firstName: src('store', 9, 's2'),
      lastName: src('store', 9, 's2'),
      name: src('store', 9, 's2'),
      email: src('manual', 9),
      phone: src('store', 5, 's2'),
      company: src('store', 3, 's2'),
    },
    consent: { email: { state: 'unsubscribed', changedAt: at(8), source: 'manual', storeId: null } },
  });

  it('R2.7: every conflict lists each candidate, the winner and its rule: newest value; equal times: source priority; same phone in two formats is no conflict', () => {
    const plan = planMerge({ survivorId: 'cus_a', mergedIds: ['cus_b'] }, world([a, b]), NOW);
    expect(plan.mergeable).toBe(true);
    const byField = Object.fromEntries(plan.conflicts.map((c) => [c.field, c]));
    expect(Object.keys(byField).sort()).toEqual(['company', 'email', 'marketingConsent.email', 'name']);
    expect(byField.name).toMatchObject({ winner: 'cus_b', rule: 'newest' });
    expect(byField.name!.candidates).toEqual([
      {
        customerId: 'cus_a',
        value: { firstName: 'Bob', lastName: 'Norman', name: 'Bob Norman' },
        source: 'store',
        at: at(1),
      },
      {
        customerId: 'cus_b',
        value: { firstName: 'Robert', lastName: 'Norman', name: 'Robert Norman' },
        source: 'store',
        at: at(9),
      },
    ]);
    expect(byField.email).toMatchObject({ winner: 'cus_b', rule: 'newest' });
    expect(byField.company).toMatchObject({ winner: 'cus_b', rule: 'source_priority' });
    expect(byField['marketingConsent.email']).toMatchObject({ winner: 'cus_b', rule: 'newest' });
    expect(plan.survivor).toMatchObject({
      id: 'cus_a',
      firstName: 'Robert',
      name: 'Robert Norman',
      email: 'BOB@new.example',
      emailNormalized: 'bob@new.example',
      company: 'Norman Ltd',
      phone: '(613) 555-1212',
      phoneE164: '+16135551212',
      tags: ['shopify', 'vip', 'ebay'],
      version: 4,
    });
    expect(plan.survivor!.consent.email!.state).toBe('unsubscribed');
    expect(plan.survivor!.fieldSources.company).toEqual(src('store', 3, 's2'));
    expect(plan.merged).toEqual([
      expect.objectContaining({ id: 'cus_b', status: 'merged', mergedIntoId: 'cus_a', version: 4 }),
    ]);
    expect(plan.moves).toEqual({ identities: 0, orders: 1, tags: ['ebay'] });
  });

  it("R2.7: the user's choice wins over every other rule, names decided as one", () => {
    const plan = planMerge(
      { survivorId: 'cus_a', mergedIds: ['cus_b'], choices: { name: 'cus_a', email: 'cus_a' } },
      world([a, b]),
      NOW,
    );
    expect(plan.survivor).toMatchObject({ firstName: 'Bob', name: 'Bob Norman', email: 'bob@old.example' });
    expect(plan.conflicts.find((c) => c.field === 'name')).toMatchObject({ winner: 'cus_a', rule: 'choice' });
  });

  it('R2.7: a value only one record holds fills the survivor without a conflict; identities move', () => {
    const s = rec('cus_s', { email: 'x@example.com', fieldSources: { email: src('api', 1) } });
    const m = rec('cus_m', { birthDate: '1980-02-29', fieldSources: { birthDate: src('store', 2, 's1') } });
    const plan = planMerge(
      { survivorId: 'cus_s', mergedIds: ['cus_m'] },
      world([s, m], { identities: [idn('cus_m', 'u1'), idn('cus_s', 'u0')] }),
      NOW,
    );
    expect(plan.conflicts).toEqual([]);
    expect(plan.survivor).toMatchObject({ email: 'x@example.com', birthDate: '1980-02-29' });
    expect(plan.identityMoves).toEqual([expect.objectContaining({ username: 'u1', customerId: 'cus_s' })]);
  });

  it("issue #16: notes are not ranked by time: the survivor's are kept (rule survivor, said in the preview) unless chosen; none on the survivor: the first merged record's", () => {
    const s = rec('cus_s', { notes: 'old but mine', fieldSources: { notes: src('manual', 1) } });
    const m = rec('cus_m', { notes: 'newer, other', fieldSources: { notes: src('csv', 20) } });
    const plan = planMerge({ survivorId: 'cus_s', mergedIds: ['cus_m'] }, world([s, m]), NOW);
    expect(plan.survivor!.notes).toBe('old but mine');
    const conflict = plan.conflicts.find((c) => c.field === 'notes')!;
    expect(conflict).toMatchObject({ winner: 'cus_s', rule: 'survivor' });
    expect(conflict.because).toMatch(/survivor keeps its own.*choices\.notes/);
    expect(conflict.candidates.map((c) => c.value)).toEqual(['old but mine', 'newer, other']);

    const chosen = planMerge(
      { survivorId: 'cus_s', mergedIds: ['cus_m'], choices: { notes: 'cus_m' } },
      world([s, m]),
      NOW,
    );
    expect(chosen.survivor!.notes).toBe('newer, other');
    expect(chosen.survivor!.fieldSources.notes?.source).toBe('csv');
    expect(chosen.conflicts.find((c) => c.field === 'notes')).toMatchObject({
      winner: 'cus_m',
      rule: 'choice',
    });

    const bare = rec('cus_b');
    const m2 = rec('cus_m2', { notes: 'second' });
    const filled = planMerge(
      { survivorId: 'cus_b', mergedIds: ['cus_m', 'cus_m2'] },
      world([bare, m, m2]),
      NOW,
    );
    expect(filled.survivor!.notes).toBe('newer, other');
    expect(filled.conflicts.find((c) => c.field === 'notes')).toMatchObject({
      winner: 'cus_m',
      rule: 'survivor',
    });
  });

  it('R2.7/R2.10: what cannot be merged is listed with the reason: another account, deleted, already merged, an archived survivor, an open privacy request', () => {
    const other = { ...rec('cus_x'), accountId: 'globex' };
    const del = rec('cus_d', { status: 'deleted' });
    const gone = rec('cus_g', { status: 'merged', mergedIntoId: 'cus_a' });
    const arch = rec('cus_ar', { status: 'archived' });
    const plan = planMerge(
      { survivorId: 'cus_ar', mergedIds: ['cus_x', 'cus_d', 'cus_g', 'cus_b'] },
      world([arch, other, del, gone, b], {
        openPrivacyRequests: [{ id: 'prq_1', customerId: 'cus_b', type: 'erase' }],
      }),
      NOW,
    );
    expect(plan.mergeable).toBe(false);
    expect(plan.blockers.map((x) => [x.customerId, x.code])).toEqual([
      ['cus_ar', 'SURVIVOR_NOT_ACTIVE'],
      ['cus_x', 'NOT_IN_ACCOUNT'],
      ['cus_d', 'DELETED'],
      ['cus_g', 'ALREADY_MERGED'],
      ['cus_b', 'PRIVACY_REQUEST_OPEN'],
    ]);
    expect(plan.blockers[4]!.reason).toMatch(/prq_1/);
  });

  it('an archived record can be merged into an active survivor', () => {
    const plan = planMerge(
      { survivorId: 'cus_a', mergedIds: ['cus_ar'] },
      world([a, rec('cus_ar', { status: 'archived' })]),
      NOW,
    );
    expect(plan.mergeable).toBe(true);
  });
});

describe('decideStatusChange (R2.6, R2.8)', () => {
  const c = (status: CustomerRecord['status']) => ({
    id: 'cus_1',
    status,
    mergedIntoId: status === 'merged' ? 'cus_0' : null,
  });
  const opts = { isDefaultCustomer: false };
  it('R2.6: active → archived → active; deleted from either; a retried click changes nothing', () => {
    expect(decideStatusChange(c('active'), 'archive', opts)).toEqual({ kind: 'change', to: 'archived' });
    expect(decideStatusChange(c('archived'), 'restore', opts)).toEqual({ kind: 'change', to: 'active' });
    expect(decideStatusChange(c('archived'), 'delete', opts)).toEqual({ kind: 'change', to: 'deleted' });
    expect(decideStatusChange(c('active'), 'delete', opts)).toEqual({ kind: 'change', to: 'deleted' });
    expect(decideStatusChange(c('archived'), 'archive', opts)).toEqual({ kind: 'unchanged' });
    expect(decideStatusChange(c('active'), 'restore', opts)).toEqual({ kind: 'unchanged' });
  });
  it('R2.6: deleted cannot be restored; merged records are changed through their survivor', () => {
    expect(decideStatusChange(c('deleted'), 'restore', opts)).toMatchObject({
      kind: 'refused',
      code: 'CUSTOMER_DELETED',
    });
    expect(decideStatusChange(c('merged'), 'archive', opts)).toMatchObject({
      kind: 'refused',
      code: 'CUSTOMER_MERGED',
    });
  });
  it('R2.8: the default customer is neither archived nor deleted while it is the default', () => {
    const d = decideStatusChange(c('active'), 'archive', { isDefaultCustomer: true });
    expect(d).toMatchObject({ kind: 'refused', code: 'DEFAULT_CUSTOMER' });
  });
});
