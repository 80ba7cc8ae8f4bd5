import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import type { Bus } from '@crp/messaging/bus';
import { signDevToken, type Role } from '@crp/platform/auth';
import { statementsOf } from '@crp/testing/mysql-reads';
import { uniqueName } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import { problemsWith } from '@crp/platform/http';
import type { CustomerView } from '../../src/app/customer-view';
import { createPrivacyRequest, PRIVACY_EXPORT_PAGE_SIZE, type PrivacyExport } from '../../src/app/privacy';
import type { CustomerRepository } from '../../src/app/ports';
import type { CustomerChangeRecord, CustomerOrderRecord } from '../../src/domain/records';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { PrivacyResultOut } from '../../src/http/write-schemas';
import { SECRET, activeCustomer, buyer, orderEvent, reissue, stores, type Env } from './scenarios';

export type Customer = CustomerView & {
  history: CustomerView['history'] & {
    orders?: Array<{ storeId: string; storeOrderId: string; total: number; orderDate: string }>;
  };
  possibleDuplicates?: string[];
};
type CustomerList = { customers: Customer[]; total: number };

const WAIT = { timeoutMs: 20000, intervalMs: 50 };

type Published = { eventType: string; accountId: string; payload: Record<string, unknown> };
const COLLECTED = ['CustomerMerged', 'CustomerRedacted', 'CustomerUpserted'];
const collectors = new WeakMap<Bus, Promise<Published[]>>();

/** Everything the service publishes on COLLECTED topics, read by one subscription per bus. */
function collector(bus: Bus): Promise<Published[]> {
  let c = collectors.get(bus);
  if (!c) {
    c = (async () => {
      const seen: Published[] = [];
      await bus.ensureTopics(COLLECTED);
      await bus.subscribe({
        groupId: uniqueName('write-test-reader'),
        topics: COLLECTED,
        fromBeginning: true,
        eachBatch: async (messages, ctl) => {
          for (const m of messages) {
            if (m.value) seen.push(JSON.parse(m.value.toString()) as Published);
            ctl.ack(m);
          }
        },
      });
      return seen;
    })();
    collectors.set(bus, c);
  }
  return c;
}

/** Requests and polls against the service of `getEnv()`, as a user of the API makes them. */
export function apiHelpers(getEnv: () => Env) {
  const auth = async (accountId: string, role: Role = 'admin') =>
    `Bearer ${await signDevToken(SECRET, { accountId, role, sub: `user_${role}` })}`;
  const call = async (
    method: 'get' | 'post' | 'patch' | 'put' | 'delete',
    accountId: string,
    path: string,
    body?: unknown,
    role: Role = 'admin',
  ) => {
    const r = request(getEnv().svc.app)
      [method](path)
      .set('Authorization', await auth(accountId, role));
    return body === undefined ? r : r.send(body as object);
  };
  const publish = async (...events: OrderImportedV1[]) => {
    for (const e of events) await getEnv().publishOrder(e);
  };
  async function list(accountId: string, status = 'active'): Promise<CustomerList> {
    const res = await call('get', accountId, `/v1/customers?limit=500&status=${status}`);
    expect(res.status).toBe(200);
    return res.body as CustomerList;
  }
  async function customer(accountId: string, id: string): Promise<Customer> {
    const res = await call('get', accountId, `/v1/customers/${id}`);
    expect(res.status).toBe(200);
    return res.body as Customer;
  }
  const listUntil = (accountId: string, ok: (l: CustomerList) => boolean, what: string) =>
    waitFor(
      async () => {
        const l = await list(accountId);
        return ok(l) ? l : undefined;
      },
      { ...WAIT, what },
    );
  const customerUntil = (accountId: string, id: string, ok: (c: Customer) => boolean, what: string) =>
    waitFor(
      async () => {
        const c = await customer(accountId, id);
        return ok(c) ? c : undefined;
      },
      { ...WAIT, what },
    );
  /** Publishes `events` and waits until the account has `n` active customers. */
  async function publishAndWait(n: number, ...events: OrderImportedV1[]): Promise<CustomerList> {
    await publish(...events);
    return listUntil(events[0]!.accountId, (l) => l.total === n, `${n} customer(s)`);
  }
  /** Waits for an event the service published (of this account) that satisfies `ok`. */
  const publishedUntil = async (
    accountId: string,
    eventType: string,
    ok: (p: Record<string, unknown>) => boolean,
  ) => {
    const seen = await collector(getEnv().bus);
    return waitFor(
      () => seen.find((e) => e.accountId === accountId && e.eventType === eventType && ok(e.payload)),
      { ...WAIT, what: `${eventType} published` },
    );
  };
  /** Starts reading the service's events now (a Kafka group takes a moment to join). */
  const listen = () => collector(getEnv().bus);
  return {
    auth,
    call,
    publish,
    list,
    customer,
    listUntil,
    customerUntil,
    publishAndWait,
    publishedUntil,
    listen,
  };
}

/**
 * The write side of SPEC §2 (editing, lifecycle, merge, consent, privacy) and issue 14's "cases
 * that must hold", seen from outside: orders go on the bus, edits through the HTTP API, outcomes
 * are read back through the API. Run on SQLite + the in-process bus (test/component) and on
 * MariaDB + Kafka (test/integration). Every test works in its own account.
 */
