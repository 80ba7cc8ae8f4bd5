import type { CustomerImportField } from '@crp/contracts/customer-import-fields';
import type { CustomerImportRow } from '@crp/contracts/events/customer-import-requested';
import { emptyCustomer } from '../../src/domain/customer';
import {
  connectedStoreOf,
  decideImportRow,
  dryRunLayer,
  ImportState,
  loadedLayer,
  type ImportContext,
} from '../../src/domain/import-rows';
import type { CustomerRecord, IdentityRecord } from '../../src/domain/records';

const now = new Date('2026-11-24T10:00:00.000Z');
let seq = 0;

function record(extra: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    ...emptyCustomer(),
    id: `cus_${++seq}`,
    accountId: 'acme',
    status: 'active',
    mergedIntoId: null,
    emailNormalized: null,
    phoneE164: null,
    orderCount: 0,
    totalSpent: 0,
    firstOrderDate: null,
    lastOrderDate: null,
    erasedAt: null,
    version: 1,
    createdAt: new Date('2026-01-01'),
    updatedAt: new Date('2026-01-01'),
    ...extra,
  };
}

function identity(customerId: string, storeType: string, username: string): IdentityRecord {
  return {
    id: `idn_${++seq}`,
    accountId: 'acme',
    storeId: storeType === 'manual' ? 'st_manual_acme' : `st_${storeType}`,
    storeName: storeType === 'manual' ? 'Manual orders' : 'Acme Shopify',
    storeType,
    username,
    customerId,
    createdAt: new Date('2026-01-01'),
    updatedAt: new Date('2026-01-01'),
  };
}

function setup(
  customers: CustomerRecord[],
  identities: IdentityRecord[] = [],
  fields: CustomerImportField[] = [],
) {
  const state = new ImportState(loadedLayer({ customers, identities, emailCandidates: customers }));
  const ctx: ImportContext = {
    accountId: 'acme',
    jobId: 'imp_1',
    dryRun: false,
    fields,
    defaultCountry: 'US',
    now,
    newId: (k) => `${k}_${++seq}`,
    identitiesOf: (id) => identities.filter((i) => i.customerId === id),
    manualIdentity: (a, u) => {
      const found =
        identities.find((i) => i.accountId === a && i.storeType === 'manual' && i.username === u) ??
        state.identity(a, u);
      // As the app does: a stored identity this state re-pointed answers as re-pointed.
      return found && (state.movedIdentity(found.id) ?? found);
    },
  };
  return { state, ctx };
}

const row = (
  values: CustomerImportRow['values'],
  target: Partial<CustomerImportRow> = {},
): CustomerImportRow => ({
  lineNumber: 2,
  customerId: null,
  username: null,
  values,
  ...target,
});

