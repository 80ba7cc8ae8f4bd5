import {
  dataCenterOf,
  parseWebhook,
  planMember,
  subscriberHash,
  type MemberSource,
} from '../../src/domain/mailchimp';

const settings = { audienceId: 'aud', tagWithStore: true, syncNotSubscribed: 'skip' as const };
const customer = (over: Partial<MemberSource> = {}): MemberSource => ({
  customerId: 'cus_1',
  status: 'active',
  erased: false,
  email: 'Ann@Example.com',
  firstName: 'Ann',
  lastName: 'Lee',
  phone: '+15555550100',
  shippingAddress: null,
  emailConsent: {
    state: 'subscribed',
    changedAt: '2026-11-01T00:00:00.000Z',
    source: 'store',
    storeId: 's1',
  },
  storeNames: ['Shop B', 'Shop A', 'Shop A'],
  ...over,
});

describe('Mailchimp member decision (issue #19)', () => {
  test('the member id is the MD5 of the lower-cased email; the data center comes from the key', () => {
    expect(subscriberHash('Ann@Example.com')).toBe(subscriberHash('ann@example.com'));
    expect(subscriberHash('ann@example.com')).toMatch(/^[0-9a-f]{32}$/);
    expect(dataCenterOf('abc-us21')).toBe('us21');
    expect(dataCenterOf('abc')).toBeNull();
  });

  test('R2.9 subscribed consent: status_if_new subscribed (an existing member keeps its status), tags from stores', () => {
    const p = planMember(customer(), null, settings);
    expect(p.ops).toEqual([
      {
        kind: 'upsert',
        hash: subscriberHash('ann@example.com'),
        body: {
          email_address: 'Ann@Example.com',
          status_if_new: 'subscribed',
          merge_fields: { FNAME: 'Ann', LNAME: 'Lee', PHONE: '+15555550100' },
        },
        tags: ['Shop A', 'Shop B'],
      },
    ]);
  });

  test('R2.9 unsubscribed consent forces the status; not_subscribed is skipped or transactional', () => {
    const unsub = planMember(
      customer({
        emailConsent: { state: 'unsubscribed', changedAt: null, source: 'mailchimp', storeId: null },
      }),
      null,
      settings,
    );
    expect(unsub.ops[0]).toMatchObject({ body: { status: 'unsubscribed', status_if_new: 'unsubscribed' } });
    const none = customer({ emailConsent: undefined });
    expect(planMember(none, null, settings)).toMatchObject({ ops: [], skipped: 'not_subscribed' });
    const tx = planMember(none, null, {
      ...settings,
      syncNotSubscribed: 'transactional',
      tagWithStore: false,
    });
    expect(tx.ops[0]).toMatchObject({ body: { status_if_new: 'transactional' }, tags: [] });
    expect(tx.ops[0]).not.toHaveProperty('body.status');
  });

  test('a member moved in Mailchimp (upemail) while the record kept its address is updated where it is', () => {
    const rec = customer();
    const recHash = subscriberHash(rec.email!);
    const moved = subscriberHash('moved@example.com');
    const p = planMember(rec, moved, settings, recHash);
    expect(p.hash).toBe(moved);
    expect(p.ops).toEqual([
      { kind: 'update', hash: moved, body: { merge_fields: expect.any(Object) }, tags: expect.any(Array) },
    ]);
    // An unsubscribe is still forced there.
    const unsub = planMember(
      customer({
        emailConsent: { state: 'unsubscribed', changedAt: null, source: 'mailchimp', storeId: null },
      }),
      moved,
      settings,
      recHash,
    );
    expect(unsub.ops[0]).toMatchObject({ kind: 'update', body: { status: 'unsubscribed' } });
    // Once the record's own address changes, the member is moved to it as usual.
    const changed = planMember(customer({ email: 'other@example.com' }), moved, settings, recHash);
    expect(changed.ops.map((o) => o.kind)).toEqual(['move', 'upsert']);
  });

  test('an email change moves the old member first; erasure deletes permanently; no email sends nothing', () => {
    const old = subscriberHash('old@example.com');
    expect(planMember(customer(), old, settings).ops.map((o) => o.kind)).toEqual(['move', 'upsert']);
    expect(planMember(customer({ erased: true, email: null }), old, settings)).toEqual({
      ops: [{ kind: 'delete-permanent', hash: old }],
      hash: null,
      skipped: null,
    });
    expect(planMember(null, null, settings).ops).toEqual([]);
    // R2.6: deleted is archived (a permanently deleted address could never come back); archived is left.
    expect(planMember(customer({ status: 'deleted' }), old, settings).ops).toEqual([
      { kind: 'archive', hash: old },
    ]);
    expect(planMember(customer({ status: 'archived' }), old, settings)).toMatchObject({ ops: [], hash: old });
    expect(planMember(customer({ email: null }), null, settings)).toMatchObject({
      ops: [],
      skipped: 'no_email',
    });
  });

  test("webhooks: Mailchimp's form fields, fired_at as UTC, a future time clamped to now", () => {
    const now = new Date('2026-11-20T12:00:00.000Z');
    const form = (s: string) => new URLSearchParams(s);
    expect(
      parseWebhook(
        form('type=unsubscribe&fired_at=2026-11-15 09:00:00&data[email]=a@b.co&data[list_id]=aud'),
        now,
      ),
    ).toEqual({
      type: 'unsubscribe',
      email: 'a@b.co',
      listId: 'aud',
      firedAt: '2026-11-15T09:00:00.000Z',
    });
    expect(
      parseWebhook(form('type=cleaned&fired_at=2027-01-01 00:00:00&data[email]=a@b.co'), now).firedAt,
    ).toBe(now.toISOString());
    expect(
      parseWebhook(form('type=upemail&data[old_email]=a@b.co&data[new_email]=c@d.co'), now),
    ).toMatchObject({
      type: 'upemail',
      oldEmail: 'a@b.co',
      newEmail: 'c@d.co',
    });
  });
});