export function writeScenarios(getEnv: () => Env) {
  const api = apiHelpers(getEnv);
  const { publish, listUntil, customer } = api;

  it('R1.4 found as a new user: a manual order whose email is "not-an-email" gets a flagged record that never matches; a second such order gets its own record', async () => {
    const acct = uniqueName('acct');
    const manual = { storeId: `st_manual_${acct}`, storeType: 'manual', storeName: 'Manual' };
    const first = orderEvent(acct, {
      order: { ...manual },
      buyer: { ...buyer('typo'), username: null, email: 'not-an-email', phone: null },
      source: 'manual',
    });
    const second = orderEvent(acct, {
      order: { ...manual },
      buyer: { ...buyer('typo2'), username: null, email: 'not-an-email', phone: null },
      source: 'manual',
    });
    // A real buyer after them: once it shows, both malformed orders were handled.
    const sentinel = orderEvent(acct, { order: { ...stores.shopify }, buyer: buyer('sentinel') });
    await publish(first, second, sentinel);
    const l = await listUntil(
      acct,
      (x) => x.customers.some((c) => c.email === 'sentinel@buyers.example'),
      'sentinel',
    );
    const typos = l.customers.filter((c) => c.email === 'not-an-email');
    expect(typos).toHaveLength(2);
    for (const t of typos) {
      const c = await customer(acct, t.customerId);
      expect(c.marketplaceUsernames).toEqual([]);
      expect(c.flags).toEqual([expect.objectContaining({ field: 'email', code: 'EMAIL_NOT_AN_ADDRESS' })]);
      expect(c.history.orderCount).toBe(1);
    }
  });

  describe('editing and sources (R2.1–R2.5)', () => {
    it('R2.1/R2.2/R2.3: PATCH touching store-written fields is 409 naming each field and its store, and changes nothing; an unlocked field (postal address) is edited with source manual', async () => {
      const acct = uniqueName('acct');
      const [c0] = (await api.publishAndWait(1, orderEvent(acct, { buyer: buyer('locked') }))).customers;
      const before = await customer(acct, c0!.customerId);
      const refused = await api.call('patch', acct, `/v1/customers/${c0!.customerId}`, {
        email: 'other@buyers.example',
        firstName: 'Changed',
        addresses: { postal: { street1: 'PO Box 1' } },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.details.lockedFields).toEqual([
        { field: 'firstName', storeId: stores.shopify.storeId, storeName: stores.shopify.storeName },
        { field: 'email', storeId: stores.shopify.storeId, storeName: stores.shopify.storeName },
      ]);
      expect(refused.body.error.message).toMatch(/email.*Acme Shopify/);
      const unchanged = await customer(acct, c0!.customerId);
      expect(unchanged).toEqual(before);

      const ok = await api.call('patch', acct, `/v1/customers/${c0!.customerId}`, {
        addresses: { postal: { street1: 'PO Box 1', city: 'Ottawa', country: 'ca' } },
        tags: ['vip'],
      });
      expect(ok.status).toBe(200);
      expect(ok.body.addresses.postal).toMatchObject({ street1: 'PO Box 1', city: 'Ottawa', country: 'CA' });
      expect(ok.body.fieldSources.postalAddress).toMatchObject({ source: 'manual', storeId: null });
      expect(ok.body.fieldSources.email).toMatchObject({ source: 'store', storeId: stores.shopify.storeId });
      expect(ok.body.tags).toEqual([{ name: 'vip' }]);
      expect(ok.body.version).toBe(before.version + 1);
      expect(ok.body.warnings).toEqual([]);
    });

    it('R2.5/R1.4: changing an unlocked email answers a matching-key warning; a later order of a new buyer with that email links to the record', async () => {
      const acct = uniqueName('acct');
      const made = await api.call('post', acct, '/v1/customers', {
        firstName: 'Ann',
        lastName: 'Api',
        email: 'ann@old.example',
      });
      expect(made.status).toBe(201);
      expect(made.body.fieldSources.email).toMatchObject({ source: 'api' });
      const id = made.body.customerId as string;
      const res = await api.call('patch', acct, `/v1/customers/${id}`, { email: 'ann@new.example' });
      expect(res.status).toBe(200);
      expect(res.body.warnings).toEqual([
        expect.objectContaining({ code: 'EMAIL_IS_MATCHING_KEY', field: 'email' }),
      ]);
      await publish(
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: buyer('ann', { username: 'ann-ebay', email: 'ANN@new.example' }),
        }),
      );
      const c = await api.customerUntil(
        acct,
        id,
        (x) => x.history.orderCount === 1,
        'the order on the edited record',
      );
      expect(c.marketplaceUsernames.map((m) => m.username)).toEqual(['ann-ebay']);
      expect((await api.list(acct)).total).toBe(1);
    });

    it('POST /v1/customers: source api; a second record with the same email is created with a warning and listed as a possible duplicate of the first (R1.6); bad input is a 400 that says why', async () => {
      const acct = uniqueName('acct');
      const first = await api.call('post', acct, '/v1/customers', {
        name: 'Grace Hopper',
        email: 'grace@example.com',
        phone: '(613) 555-0142',
        addresses: { billing: { street1: '1 Navy Yard', country: 'us' } },
        marketingConsent: { email: { state: 'subscribed' } },
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ status: 'active', name: 'Grace Hopper', warnings: [] });
      expect(first.body.marketingConsent.email).toMatchObject({ state: 'subscribed', source: 'api' });
      const second = await api.call('post', acct, '/v1/customers', {
        name: 'G. Hopper',
        email: 'Grace@Example.com',
      });
      expect(second.status).toBe(201);
      expect(second.body.warnings).toEqual([
        expect.objectContaining({
          code: 'EMAIL_SHARED',
          message: expect.stringContaining(first.body.customerId),
        }),
      ]);
      const older = await customer(acct, first.body.customerId);
      expect(older.possibleDuplicates).toEqual([second.body.customerId]);

      const bad = await api.call('post', acct, '/v1/customers', { email: 'not-an-email' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/not an email address/);
      const empty = await api.call('post', acct, '/v1/customers', { tags: ['x'] });
      expect(empty.status).toBe(400);
      const unknown = await api.call('patch', acct, `/v1/customers/${first.body.customerId}`, {
        nickname: 'x',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/nickname is not allowed/);
      const tooLong = await api.call('patch', acct, `/v1/customers/${first.body.customerId}`, {
        company: 'x'.repeat(191),
      });
      expect(tooLong.status).toBe(400);
      const other = await api.call('patch', uniqueName('other'), `/v1/customers/${first.body.customerId}`, {
        company: 'X',
      });
      expect(other.status).toBe(404);
    });

    it('R2.4: an edit changes what comes after only: the order history keeps its rows; an order dated before the edit does not undo it, a newer one does', async () => {
      const acct = uniqueName('acct');
      const made = await api.call('post', acct, '/v1/customers', {
        name: 'Edit Later',
        email: 'later@example.com',
        company: 'Old Co',
      });
      const id = made.body.customerId as string;
      await publish(
        orderEvent(acct, {
          order: { ...stores.woo, orderDate: '2020-01-01T10:00:00.000Z', total: 10 },
          buyer: buyer('later', { username: null, email: 'later@example.com', company: 'Order Co' }),
        }),
      );
      const first = await api.customerUntil(acct, id, (x) => x.history.orderCount === 1, 'first order');
      // The order is dated 2020, before the API write: it did not overwrite the api company.
      expect(first.company).toBe('Old Co');
      const edit = await api.call('patch', acct, `/v1/customers/${id}`, { company: 'Edited Co' });
      expect(edit.status).toBe(200);
      const after = await customer(acct, id);
      expect(after.history.orders).toEqual(first.history.orders);
      const future = new Date(Date.now() + 86400000).toISOString();
      await publish(
        orderEvent(acct, {
          order: { ...stores.woo, orderDate: future, total: 5 },
          buyer: buyer('later', { username: null, email: 'later@example.com', company: 'Newest Co' }),
        }),
      );
      const last = await api.customerUntil(acct, id, (x) => x.history.orderCount === 2, 'second order');
      expect(last.company).toBe('Newest Co');
    });
  });

  describe('notes (issue #16)', () => {
    it('notes: POST and PATCH write them (sources api, manual), over TEXT_LIMITS.note is a 400 that changes nothing, null or blank clears them; GET, both exports and the privacy export show them; an erasure removes them', async () => {
      const acct = uniqueName('acct');
      const note = 'Ring twice, "back door"\nafter 6pm';
      const made = await api.call('post', acct, '/v1/customers', {
        name: 'Noor Notes',
        email: 'noor@example.com',
        notes: note,
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ notes: note, fieldSources: { notes: { source: 'api' } } });
      const id = made.body.customerId as string;

      const over = 'n'.repeat(TEXT_LIMITS.note + 1);
      const tooLongPost = await api.call('post', acct, '/v1/customers', { name: 'Too Long', notes: over });
      expect(tooLongPost.status).toBe(400);
      expect(tooLongPost.body.error.message).toMatch(/notes/);
      const tooLongPatch = await api.call('patch', acct, `/v1/customers/${id}`, { notes: over });
      expect(tooLongPatch.status).toBe(400);
      // Issue 14: the limit, said once; not the other branch of the nullable field ("must be
      // null") nor ajv's "must match a schema in anyOf".
      const limitSaid = `body notes must NOT have more than ${TEXT_LIMITS.note} characters`;
      expect(tooLongPatch.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: `Invalid body: ${limitSaid}`,
        details: [limitSaid],
      });
      expect(tooLongPatch.body.error.message).not.toMatch(/must be null|anyOf/);
      const notText = await api.call('patch', acct, `/v1/customers/${id}`, { notes: 42 });
      expect(notText.status).toBe(400);
      expect(notText.body.error.message).toBe('Invalid body: body notes must be a string or null');
      expect((await customer(acct, id)).notes).toBe(note);
      expect((await api.list(acct)).total).toBe(1);

      // At the limit fits, whatever the characters (4-byte ones included, on MariaDB's utf8mb4).
      const full = '🦆'.repeat(10) + 'é'.repeat(TEXT_LIMITS.note - 20);
      expect(full.length).toBe(TEXT_LIMITS.note);
      const atLimit = await api.call('patch', acct, `/v1/customers/${id}`, { notes: full });
      expect(atLimit.status).toBe(200);
      expect(atLimit.body).toMatchObject({ notes: full, fieldSources: { notes: { source: 'manual' } } });
      expect((await customer(acct, id)).notes).toBe(full);

      const cleared = await api.call('patch', acct, `/v1/customers/${id}`, { notes: '   ' });
      expect(cleared.status).toBe(200);
      expect(cleared.body.notes).toBeNull();
      const back = await api.call('patch', acct, `/v1/customers/${id}`, { notes: '=HYPERLINK("x")' });
      expect(back.body.notes).toBe('=HYPERLINK("x")');
      // Another field's edit leaves them alone.
      expect((await api.call('patch', acct, `/v1/customers/${id}`, { company: 'Co' })).body.notes).toBe(
        '=HYPERLINK("x")',
      );

      const csv = await api.call('get', acct, '/v1/customers/export?format=csv');
      expect(csv.status).toBe(200);
      const rows = parse(csv.text, { columns: true, bom: true }) as Array<Record<string, string>>;
      expect(rows.find((r) => r.customerId === id)?.notes).toBe(`'=HYPERLINK("x")`);
      const json = await api.call('get', acct, '/v1/customers/export?format=json');
      const listed = (JSON.parse(json.text) as Customer[]).find((c) => c.customerId === id);
      expect(listed?.notes).toBe('=HYPERLINK("x")');

      const exported = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: id,
        basis: 'gdpr',
      });
      expect(exported.status).toBe(201);
      expect(exported.body.document.customer).toMatchObject({
        notes: '=HYPERLINK("x")',
        fieldSources: { notes: { source: 'manual' } },
      });

      const erased = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: id,
        basis: 'gdpr',
      });
      expect(erased.status).toBe(201);
      const tomb = await customer(acct, id);
      expect(tomb).toMatchObject({ status: 'deleted', notes: null, fieldSources: {} });
      const raw = await getEnv().svc.db.transaction((tx) =>
        tx.query('SELECT notes FROM customers WHERE id = ?', [id]),
      );
      expect(raw).toEqual([{ notes: null }]);
    });

    it("notes in a merge: the preview names the rule (survivor) and the survivor keeps its own; `choices.notes` takes another record's", async () => {
      const acct = uniqueName('acct');
      const mk = async (name: string, notes: string) =>
        (await api.call('post', acct, '/v1/customers', { name, notes })).body.customerId as string;
      const a = await mk('Merge A', 'from A');
      const b = await mk('Merge B', 'from B');
      const c = await mk('Merge C', 'from C');
      const preview = await api.call('post', acct, '/v1/customers/merge/preview', {
        survivorId: a,
        mergedIds: [b],
      });
      expect(preview.status).toBe(200);
      const conflict = (preview.body.conflicts as Array<Record<string, unknown>>).find(
        (x) => x.field === 'notes',
      );
      expect(conflict).toMatchObject({ winner: a, rule: 'survivor' });
      expect(conflict!.because).toMatch(/survivor keeps its own/);
      const merged = await api.call('post', acct, '/v1/customers/merge', {
        survivorId: a,
        mergedIds: [b],
      });
      expect(merged.status).toBe(200);
      expect((await customer(acct, a)).notes).toBe('from A');
      const chosen = await api.call('post', acct, '/v1/customers/merge', {
        survivorId: a,
        mergedIds: [c],
        choices: { notes: c },
      });
      expect(chosen.status).toBe(200);
      expect((await customer(acct, a)).notes).toBe('from C');
    });
  });

  describe('optimistic concurrency (If-Match with the record version)', () => {
    /** A request with an If-Match header (or none), as a client holding an ETag makes it. */
    const conditional = async (
      method: 'patch' | 'post' | 'delete',
      accountId: string,
      path: string,
      ifMatch: string | undefined,
      body?: object,
    ) => {
      let r = request(getEnv().svc.app)
        [method](path)
        .set('Authorization', await api.auth(accountId));
      if (ifMatch !== undefined) r = r.set('If-Match', ifMatch);
      return body === undefined ? r : r.send(body);
    };
    const created = async (acct: string, name: string) => {
      const res = await api.call('post', acct, '/v1/customers', { name, email: `${name}@example.com` });
      expect(res.status).toBe(201);
      return res.body.customerId as string;
    };

    it('GET answers an ETag of the id and version; PATCH with it writes and answers the new one; a stale one is 412 naming the current version, nothing written; without If-Match the last write wins', async () => {
      const acct = uniqueName('acct');
      const id = await created(acct, 'etag');
      const read = await api.call('get', acct, `/v1/customers/${id}`);
      expect(read.headers.etag).toBe(`"${id}.1"`);

      const ok = await conditional('patch', acct, `/v1/customers/${id}`, read.headers.etag, {
        company: 'First Co',
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ company: 'First Co', version: 2 });
      expect(ok.headers.etag).toBe(`"${id}.2"`);
      expect((await api.call('get', acct, `/v1/customers/${id}`)).headers.etag).toBe(`"${id}.2"`);
      // The ETag is for writes: a conditional GET still answers the whole record (its possible
      // duplicates can change without the version moving).
      const conditionalGet = await request(getEnv().svc.app)
        .get(`/v1/customers/${id}`)
        .set('Authorization', await api.auth(acct))
        .set('If-None-Match', `"${id}.2"`);
      expect(conditionalGet.status).toBe(200);
      expect(conditionalGet.body.company).toBe('First Co');

      const before = await customer(acct, id);
      const stale = await conditional('patch', acct, `/v1/customers/${id}`, read.headers.etag, {
        company: 'Stale Co',
      });
      expect(stale.status).toBe(412);
      expect(stale.headers.etag).toBe(`"${id}.2"`);
      expect(stale.body.error).toMatchObject({
        code: 'PRECONDITION_FAILED',
        details: { currentVersion: 2, currentETag: `"${id}.2"`, ifMatch: `"${id}.1"` },
      });
      expect(stale.body.error.message).toMatch(/changed since it was read.*version 2.*Nothing was changed/);
      expect(await customer(acct, id)).toEqual(before);

      // A list of tags matches when one does; `*` only asks that the record exists.
      const listed = await conditional('patch', acct, `/v1/customers/${id}`, `"${id}.1", "${id}.2"`, {
        company: 'Listed Co',
      });
      expect(listed.status).toBe(200);
      const star = await conditional('patch', acct, `/v1/customers/${id}`, '*', { company: 'Star Co' });
      expect(star.status).toBe(200);
      expect(star.headers.etag).toBe(`"${id}.4"`);
      // No If-Match: today's behaviour, the last write wins.
      const blind = await conditional('patch', acct, `/v1/customers/${id}`, undefined, {
        company: 'Blind Co',
      });
      expect(blind.status).toBe(200);
      expect(blind.body).toMatchObject({ company: 'Blind Co', version: 5 });
      expect(blind.headers.etag).toBe(`"${id}.5"`);
    });

    it('If-Match that is not an ETag is a 400 saying what to send; a weak ETag never matches (412); another account’s record is a 404 whatever the If-Match', async () => {
      const acct = uniqueName('acct');
      const id = await created(acct, 'badtag');
      const bare = await conditional('patch', acct, `/v1/customers/${id}`, '1', { company: 'X' });
      expect(bare.status).toBe(400);
      expect(bare.body.error.message).toMatch(/If-Match "1" is not an ETag/);
      const weak = await conditional('patch', acct, `/v1/customers/${id}`, `W/"${id}.1"`, { company: 'X' });
      expect(weak.status).toBe(412);
      expect(weak.body.error.message).toMatch(/weak ETag/);
      const other = await conditional('patch', uniqueName('acct'), `/v1/customers/${id}`, `"${id}.1"`, {
        company: 'X',
      });
      expect(other.status).toBe(404);
      expect(JSON.stringify(other.body)).not.toMatch(/version|ETag/i);
      expect(await customer(acct, id)).toMatchObject({ company: null, version: 1 });
    });

    it('two concurrent PATCHes with the same If-Match: exactly one 200 and one 412, the record holds the winner’s edit, the version moved once', async () => {
      const acct = uniqueName('acct');
      const id = await created(acct, 'race');
      let etag = (await api.call('get', acct, `/v1/customers/${id}`)).headers.etag as string;
      for (let round = 1; round <= 3; round++) {
        const answers = await Promise.all(
          ['A', 'B'].map((who) =>
            conditional('patch', acct, `/v1/customers/${id}`, etag, { company: `${who} ${round}` }),
          ),
        );
        expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
        const winner = answers.find((a) => a.status === 200)!;
        const loser = answers.find((a) => a.status === 412)!;
        expect(loser.body.error.details).toMatchObject({ currentVersion: round + 1 });
        expect(loser.headers.etag).toBe(winner.headers.etag);
        const now = await customer(acct, id);
        expect(now).toMatchObject({ company: winner.body.company, version: round + 1 });
        expect(winner.headers.etag).toBe(`"${id}.${round + 1}"`);
        etag = winner.headers.etag as string;
      }
    });

    it('archive, restore and delete honour If-Match and answer the new ETag; a stale one is 412 and the status stays; an archive racing an edit with the same If-Match: one of them wins', async () => {
      const acct = uniqueName('acct');
      const id = await created(acct, 'life');
      const staleArchive = await conditional('post', acct, `/v1/customers/${id}/archive`, `"${id}.0"`);
      expect(staleArchive.status).toBe(412);
      expect((await customer(acct, id)).status).toBe('active');
      const archived = await conditional('post', acct, `/v1/customers/${id}/archive`, `"${id}.1"`);
      expect(archived.status).toBe(200);
      expect(archived.body.status).toBe('archived');
      expect(archived.headers.etag).toBe(`"${id}.2"`);
      const restored = await conditional('post', acct, `/v1/customers/${id}/restore`, archived.headers.etag);
      expect(restored.status).toBe(200);
      expect(restored.headers.etag).toBe(`"${id}.3"`);
      const staleDelete = await conditional('delete', acct, `/v1/customers/${id}`, archived.headers.etag);
      expect(staleDelete.status).toBe(412);
      expect(staleDelete.body.error.details).toMatchObject({ currentVersion: 3 });
      expect((await customer(acct, id)).status).toBe('active');

      const [edit, archive] = await Promise.all([
        conditional('patch', acct, `/v1/customers/${id}`, restored.headers.etag, { company: 'Race Co' }),
        conditional('post', acct, `/v1/customers/${id}/archive`, restored.headers.etag),
      ]);
      expect([edit.status, archive.status].sort()).toEqual([200, 412]);
      const after = await customer(acct, id);
      expect(after.version).toBe(4);
      expect(after.status === 'archived').toBe(archive.status === 200);
      expect(after.company === 'Race Co').toBe(edit.status === 200);

      const deleted = await conditional('delete', acct, `/v1/customers/${id}`, `"${id}.4"`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.status).toBe('deleted');
      expect(deleted.headers.etag).toBe(`"${id}.5"`);
    });

    it('R2.7: the merge preview answers an ETag of every record’s version; the merge with it goes through; after an edit or an order changed a record it is 412 naming that record, nothing merged; a weak tag or another preview’s is 412', async () => {
      const acct = uniqueName('acct');
      await api.publishAndWait(
        2,
        orderEvent(acct, { buyer: buyer('pva', { username: 'pv-a', email: 'pva@one.example' }) }),
        orderEvent(acct, { buyer: buyer('pvb', { username: 'pv-b', email: 'pvb@two.example' }) }),
      );
      const all = (await api.list(acct)).customers;
      const a = all.find((c) => c.email === 'pva@one.example')!;
      const b = all.find((c) => c.email === 'pvb@two.example')!;
      const body = { survivorId: a.customerId, mergedIds: [b.customerId] };
      const preview = async (req: object = body) => {
        const res = await api.call('post', acct, '/v1/customers/merge/preview', req);
        expect(res.status).toBe(200);
        expect(res.body.etag).toBe(res.headers.etag);
        return res.headers.etag as string;
      };
      const mergedEvents = async () =>
        (await getEnv().svc.db.transaction((tx) =>
          tx.query('SELECT event_id FROM outbox_events WHERE event_type = ? AND msg_key = ?', [
            'CustomerMerged',
            a.customerId,
          ]),
        )) as unknown[];
      const nothingMerged = async () => {
        expect((await customer(acct, a.customerId)).status).toBe('active');
        expect((await customer(acct, b.customerId)).status).toBe('active');
        expect(await mergedEvents()).toEqual([]);
      };

      const first = await preview();
      expect(first).toMatch(new RegExp(`^"merge\\.${a.version}-${b.version}\\.[0-9a-f]{16}"$`));
      expect(await preview()).toBe(first);

      // An edit of the survivor after the preview: the merge with the preview's ETag is refused.
      const edited = await api.call('patch', acct, `/v1/customers/${a.customerId}`, { company: 'After Co' });
      expect(edited.status).toBe(200);
      const afterEdit = await conditional('post', acct, '/v1/customers/merge', first, body);
      expect(afterEdit.status).toBe(412);
      expect(afterEdit.body.error).toMatchObject({
        code: 'PRECONDITION_FAILED',
        details: {
          ifMatch: first,
          changed: [{ customerId: a.customerId, previewVersion: a.version, currentVersion: a.version + 1 }],
        },
      });
      expect(afterEdit.body.error.message).toMatch(
        new RegExp(
          `changed since the merge preview: ${a.customerId} \\(version ${a.version} in the preview, now ${a.version + 1}\\).*Nothing was merged`,
        ),
      );
      const second = await preview();
      expect(second).not.toBe(first);
      expect(afterEdit.headers.etag).toBe(second);
      await nothingMerged();

      // An order of the merged record's identity after the preview: refused, naming that record.
      await publish(
        orderEvent(acct, { buyer: buyer('pvb', { username: 'pv-b', email: 'pvb@two.example' }) }),
      );
      const bNow = await api.customerUntil(
        acct,
        b.customerId,
        (c) => c.history.orderCount === 2,
        'the second order on the merged record',
      );
      const afterOrder = await conditional('post', acct, '/v1/customers/merge', second, body);
      expect(afterOrder.status).toBe(412);
      expect(afterOrder.body.error.details.changed).toEqual([
        { customerId: b.customerId, previewVersion: b.version, currentVersion: bNow.version },
      ]);
      await nothingMerged();

      // A weak tag never matches; the tag of a preview with other choices is not this merge's.
      const third = await preview();
      const weak = await conditional('post', acct, '/v1/customers/merge', `W/${third}`, body);
      expect(weak.status).toBe(412);
      expect(weak.body.error.message).toMatch(/weak ETag/);
      const withChoice = { ...body, choices: { email: b.customerId } };
      const otherPreview = await conditional('post', acct, '/v1/customers/merge', third, withChoice);
      expect(otherPreview.status).toBe(412);
      expect(otherPreview.body.error.message).toMatch(/not the ETag of a preview of this merge/);
      const notATag = await conditional('post', acct, '/v1/customers/merge', 'merge', body);
      expect(notATag.status).toBe(400);
      expect(notATag.body.error.message).toMatch(/POST \/v1\/customers\/merge\/preview answered it/);
      await nothingMerged();

      // Nothing changed since the last preview: the merge with its ETag goes through.
      const merged = await conditional('post', acct, '/v1/customers/merge', third, body);
      expect(merged.status).toBe(200);
      expect(merged.body.survivor.customerId).toBe(a.customerId);
      // The merge answers the survivor's new ETag, as GET answers it: the next edit's If-Match.
      expect(merged.headers.etag).toBe(`"${a.customerId}.${merged.body.survivor.version}"`);
      expect((await api.call('get', acct, `/v1/customers/${a.customerId}`)).headers.etag).toBe(
        merged.headers.etag,
      );
      expect((await customer(acct, b.customerId)).status).toBe('merged');
      expect(await mergedEvents()).toHaveLength(1);
    });
  });

  describe('lifecycle and merge (R2.6–R2.8)', () => {
    it('R2.6/R1.4: archive, then an order of its identity clears the link and matches again (a new record); restore brings the record back without that identity; deleted cannot be restored', async () => {
      const acct = uniqueName('acct');
      const [c0] = (
        await api.publishAndWait(1, orderEvent(acct, { buyer: buyer('arch', { username: 'arch-1' }) }))
      ).customers;
      const id = c0!.customerId;
      const archived = await api.call('post', acct, `/v1/customers/${id}/archive`);
      expect(archived.status).toBe(200);
      expect(archived.body.status).toBe('archived');
      expect((await api.call('post', acct, `/v1/customers/${id}/archive`)).status).toBe(200);
      const l = await api.publishAndWait(
        1,
        orderEvent(acct, { buyer: buyer('arch', { username: 'arch-1' }) }),
      );
      const fresh = l.customers[0]!;
      expect(fresh.customerId).not.toBe(id);
      expect(fresh.marketplaceUsernames.map((m) => m.username)).toEqual(['arch-1']);
      const old = await customer(acct, id);
      expect(old).toMatchObject({ status: 'archived', marketplaceUsernames: [] });
      expect(old.history.orderCount).toBe(1);

      const restored = await api.call('post', acct, `/v1/customers/${id}/restore`);
      expect(restored.status).toBe(200);
      expect(restored.body.status).toBe('active');
      const member = await api.call('delete', acct, `/v1/customers/${id}`, undefined, 'member');
      expect(member.status).toBe(403);
      const deleted = await api.call('delete', acct, `/v1/customers/${id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.status).toBe('deleted');
      const back = await api.call('post', acct, `/v1/customers/${id}/restore`);
      expect(back.status).toBe(409);
      expect(back.body.error.message).toMatch(/cannot be restored/);
      expect((await customer(acct, id)).status).toBe('deleted');
    });

    it.each([
      ['archived', 'archive'],
      ['deleted', 'delete'],
      ['erased (R2.10 tombstone)', 'erase'],
    ] as const)(
      'R1.4/R2.6: a re-imported order whose record was %s lands on a new record, and the buyer identity moves with it in that batch: the next re-import of an old order follows it there, the old record keeps none',
      async (_, how) => {
        const acct = uniqueName('acct');
        await api.listen();
        const who = buyer('mover', { username: 'mover-1' });
        const o1 = orderEvent(acct, {
          buyer: who,
          order: { orderDate: '2026-11-01T10:00:00.000Z', total: 10 },
        });
        const o2 = orderEvent(acct, {
          buyer: who,
          order: { orderDate: '2026-11-02T10:00:00.000Z', total: 20 },
        });
        await publish(o1, o2);
        const [old] = (
          await listUntil(acct, (l) => l.customers[0]?.history.orderCount === 2, 'both orders on one record')
        ).customers;
        const oldId = old!.customerId;
        const gone =
          how === 'archive'
            ? await api.call('post', acct, `/v1/customers/${oldId}/archive`)
            : how === 'delete'
              ? await api.call('delete', acct, `/v1/customers/${oldId}`)
              : await api.call('post', acct, '/v1/privacy-requests', {
                  type: 'erase',
                  customerId: oldId,
                  basis: 'gdpr',
                });
        expect(gone.status).toBe(how === 'erase' ? 201 : 200);

        // The first order re-imported (a new revision): the old record takes no orders, so a new one.
        const revise = (e: OrderImportedV1, total: number) =>
          reissue(e, { ...e.payload, order: { ...e.payload.order, revision: 2, total } });
        await publish(revise(o1, 11));
        const [fresh] = (await listUntil(acct, (l) => l.total === 1, 'the re-import on a new record'))
          .customers;
        expect(fresh!.customerId).not.toBe(oldId);
        const now = await customer(acct, fresh!.customerId);
        expect(now.marketplaceUsernames.map((m) => m.username)).toEqual(['mover-1']);
        expect(now.history).toMatchObject({ orderCount: 1, totalSpent: 11 });
        expect((await customer(acct, oldId)).marketplaceUsernames).toEqual([]);
        // Its CustomerUpserted lists the identity it took.
        await api.publishedUntil(acct, 'CustomerUpserted', (p) => {
          const c = p.customer as { customerId: string; identities: Array<{ username: string }> };
          return c.customerId === fresh!.customerId && c.identities.some((i) => i.username === 'mover-1');
        });

        // The other old order re-imported follows the identity to that record: no third record.
        await publish(revise(o2, 21));
        const after = await api.customerUntil(
          acct,
          fresh!.customerId,
          (c) => c.history.orderCount === 2,
          'the second re-import on the same record',
        );
        expect(after.history.totalSpent).toBe(32);
        expect((await api.list(acct)).total).toBe(1);
        expect((await customer(acct, oldId)).history.orderCount).toBe(0);
      },
    );

    it('R2.7: the preview shows the result, each conflict with candidates, winner and rule, and changes nothing; the merge moves identities, history, tags and consent in one go, points the merged record at the survivor and publishes CustomerMerged; later orders of the merged identity follow the survivor (R2.6)', async () => {
      const acct = uniqueName('acct');
      await api.listen();
      await api.publishAndWait(
        2,
        orderEvent(acct, {
          order: { ...stores.shopify, orderDate: '2026-11-01T10:00:00.000Z', total: 30 },
          buyer: buyer('ann', {
            username: 'shop-ann',
            email: 'ann@one.example',
            phone: null,
            marketingConsent: { email: { state: 'subscribed', changedAt: '2026-11-01T10:00:00.000Z' } },
          }),
          tags: ['vip'],
        }),
        orderEvent(acct, {
          order: { ...stores.ebay, orderDate: '2026-11-05T10:00:00.000Z', total: 12.5 },
          buyer: buyer('ann', {
            username: 'ann-ebay',
            email: 'ann@two.example',
            phone: null,
            name: 'Ann Newer',
            firstName: 'Ann',
            lastName: 'Newer',
            marketingConsent: {},
          }),
        }),
      );
      const all = (await api.list(acct)).customers;
      const a = all.find((c) => c.email === 'ann@one.example')!;
      const b = all.find((c) => c.email === 'ann@two.example')!;
      const body = { survivorId: a.customerId, mergedIds: [b.customerId] };
      const preview = await api.call('post', acct, '/v1/customers/merge/preview', body);
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({
        mergeable: true,
        blockers: [],
        moves: { identities: 1, orders: 1, tags: ['ebay', 'Acme eBay'] },
      });
      const email = preview.body.conflicts.find((c: { field: string }) => c.field === 'email');
      expect(email).toMatchObject({ winner: b.customerId, rule: 'newest' });
      expect(email.candidates.map((c: { value: string }) => c.value)).toEqual([
        'ann@one.example',
        'ann@two.example',
      ]);
      expect(preview.body.result).toMatchObject({
        customerId: a.customerId,
        email: 'ann@two.example',
        lastName: 'Newer',
        history: { orderCount: 2, totalSpent: 42.5 },
      });
      expect((await customer(acct, b.customerId)).status).toBe('active');

      const chosen = await api.call('post', acct, '/v1/customers/merge', {
        ...body,
        choices: { email: a.customerId },
      });
      expect(chosen.status).toBe(200);
      const survivor = await customer(acct, a.customerId);
      expect(survivor).toMatchObject({
        email: 'ann@one.example',
        lastName: 'Newer',
        history: { orderCount: 2, totalSpent: 42.5 },
      });
      expect(survivor.marketplaceUsernames.map((m) => m.username).sort()).toEqual(['ann-ebay', 'shop-ann']);
      expect(survivor.tags.map((t) => t.name)).toEqual(expect.arrayContaining(['vip', 'shopify', 'ebay']));
      expect(survivor.marketingConsent.email).toMatchObject({ state: 'subscribed' });
      expect(survivor.history.orders!.map((o) => o.storeId).sort()).toEqual([
        stores.ebay.storeId,
        stores.shopify.storeId,
      ]);
      const merged = await customer(acct, b.customerId);
      expect(merged).toMatchObject({
        status: 'merged',
        mergedIntoId: a.customerId,
        marketplaceUsernames: [],
        history: { orderCount: 0 },
      });
      await api.publishedUntil(
        acct,
        'CustomerMerged',
        (p) =>
          p.survivorId === a.customerId &&
          (p.mergedIds as string[])[0] === b.customerId &&
          p.mergedBy === 'user_admin',
      );

      // R2.6: an order of the merged record's identity lands on the survivor.
      await publish(
        orderEvent(acct, {
          order: { ...stores.ebay, total: 1 },
          buyer: buyer('ann', { username: 'ann-ebay', email: 'ann@two.example' }),
        }),
      );
      await api.customerUntil(
        acct,
        a.customerId,
        (c) => c.history.orderCount === 3,
        'the third order on the survivor',
      );
      expect((await api.list(acct)).total).toBe(1);
      const again = await api.call('post', acct, '/v1/customers/merge', body);
      expect(again.status).toBe(409);
      expect(again.body.error.details.blockers).toEqual([
        expect.objectContaining({ customerId: b.customerId, code: 'ALREADY_MERGED' }),
      ]);
    });

    it('R2.7: a record of another account, a deleted record or an unknown id cannot be merged: the preview says why and the merge is 409 changing nothing; bad requests are 400', async () => {
      const acct = uniqueName('acct');
      const other = uniqueName('other');
      const mk = async (a: string, email: string) =>
        (await api.call('post', a, '/v1/customers', { email })).body.customerId as string;
      const s = await mk(acct, 's@example.com');
      const d = await mk(acct, 'd@example.com');
      const x = await mk(other, 'x@example.com');
      expect((await api.call('delete', acct, `/v1/customers/${d}`)).status).toBe(200);
      const body = { survivorId: s, mergedIds: [x, d] };
      const preview = await api.call('post', acct, '/v1/customers/merge/preview', body);
      expect(preview.body.mergeable).toBe(false);
      expect(preview.body.blockers.map((b: { code: string }) => b.code)).toEqual([
        'NOT_IN_ACCOUNT',
        'DELETED',
      ]);
      const refused = await api.call('post', acct, '/v1/customers/merge', body);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/not a customer of this account/);
      expect((await api.call('get', other, `/v1/customers/${x}`)).body.status).toBe('active');
      expect(
        (await api.call('post', acct, '/v1/customers/merge', { survivorId: s, mergedIds: [s] })).status,
      ).toBe(400);
      const badChoice = await api.call('post', acct, '/v1/customers/merge/preview', {
        survivorId: s,
        mergedIds: [d],
        choices: { email: x },
      });
      expect(badChoice.status).toBe(400);
      expect(badChoice.body.error.message).toMatch(/not one of the records being merged/);
    });

    it('R2.8: the default customer must exist and be active; while it is the default it cannot be archived or deleted; merged away, the default follows the survivor', async () => {
      const acct = uniqueName('acct');
      const mk = async (email: string) =>
        (await api.call('post', acct, '/v1/customers', { email })).body.customerId as string;
      const walkIn = await mk('walk-in@example.com');
      const other = await mk('other@example.com');
      expect((await api.call('post', acct, `/v1/customers/${other}/archive`)).status).toBe(200);
      const archivedDefault = await api.call('put', acct, '/v1/settings', { defaultCustomerId: other });
      expect(archivedDefault.status).toBe(400);
      expect((await api.call('put', acct, '/v1/settings', { defaultCustomerId: 'cus_nope' })).status).toBe(
        400,
      );
      expect((await api.call('put', acct, '/v1/settings', { defaultCustomerId: walkIn })).status).toBe(200);
      const archive = await api.call('post', acct, `/v1/customers/${walkIn}/archive`);
      expect(archive.status).toBe(409);
      expect(archive.body.error.message).toMatch(/default customer/);
      expect((await api.call('delete', acct, `/v1/customers/${walkIn}`)).status).toBe(409);
      const survivor = await mk('survivor@example.com');
      expect(
        (await api.call('post', acct, '/v1/customers/merge', { survivorId: survivor, mergedIds: [walkIn] }))
          .status,
      ).toBe(200);
      expect((await api.call('get', acct, '/v1/settings')).body.defaultCustomerId).toBe(survivor);
    });
  });

  it('R2.9: email and SMS consent apart, each with state, time and source; an explicit unsubscribe is not overturned by an older order nor by another store, a newer opt-in from the same store does; a manual edit always applies', async () => {
    const acct = uniqueName('acct');
    const consent = (email: object, sms?: object) => ({ email, ...(sms ? { sms } : {}) });
    const at = (d: number) => `2026-10-${String(d).padStart(2, '0')}T10:00:00.000Z`;
    const o = (store: (typeof stores)[keyof typeof stores], d: number, mc: object) =>
      orderEvent(acct, {
        order: { ...store, orderDate: at(d) },
        buyer: buyer('consent', {
          username: `c-${store.storeId}`,
          email: 'consent@example.com',
          marketingConsent: mc as never,
        }),
      });
    const [c0] = (
      await api.publishAndWait(
        1,
        o(
          stores.shopify,
          10,
          consent({ state: 'unsubscribed', changedAt: at(10) }, { state: 'subscribed', changedAt: at(9) }),
        ),
      )
    ).customers;
    const id = c0!.customerId;
    await publish(
      o(stores.shopify, 5, consent({ state: 'subscribed', changedAt: null })), // older order
      o(stores.ebay, 20, consent({ state: 'subscribed', changedAt: at(20) })), // another store
      orderEvent(acct, {
        order: { ...stores.etsy, orderDate: at(21) },
        buyer: buyer('consent', {
          username: 'sentinel-c',
          email: 'consent@example.com',
          marketingConsent: {},
        }),
      }),
    );
    const held = await api.customerUntil(acct, id, (c) => c.history.orderCount === 4, 'four orders');
    expect(held.marketingConsent.email).toEqual({
      state: 'unsubscribed',
      changedAt: at(10),
      source: 'store',
      storeId: stores.shopify.storeId,
    });
    expect(held.marketingConsent.sms).toMatchObject({ state: 'subscribed', changedAt: at(9) });
    await publish(o(stores.shopify, 25, consent({ state: 'subscribed', changedAt: at(25) })));
    const back = await api.customerUntil(
      acct,
      id,
      (c) => c.history.orderCount === 5,
      'the same-store opt-in',
    );
    expect(back.marketingConsent.email).toMatchObject({
      state: 'subscribed',
      changedAt: at(25),
      storeId: stores.shopify.storeId,
    });
    const edit = await api.call('patch', acct, `/v1/customers/${id}`, {
      marketingConsent: { sms: { state: 'unsubscribed' } },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.marketingConsent.sms).toMatchObject({
      state: 'unsubscribed',
      source: 'manual',
      storeId: null,
    });
    expect(edit.body.marketingConsent.email.state).toBe('subscribed');
  });

  describe('privacy requests (R2.10)', () => {
    it('R2.10 export: one JSON document of everything held (fields with sources, addresses, identities, consent history, orders, changes), recorded with basis, who and when', async () => {
      const acct = uniqueName('acct');
      const [c0] = (
        await api.publishAndWait(
          1,
          orderEvent(acct, {
            order: { total: 25 },
            buyer: buyer('exp', {
              marketingConsent: { email: { state: 'subscribed', changedAt: '2026-11-01T00:00:00.000Z' } },
            }),
          }),
        )
      ).customers;
      const id = c0!.customerId;
      await api.call('patch', acct, `/v1/customers/${id}`, {
        addresses: { postal: { street1: 'PO Box 5' } },
      });
      const member = await api.call(
        'post',
        acct,
        '/v1/privacy-requests',
        { type: 'export', customerId: id, basis: 'gdpr' },
        'member',
      );
      expect(member.status).toBe(403);
      const res = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: id,
        basis: 'gdpr',
        note: 'asked by email',
      });
      expect(res.status).toBe(201);
      expect(res.body.request).toMatchObject({
        customerId: id,
        type: 'export',
        basis: 'gdpr',
        legalBasis: 'GDPR Art. 15',
        note: 'asked by email',
        status: 'completed',
        requestedBy: 'user_admin',
        completedBy: 'user_admin',
      });
      const doc = res.body.document;
      expect(doc.customer).toMatchObject({
        customerId: id,
        email: 'exp@buyers.example',
        addresses: { postal: { street1: 'PO Box 5' } },
      });
      expect(doc.customer.fieldSources.email).toMatchObject({
        source: 'store',
        storeId: stores.shopify.storeId,
      });
      expect(doc.customer.consentHistory).toEqual([
        expect.objectContaining({ channel: 'email', state: 'subscribed' }),
      ]);
      expect(doc.identities).toEqual([
        expect.objectContaining({ storeId: stores.shopify.storeId, username: 'user-exp' }),
      ]);
      expect(doc.orders).toEqual([expect.objectContaining({ total: 25 })]);
      expect(doc.changes).toEqual([
        expect.objectContaining({ kind: 'edit', by: 'user_admin', source: 'manual' }),
      ]);
      const listed = await api.call('get', acct, `/v1/privacy-requests?customerId=${id}`);
      expect(listed.body.requests).toEqual([
        expect.objectContaining({ requestId: res.body.request.requestId, requestedAt: expect.any(String) }),
      ]);
      expect((await api.call('get', acct, '/v1/privacy-requests?nope=1')).status).toBe(400);
    });

    // A survivor and a record merged into it, each with history (some orders on the same instant,
    // so that the order's tie-breakers count) and change-log rows, more than pages of each.
    const bigHistory = async (acct: string, orders: number, changes: number) => {
      const { svc } = getEnv();
      const survivor = activeCustomer(acct, { email: 'big@example.com', emailNormalized: 'big@example.com' });
      const merged = activeCustomer(acct, { status: 'merged', mergedIntoId: survivor.id });
      const base = Date.parse('2025-01-01T00:00:00.000Z');
      const history: CustomerOrderRecord[] = Array.from({ length: orders }, (_, i) => ({
        accountId: acct,
        storeId: `st_${'abc'[i % 3]}`,
        storeOrderId: `so-${String(orders - i).padStart(6, '0')}`,
        orderId: `ord_${i}`,
        customerId: i % 5 === 0 ? merged.id : survivor.id,
        orderNumber: `#${i}`,
        orderDate: new Date(base + Math.floor(i / 4) * 60_000),
        total: (i % 97) + 0.5,
        currency: 'USD',
        revision: 1,
      }));
      const log: CustomerChangeRecord[] = Array.from({ length: changes }, (_, i) => ({
        id: `chg_${acct}_${String((i * 7919) % changes).padStart(6, '0')}`,
        accountId: acct,
        customerId: i % 4 === 0 ? merged.id : survivor.id,
        at: new Date(base + Math.floor(i / 3) * 1000),
        actor: 'user_admin',
        source: 'manual' as const,
        kind: 'edit' as const,
        changes: [{ field: 'notes', from: `n${i}`, to: `n${i + 1}` }],
      }));
      await svc.db.transaction(async (tx) => {
        await customerRepository.insertCustomers(tx, [survivor, merged]);
        await customerRepository.insertHistory(tx, history);
        await customerRepository.insertChanges(tx, log);
      });
      // The order the whole history was always read in: by date, then store, then store order id.
      const key = (o: CustomerOrderRecord) =>
        `${o.orderDate.toISOString()}\u0000${o.storeId}\u0000${o.storeOrderId}`;
      const wantOrders = [...history]
        .sort((a, b) => (key(a) < key(b) ? -1 : 1))
        .map((o) => ({
          customerId: o.customerId,
          orderId: o.orderId,
          storeId: o.storeId,
          storeOrderId: o.storeOrderId,
          orderNumber: o.orderNumber,
          orderDate: o.orderDate.toISOString(),
          total: o.total,
          currency: o.currency,
        }));
      // The change log as the export read it whole before it paged (changesOf: one statement).
      const wantChanges = (
        await svc.db.transaction((tx) => customerRepository.changesOf(tx, acct, [survivor.id, merged.id]))
      ).map((ch) => ({
        customerId: ch.customerId,
        at: ch.at.toISOString(),
        by: ch.actor,
        source: ch.source,
        kind: ch.kind,
        changes: ch.changes,
      }));
      return { survivor, merged, wantOrders, wantChanges };
    };

    it('R2.10 export of more history than fits a page: over HTTP the same { request, document } as before — every order and change of the record and of the records merged into it, in order — recorded with its counts', async () => {
      const acct = uniqueName('acct');
      const orders = 2 * PRIVACY_EXPORT_PAGE_SIZE + 345;
      const changes = PRIVACY_EXPORT_PAGE_SIZE + 234;
      const { survivor, merged, wantOrders, wantChanges } = await bigHistory(acct, orders, changes);
      const res = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: survivor.id,
        basis: 'gdpr',
      });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      // Sent as it is read (no length known in advance), and kept out of caches: it is personal data.
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
      // Still the answer the route documents (a streamed answer skips HTTP_CHECK_RESPONSES).
      expect(problemsWith(PrivacyResultOut, structuredClone(res.body))).toEqual([]);
      const doc = res.body.document;
      expect(doc.orders).toHaveLength(orders);
      expect(doc.orders).toEqual(wantOrders);
      expect(doc.changes).toHaveLength(changes);
      expect(doc.changes).toEqual(wantChanges);
      expect(doc.customer).toMatchObject({ customerId: survivor.id, email: 'big@example.com' });
      expect(doc.mergedRecords.map((r: { customerId: string }) => r.customerId)).toEqual([merged.id]);
      expect(doc.request).toMatchObject({ requestId: res.body.request.requestId, status: 'open' });
      expect(doc.possibleDuplicates).toEqual([]);
      expect(res.body.request).toMatchObject({
        status: 'completed',
        outcome: { customerIds: [survivor.id, merged.id], orders, identities: 0 },
      });
      const stored = await api.call('get', acct, `/v1/privacy-requests/${res.body.request.requestId}`);
      expect(stored.body).toEqual(res.body.request);
      // The keys in the order they always had (the text is JSON.stringify of the whole answer).
      expect(Object.keys(res.body)).toEqual(['request', 'document']);
      expect(Object.keys(doc)).toEqual([
        'generatedAt',
        'request',
        'customer',
        'mergedRecords',
        'identities',
        'orders',
        'changes',
        'possibleDuplicates',
      ]);
    }, 60_000);

    it('R2.10 export refusals come before anything is sent (404, 409 on a merged record); an open export request fulfilled later answers its document the same way, once', async () => {
      const acct = uniqueName('acct');
      const { survivor, merged, wantOrders } = await bigHistory(acct, 12, 3);
      const unknown = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: 'cus_nope',
        basis: 'gdpr',
      });
      expect(unknown.status).toBe(404);
      const onMerged = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: merged.id,
        basis: 'gdpr',
      });
      expect(onMerged.status).toBe(409);
      expect(onMerged.body.error.message).toMatch(new RegExp(`merged into ${survivor.id}`));
      const open = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: survivor.id,
        basis: 'ccpa',
        fulfilNow: false,
      });
      expect(open.status).toBe(201);
      expect(open.body).toEqual({ request: expect.objectContaining({ status: 'open' }) });
      const requestId = open.body.request.requestId as string;
      const again = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'export',
        customerId: survivor.id,
        basis: 'ccpa',
      });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(new RegExp(requestId));
      const done = await api.call('post', acct, `/v1/privacy-requests/${requestId}/fulfil`);
      expect(done.status).toBe(200);
      expect(done.headers['transfer-encoding']).toBe('chunked');
      expect(done.body.request).toMatchObject({
        requestId,
        status: 'completed',
        legalBasis: 'CCPA 1798.110',
        outcome: { customerIds: [survivor.id, merged.id], orders: 12, identities: 0 },
      });
      expect(done.body.document.request).toMatchObject({ requestId, status: 'open' });
      expect(done.body.document.orders).toEqual(wantOrders);
      expect((await api.call('post', acct, `/v1/privacy-requests/${requestId}/fulfil`)).status).toBe(409);
      expect((await api.call('get', acct, `/v1/privacy-requests/${requestId}`)).body).toEqual(
        done.body.request,
      );
    });

    it('R2.10 export whose reader goes away before its first piece still ends its snapshot (the next transaction runs) and stays recorded', async () => {
      const acct = uniqueName('acct');
      const { svc } = getEnv();
      const { survivor } = await bigHistory(acct, 5, 2);
      const got = (await createPrivacyRequest(
        { db: svc.db, repo: customerRepository, outbox: svc.outbox },
        { accountId: acct, userId: 'user_admin', correlationId: 'test' },
        { type: 'export', customerId: survivor.id, basis: 'gdpr' },
      )) as PrivacyExport;
      await got.chunks.return!();
      // On SQLite a snapshot left open would hold the only connection: this would never run.
      const listed = await svc.db.transaction((tx) =>
        customerRepository.listPrivacyRequests(tx, acct, { customerId: survivor.id, limit: 5 }),
      );
      expect(listed).toEqual([expect.objectContaining({ id: got.request.requestId, status: 'completed' })]);
    });

    it('R2.10 export: history and change log are read in keyset pages, one statement of at most a page each, as the answer is pulled; the pieces join into the same document whatever the page size', async () => {
      const acct = uniqueName('acct');
      const { svc } = getEnv();
      const { survivor, merged, wantOrders, wantChanges } = await bigHistory(acct, 730, 420);
      const read: Array<{ kind: 'orders' | 'changes'; rows: number; limit: number }> = [];
      const repo: CustomerRepository = {
        ...customerRepository,
        async ordersPage(tx, accountId, ids, after, limit) {
          const rows = await customerRepository.ordersPage(tx, accountId, ids, after, limit);
          read.push({ kind: 'orders', rows: rows.length, limit });
          return rows;
        },
        async changesPage(tx, accountId, ids, after, limit) {
          const rows = await customerRepository.changesPage(tx, accountId, ids, after, limit);
          read.push({ kind: 'changes', rows: rows.length, limit });
          return rows;
        },
      };
      const deps = { db: svc.db, repo, outbox: svc.outbox };
      const actor = { accountId: acct, userId: 'user_admin', correlationId: 'test' };
      const run = async (pageSize: number) => {
        read.length = 0;
        const got = (await createPrivacyRequest(
          deps,
          actor,
          { type: 'export', customerId: survivor.id, basis: 'gdpr' },
          { pageSize },
        )) as PrivacyExport;
        expect(got.chunks).toBeDefined();
        // Pulled: nothing of the history is read before the head is taken, one page per piece after.
        const first = await got.chunks.next();
        expect(first.value).toMatch(/"orders":\[$/);
        expect(read).toEqual([]);
        let text = first.value as string;
        for await (const piece of got.chunks) text += piece;
        return { answer: JSON.parse(text), reads: [...read] };
      };
      const small = await run(100);
      // 730 orders: seven full pages and a short one; 420 changes: four full pages and a short one.
      expect(small.reads).toEqual([
        ...Array.from({ length: 7 }, () => ({ kind: 'orders', rows: 100, limit: 100 })),
        { kind: 'orders', rows: 30, limit: 100 },
        ...Array.from({ length: 4 }, () => ({ kind: 'changes', rows: 100, limit: 100 })),
        { kind: 'changes', rows: 20, limit: 100 },
      ]);
      expect(small.answer.document.orders).toEqual(wantOrders);
      expect(small.answer.document.changes).toEqual(wantChanges);
      expect(small.answer.request.outcome.orders).toBe(730);
      const whole = await run(10_000);
      expect(whole.reads).toEqual([
        { kind: 'orders', rows: 730, limit: 10_000 },
        { kind: 'changes', rows: 420, limit: 10_000 },
      ]);
      const { request: _r, generatedAt: _g, ...rest } = whole.answer.document;
      expect(small.answer.document).toEqual({
        ...rest,
        request: small.answer.document.request,
        generatedAt: small.answer.document.generatedAt,
      });
      // One statement a page: a page of a record with merged records too (a UNION of both).
      await svc.db.transaction(async (tx) => {
        const sent = await statementsOf(tx, () =>
          customerRepository.ordersPage(tx, acct, [survivor.id, merged.id], null, 50),
        );
        expect(sent).toHaveLength(1);
        expect(sent[0]!.sql).toMatch(/LIMIT 50/);
      });
    }, 60_000);

    it('R2.10 erase: personal data removed, a tombstone kept, CustomerRedacted published with the identities; re-importing the same store buyer afterwards creates a new, separate record', async () => {
      const acct = uniqueName('acct');
      await api.listen();
      const first = orderEvent(acct, {
        order: { total: 40 },
        buyer: buyer('gone', { phone: '+16135550188' }),
      });
      const [c0] = (await api.publishAndWait(1, first)).customers;
      const id = c0!.customerId;
      const res = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: id,
        basis: 'ccpa',
      });
      expect(res.status).toBe(201);
      expect(res.body.request).toMatchObject({
        status: 'completed',
        legalBasis: 'CCPA 1798.105',
        outcome: { erasedCustomerIds: [id], identitiesRemoved: 1 },
      });
      const tomb = await customer(acct, id);
      expect(tomb).toMatchObject({
        status: 'deleted',
        name: null,
        firstName: null,
        email: null,
        phone: null,
        street1: null,
        addresses: { shipping: null, billing: null, postal: null },
        marketplaceUsernames: [],
        tags: [],
        marketingConsent: {},
        fieldSources: {},
        history: { orderCount: 1, totalSpent: 40 },
      });
      expect(tomb.erasedAt).toEqual(expect.any(String));
      await api.publishedUntil(
        acct,
        'CustomerRedacted',
        (p) =>
          p.customerId === id &&
          p.legalBasis === 'CCPA 1798.105' &&
          JSON.stringify(p.identities) ===
            JSON.stringify([{ storeId: stores.shopify.storeId, username: 'user-gone' }]),
      );
      const again = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: id,
        basis: 'ccpa',
      });
      expect(again.status).toBe(409);
      expect((await api.call('post', acct, `/v1/customers/${id}/restore`)).status).toBe(409);

      // The same store buyer comes back: a new record, nothing of the old one.
      const l = await api.publishAndWait(
        1,
        orderEvent(acct, { order: { total: 7 }, buyer: buyer('gone', { phone: '+16135550188' }) }),
      );
      const fresh = l.customers[0]!;
      expect(fresh.customerId).not.toBe(id);
      expect(fresh).toMatchObject({
        email: 'gone@buyers.example',
        history: { orderCount: 1, totalSpent: 7 },
      });
      expect((await customer(acct, id)).email).toBeNull();
    });

    it('R2.7/R2.10: a merge is refused while a privacy request on any of the records is open; cancelled, the merge goes through', async () => {
      const acct = uniqueName('acct');
      const mk = async (email: string) =>
        (await api.call('post', acct, '/v1/customers', { email })).body.customerId as string;
      const a = await mk('pa@example.com');
      const b = await mk('pb@example.com');
      const open = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: b,
        basis: 'gdpr',
        fulfilNow: false,
      });
      expect(open.status).toBe(201);
      expect(open.body.request.status).toBe('open');
      const requestId = open.body.request.requestId as string;
      const preview = await api.call('post', acct, '/v1/customers/merge/preview', {
        survivorId: a,
        mergedIds: [b],
      });
      expect(preview.body).toMatchObject({
        mergeable: false,
        blockers: [expect.objectContaining({ customerId: b, code: 'PRIVACY_REQUEST_OPEN' })],
      });
      const refused = await api.call('post', acct, '/v1/customers/merge', { survivorId: b, mergedIds: [a] });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(new RegExp(requestId));
      expect((await customer(acct, a)).status).toBe('active');
      const dup = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: b,
        basis: 'gdpr',
        fulfilNow: false,
      });
      expect(dup.status).toBe(409);
      const cancelled = await api.call('post', acct, `/v1/privacy-requests/${requestId}/cancel`);
      expect(cancelled.body.request).toMatchObject({ status: 'cancelled', completedBy: 'user_admin' });
      expect((await api.call('post', acct, `/v1/privacy-requests/${requestId}/fulfil`)).status).toBe(409);
      expect(
        (await api.call('post', acct, '/v1/customers/merge', { survivorId: a, mergedIds: [b] })).status,
      ).toBe(200);
    });

    it('R2.10: erasing a survivor erases the records merged into it too; a request on a merged record is sent to its survivor', async () => {
      const acct = uniqueName('acct');
      const mk = async (email: string) =>
        (await api.call('post', acct, '/v1/customers', { email })).body.customerId as string;
      const a = await mk('ma@example.com');
      const b = await mk('mb@example.com');
      expect(
        (await api.call('post', acct, '/v1/customers/merge', { survivorId: a, mergedIds: [b] })).status,
      ).toBe(200);
      const onMerged = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: b,
        basis: 'gdpr',
      });
      expect(onMerged.status).toBe(409);
      expect(onMerged.body.error.message).toMatch(new RegExp(`merged into ${a}`));
      const res = await api.call('post', acct, '/v1/privacy-requests', {
        type: 'erase',
        customerId: a,
        basis: 'gdpr',
      });
      expect(res.body.request.outcome.erasedCustomerIds).toEqual([a, b]);
      expect((await customer(acct, b)).email).toBeNull();
    });
  });

  describe('cases that must hold (issue 14)', () => {
    it('R1.2/R1.4: a guest order and a registered account with the same email end as one customer under email,phone (medusa#11147, #8815)', async () => {
      const acct = uniqueName('acct');
      // WooCommerce keys a guest by the billing email and a registered buyer by its customer id.
      const guest = orderEvent(acct, {
        order: { ...stores.woo, orderDate: '2026-11-01T10:00:00.000Z' },
        buyer: buyer('medusa', {
          username: 'guest.buyer@example.com',
          email: 'Guest.Buyer@example.com',
          phone: null,
        }),
      });
      const registered = orderEvent(acct, {
        order: { ...stores.woo, orderDate: '2026-11-02T10:00:00.000Z' },
        buyer: buyer('medusa', { username: '42', email: 'guest.buyer@example.com', phone: null }),
      });
      await publish(guest, registered);
      const l = await listUntil(
        acct,
        (x) => x.customers.some((c) => c.history.orderCount === 2),
        'both orders on one record',
      );
      expect(l.total).toBe(1);
      expect(l.customers[0]!.marketplaceUsernames.map((m) => m.username).sort()).toEqual([
        '42',
        'guest.buyer@example.com',
      ]);
    });

    it('R1.5: +1 613-555-1212, (613)555-1212 and 6135551212 are one number under a CA default', async () => {
      const acct = uniqueName('acct');
      expect(
        (await api.call('put', acct, '/v1/settings', { defaultCountry: 'CA', matchPolicy: 'phone,email' }))
          .status,
      ).toBe(200);
      const phones = ['+1 613-555-1212', '(613)555-1212', '6135551212'];
      const events = phones.map((phone, i) =>
        orderEvent(acct, {
          order: {
            ...[stores.shopify, stores.ebay, stores.etsy][i]!,
            orderDate: `2026-11-0${i + 1}T10:00:00.000Z`,
          },
          buyer: buyer(`p${i}`, { username: `phone-${i}`, email: null, phone }),
        }),
      );
      await publish(...events);
      const l = await listUntil(
        acct,
        (x) => x.customers.some((c) => c.history.orderCount === 3),
        'three orders on one record',
      );
      expect(l.total).toBe(1);
    });

    it('R1.5: under an AU default a number typed without its country code becomes +61… and matches +61 written out, never a US number with the same digits', async () => {
      const acct = uniqueName('acct');
      expect(
        (await api.call('put', acct, '/v1/settings', { defaultCountry: 'AU', matchPolicy: 'phone' })).status,
      ).toBe(200);
      const au = orderEvent(acct, {
        order: { ...stores.shopify, orderDate: '2026-11-01T10:00:00.000Z' },
        buyer: buyer('au', { username: 'au-1', email: 'au1@example.com', phone: '0412 345 678' }),
      });
      const us = orderEvent(acct, {
        order: { ...stores.ebay, orderDate: '2026-11-02T10:00:00.000Z' },
        buyer: buyer('us', { username: 'us-1', email: 'us1@example.com', phone: '+1 412 345 6780' }),
      });
      const auAgain = orderEvent(acct, {
        order: { ...stores.etsy, orderDate: '2026-11-03T10:00:00.000Z' },
        buyer: buyer('au2', { username: 'au-2', email: 'au2@example.com', phone: '+61 412 345 678' }),
      });
      await publish(au, us, auAgain);
      const l = await listUntil(
        acct,
        (x) => x.customers.reduce((n, c) => n + c.history.orderCount, 0) === 3,
        'three orders',
      );
      expect(l.total).toBe(2);
      const auRecord = l.customers.find((c) => c.email === 'au1@example.com')!;
      expect(auRecord.history.orderCount).toBe(2);
      expect(auRecord.marketplaceUsernames.map((m) => m.username).sort()).toEqual(['au-1', 'au-2']);
      expect(l.customers.find((c) => c.email === 'us1@example.com')!.history.orderCount).toBe(1);
    });

    it('R1.10: with protectNames on, names never change from orders once set; a manual edit still can', async () => {
      const acct = uniqueName('acct');
      expect((await api.call('put', acct, '/v1/settings', { protectNames: true })).status).toBe(200);
      const manual = { storeId: `st_manual_${acct}`, storeType: 'manual', storeName: 'Manual' };
      const named = (name: string, first: string, last: string, date: string) =>
        orderEvent(acct, {
          order: { ...manual, orderDate: date },
          buyer: buyer('alex', {
            username: 'alex@example.com',
            email: 'alex@example.com',
            name,
            firstName: first,
            lastName: last,
          }),
          source: 'manual',
        });
      const [c0] = (
        await api.publishAndWait(1, named('Alex Original', 'Alex', 'Original', '2026-11-01T10:00:00.000Z'))
      ).customers;
      await publish(named('Sam Newer', 'Sam', 'Newer', '2026-11-05T10:00:00.000Z'));
      const kept = await api.customerUntil(
        acct,
        c0!.customerId,
        (c) => c.history.orderCount === 2,
        'the second order',
      );
      expect(kept).toMatchObject({ firstName: 'Alex', lastName: 'Original', name: 'Alex Original' });
      const edit = await api.call('patch', acct, `/v1/customers/${c0!.customerId}`, {
        firstName: 'Sam',
        lastName: 'Chosen',
      });
      expect(edit.status).toBe(200);
      expect(edit.body).toMatchObject({ firstName: 'Sam', lastName: 'Chosen', name: 'Sam Chosen' });
      const future = new Date(Date.now() + 86400000).toISOString();
      await publish(named('Alex Original', 'Alex', 'Original', future));
      const after = await api.customerUntil(
        acct,
        c0!.customerId,
        (c) => c.history.orderCount === 3,
        'the third order',
      );
      expect(after).toMatchObject({ firstName: 'Sam', lastName: 'Chosen' });
    });

    it('R2.10: after erasure, re-importing the same store order (a new revision) or a new order of the same buyer lands on a new, separate record', async () => {
      const acct = uniqueName('acct');
      const first = orderEvent(acct, { order: { total: 11 }, buyer: buyer('again') });
      const [c0] = (await api.publishAndWait(1, first)).customers;
      expect(
        (
          await api.call('post', acct, '/v1/privacy-requests', {
            type: 'erase',
            customerId: c0!.customerId,
            basis: 'gdpr',
          })
        ).status,
      ).toBe(201);
      await publish(
        reissue(first, { ...first.payload, order: { ...first.payload.order, revision: 2, total: 12 } }),
      );
      const l = await api.listUntil(acct, (x) => x.total === 1, 'the re-import on a new record');
      const fresh = l.customers[0]!;
      expect(fresh.customerId).not.toBe(c0!.customerId);
      expect(fresh).toMatchObject({
        email: 'again@buyers.example',
        history: { orderCount: 1, totalSpent: 12 },
      });
      await publish(orderEvent(acct, { order: { total: 5 }, buyer: buyer('again') }));
      await api.customerUntil(
        acct,
        fresh.customerId,
        (c) => c.history.orderCount === 2,
        'the new order on the new record',
      );
      const tomb = await customer(acct, c0!.customerId);
      expect(tomb).toMatchObject({ status: 'deleted', email: null, history: { orderCount: 0 } });
    });
  });
}