describe('customer import rows (SPEC §4)', () => {
  it('R4.3 a blank cell clears the field; unmapped fields stay; field sources become csv', () => {
    const kim = record({
      email: 'kim@example.com',
      emailNormalized: 'kim@example.com',
      phone: '+16135550000',
      company: 'Keep',
    });
    const { state, ctx } = setup([kim], [], ['email', 'phone']);
    const d = decideImportRow(row({ email: 'kim@example.com', phone: null }), state, {
      ...ctx,
      dryRun: true,
    });
    expect(d.answer).toMatchObject({ outcome: 'updated', customerId: kim.id });
    expect(d.answer.changes).toEqual([
      { field: 'phone', before: '+16135550000', after: null, clearedByBlank: true },
    ]);
    expect(d.write!.record).toMatchObject({ phone: null, company: 'Keep', version: 2 });
    expect(d.write!.record.fieldSources.phone?.source).toBe('csv');
  });

  it('issue #16 / R4.3 notes: a value replaces them (source csv), a blank cell clears them and the dry run says so', () => {
    const kim = record({
      email: 'kim@example.com',
      emailNormalized: 'kim@example.com',
      notes: 'Leave at the back door',
      fieldSources: {
        notes: { source: 'manual', storeId: null, storeName: null, at: '2026-01-01T00:00:00Z' },
      },
    });
    const { state, ctx } = setup([kim], [], ['email', 'notes']);
    const cleared = decideImportRow(row({ email: 'kim@example.com', notes: null }), state, {
      ...ctx,
      dryRun: true,
    });
    expect(cleared.answer.changes).toEqual([
      { field: 'notes', before: 'Leave at the back door', after: null, clearedByBlank: true },
    ]);
    expect(cleared.answer.warnings ?? []).toEqual([]);
    expect(cleared.write!.record.notes).toBeNull();
    expect(cleared.write!.record.fieldSources.notes?.source).toBe('csv');
    expect(cleared.write!.change!.changes).toEqual([
      { field: 'notes', from: 'Leave at the back door', to: null },
    ]);

    const { state: s2, ctx: c2 } = setup([kim], [], ['email', 'notes']);
    const replaced = decideImportRow(row({ email: 'kim@example.com', notes: 'Ring twice' }), s2, c2);
    expect(replaced.answer).toMatchObject({ outcome: 'updated', customerId: kim.id });
    expect(replaced.write!.record).toMatchObject({ notes: 'Ring twice', version: 2 });
    const same = decideImportRow(row({ email: 'kim@example.com', notes: 'Ring twice' }), s2, c2);
    expect(same.answer.outcome).toBe('unchanged');

    // A file without a notes column leaves them alone.
    const { state: s3, ctx: c3 } = setup([kim], [], ['email', 'company']);
    const untouched = decideImportRow(row({ email: 'kim@example.com', company: 'Co' }), s3, c3);
    expect(untouched.write!.record.notes).toBe('Leave at the back door');
  });

  it('R4.2 a customer whose first identity is a connected store is rejected, naming the store', () => {
    const bo = record({ email: 'bo@example.com', emailNormalized: 'bo@example.com' });
    const { state, ctx } = setup([bo], [identity(bo.id, 'shopify', 'bo')], ['firstName', 'email']);
    const d = decideImportRow(row({ firstName: 'X', email: 'bo@example.com' }), state, ctx);
    expect(d.write).toBeNull();
    expect(d.answer).toMatchObject({ outcome: 'rejected', customerId: bo.id });
    expect(d.answer.reason).toMatch(/belongs to store "Acme Shopify" \(shopify\).*R4\.2/);
    expect(connectedStoreOf([identity(bo.id, 'manual', 'x')])).toBeNull();
  });

  it('R2.1 a row that would change a store-written field is rejected; the same value is no change', () => {
    const c = record({
      phone: '+16135550000',
      fieldSources: {
        phone: { source: 'store', storeId: 'st_1', storeName: 'Acme Shopify', at: '2026-01-01T00:00:00Z' },
      },
    });
    const { state, ctx } = setup([c], [], ['phone', 'company']);
    expect(
      decideImportRow(row({ phone: null, company: 'Co' }, { customerId: c.id }), state, ctx).answer.reason,
    ).toMatch(/locked.*phone.*Acme Shopify/);
    expect(
      decideImportRow(row({ phone: '+16135550000', company: 'Co' }, { customerId: c.id }), state, ctx).answer
        .outcome,
    ).toBe('updated');
  });

  it('address parts apply one by one; an address left with no part is no address; tags replace; consent per channel', () => {
    const c = record({
      shippingAddress: {
        name: null,
        company: null,
        street1: '1 Main',
        street2: null,
        street3: null,
        city: 'Ottawa',
        state: null,
        postalCode: null,
        country: 'CA',
        phone: null,
      },
      tags: ['a', 'b'],
      consent: { sms: { state: 'subscribed', changedAt: null, source: 'store', storeId: 'st_1' } },
    });
    const fields: CustomerImportField[] = [
      'shippingAddress.city',
      'shippingAddress.street1',
      'shippingAddress.country',
      'tags',
      'emailConsent',
    ];
    const { state, ctx } = setup([c], [], fields);
    const d = decideImportRow(
      row(
        {
          'shippingAddress.city': 'Toronto',
          'shippingAddress.street1': null,
          'shippingAddress.country': 'ca',
          tags: [' c ', 'c'],
          emailConsent: 'unsubscribed',
        },
        { customerId: c.id },
      ),
      state,
      ctx,
    );
    expect(d.write!.record.shippingAddress).toMatchObject({ street1: null, city: 'Toronto', country: 'CA' });
    expect(d.write!.record.tags).toEqual(['c']);
    expect(d.write!.record.consent).toMatchObject({
      email: { state: 'unsubscribed', source: 'csv' },
      sms: { state: 'subscribed' },
    });
    const gone = decideImportRow(
      row(
        {
          'shippingAddress.city': null,
          'shippingAddress.street1': null,
          'shippingAddress.country': null,
          tags: ['c'],
          emailConsent: 'unsubscribed',
        },
        { customerId: c.id },
      ),
      state,
      ctx,
    );
    expect(gone.write!.record.shippingAddress).toBeNull();
  });

  it('R4.1 no target: a new manual-store customer with its email identity; the next row with that email sees it', () => {
    const { state, ctx } = setup([], [], ['firstName', 'email']);
    const first = decideImportRow(row({ firstName: 'Ann', email: 'Ann@Example.com' }), state, ctx);
    expect(first.answer.outcome).toBe('created');
    expect(state.identities).toEqual([
      expect.objectContaining({ storeType: 'manual', username: 'ann@example.com' }),
    ]);
    const again = decideImportRow(row({ firstName: 'Ann', email: 'Ann@Example.com' }), state, ctx);
    expect(again.answer).toMatchObject({ outcome: 'unchanged', customerId: first.answer.customerId });
    expect(decideImportRow(row({ firstName: null, email: null }), state, ctx).answer.reason).toMatch(
      /needs at least/,
    );
  });
});

describe('R1.4/R2.6: the manual-store identity a row was found by ends on the record the row lands on', () => {
  it('its record archived: a new record takes it (an update of the stored identity, no second one); the next row by that username reaches the new record', () => {
    const old = record({ status: 'archived', email: 'ola@x.com', emailNormalized: 'ola@x.com' });
    const idn = identity(old.id, 'manual', 'ola@x.com');
    const { state, ctx } = setup([old], [idn], ['name', 'email']);
    const made = decideImportRow(row({ name: 'Ola', email: 'ola@x.com' }), state, ctx);
    expect(made.answer.outcome).toBe('created');
    const id = made.write!.record.id;
    expect(id).not.toBe(old.id);
    expect(state.identities).toEqual([]);
    expect([...state.moved.values()]).toEqual([
      expect.objectContaining({ id: idn.id, customerId: id, updatedAt: now }),
    ]);
    const next = decideImportRow(row({ name: 'Ola N' }, { username: 'ola@x.com' }), state, {
      ...ctx,
      fields: ['name'],
    });
    expect(next.answer).toMatchObject({ outcome: 'updated', customerId: id });
  });

  it('its record deleted and another active record holds the email: that one takes it, written and announced even when no field changed', () => {
    const old = record({ status: 'deleted' });
    const holder = record({ name: 'Ola', email: 'ola@x.com', emailNormalized: 'ola@x.com', version: 3 });
    const idn = identity(old.id, 'manual', 'ola@x.com');
    const { state, ctx } = setup([old, holder], [idn], ['name', 'email']);
    const d = decideImportRow(row({ name: 'Ola', email: 'ola@x.com' }), state, ctx);
    expect(d.answer).toMatchObject({ outcome: 'unchanged', customerId: holder.id });
    expect(d.write).toEqual({
      record: expect.objectContaining({ id: holder.id, version: 4 }),
      created: false,
      change: null,
    });
    expect(state.moved.get(idn.id)).toMatchObject({ customerId: holder.id });
    // Already there: nothing more to write.
    expect(decideImportRow(row({ name: 'Ola', email: 'ola@x.com' }), state, ctx).write).toBeNull();
  });

  it('its record merged: the identity follows the survivor the row updates', () => {
    const survivor = record({ name: 'Kai' });
    const merged = record({ status: 'merged', mergedIntoId: survivor.id });
    const idn = identity(merged.id, 'manual', 'kai@x.com');
    const { state, ctx } = setup([survivor, merged], [idn], ['company']);
    const d = decideImportRow(row({ company: 'Kai AS' }, { username: 'kai@x.com' }), state, ctx);
    expect(d.answer).toMatchObject({ outcome: 'updated', customerId: survivor.id });
    expect(state.moved.get(idn.id)).toMatchObject({ customerId: survivor.id });
  });

  it('a rejected row moves nothing; an identity on an archived record a row targets by username stays there', () => {
    const old = record({ status: 'archived', email: 'z@x.com', emailNormalized: 'z@x.com' });
    const locked = record({
      email: 'z@x.com',
      emailNormalized: 'z@x.com',
      fieldSources: { name: { source: 'store', storeId: 'st_shop', storeName: 'Shop', at: '2026-01-01' } },
    });
    const idn = identity(old.id, 'manual', 'z@x.com');
    const { state, ctx } = setup([old, locked], [idn], ['name', 'email']);
    const refused = decideImportRow(row({ name: 'Zed', email: 'z@x.com' }), state, ctx);
    expect(refused.answer.outcome).toBe('rejected');
    const kept = decideImportRow(row({ name: 'Zed' }, { username: 'z@x.com' }), state, ctx);
    expect(kept.answer).toMatchObject({ outcome: 'updated', customerId: old.id });
    expect(state.moved.size).toBe(0);
  });
});

describe("ADR 0024 a dry run's would-be records laid over the database (dryRunLayer)", () => {
  const at = (d: string) => new Date(d);
  it('a would-be version answers for its record; an email goes to the oldest active holder in that view', () => {
    const older = record({ email: 'a@x.com', emailNormalized: 'a@x.com', createdAt: at('2026-01-01') });
    const younger = record({ email: 'a@x.com', emailNormalized: 'a@x.com', createdAt: at('2026-02-01') });
    const base = loadedLayer({
      customers: [older, younger],
      identities: [],
      emailCandidates: [older, younger],
    });
    const live = new ImportState(base);
    // An earlier chunk would have moved the older record to b@x.com and created a third holder of a@.
    const moved = { ...older, email: 'b@x.com', emailNormalized: 'b@x.com', version: 2 };
    const created = record({ email: 'a@x.com', emailNormalized: 'a@x.com', createdAt: at('2026-11-24') });
    const layer = dryRunLayer(
      new Map([
        [moved.id, moved],
        [created.id, created],
      ]),
      live,
      base,
    );
    expect(layer.get(older.id)).toBe(moved);
    expect(layer.byEmail('acme', 'a@x.com')).toBe(younger);
    expect(layer.byEmail('acme', 'b@x.com')).toBe(moved);
    expect(layer.byEmail('other', 'a@x.com')).toBeUndefined();
    // Without the database's holders, the would-be record holds the email.
    const alone = dryRunLayer(
      new Map([[created.id, created]]),
      new ImportState(loadedLayer({ customers: [], identities: [], emailCandidates: [] })),
      loadedLayer({ customers: [], identities: [], emailCandidates: [] }),
    );
    expect(alone.byEmail('acme', 'a@x.com')).toBe(created);
  });

  it('a would-be record that is no longer active holds no email', () => {
    const gone = record({ email: 'c@x.com', emailNormalized: 'c@x.com', status: 'archived' });
    const empty = loadedLayer({ customers: [], identities: [], emailCandidates: [] });
    const layer = dryRunLayer(new Map([[gone.id, gone]]), new ImportState(empty), empty);
    expect(layer.byEmail('acme', 'c@x.com')).toBeUndefined();
    expect(layer.get(gone.id)).toBe(gone);
  });
});
