import request from 'supertest';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { SEARCH_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';
import { signDevToken } from '@crp/platform/auth';
import { uniqueName } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import type { CustomerView } from '../../src/app/customer-view';
import type { CustomerFilter } from '../../src/domain/search';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { SECRET, address, buyer, orderEvent, stores, type Env } from './scenarios';

interface CustomerList {
  customers: CustomerView[];
  total: number;
  nextCursor: string | null;
}

const WAIT = { timeoutMs: 20000, intervalMs: 50 };

/**
 * R2.11 (search, filters, keyset pagination) and the "found as a new user" search bugs, seen from
 * outside: orders go on the bus, the API is asked. Run on SQLite + the in-process bus and on
 * MariaDB + Kafka. Every test works in its own account; each also checks that another account
 * holding the same keys never shows up.
 */
export function searchScenarios(getEnv: () => Env) {
  const token = (accountId: string) => signDevToken(SECRET, { accountId, role: 'admin' });
  /** GET with the query string exactly as written (so `+` and `%20` reach the service as typed). */
  const getRaw = async (accountId: string, pathAndQuery: string) =>
    request(getEnv().svc.app)
      .get(pathAndQuery)
      .set('Authorization', `Bearer ${await token(accountId)}`);
  const list = async (accountId: string, query: Record<string, string | number> = {}) => {
    const res = await request(getEnv().svc.app)
      .get('/v1/customers')
      .query(query)
      .set('Authorization', `Bearer ${await token(accountId)}`);
    expect(res.status).toBe(200);
    return res.body as CustomerList;
  };
  const emails = async (accountId: string, query: Record<string, string | number>) =>
    (await list(accountId, query)).customers.map((c) => c.email).sort();
  /** Publishes the events as one delivery (one account: one partition, in order). */
  const publishAll = (events: OrderImportedV1[]) =>
    getEnv().bus.publish(
      events.map((e) => ({ topic: 'OrderImported', key: e.accountId, value: JSON.stringify(e) })),
    );
  const until = (accountId: string, total: number, what: string) =>
    waitFor(
      async () => {
        const l = await list(accountId, { limit: 500 });
        return l.total === total ? l : undefined;
      },
      { ...WAIT, what },
    );
  const setCountry = async (accountId: string, defaultCountry: string) => {
    const res = await request(getEnv().svc.app)
      .put('/v1/settings')
      .set('Authorization', `Bearer ${await token(accountId)}`)
      .send({ defaultCountry });
    expect(res.status).toBe(200);
  };

  describe('search (R2.11)', () => {
    it('OpenAPI documents search, export and duplicates with their parameters and response schemas', async () => {
      const doc = (await request(getEnv().svc.app).get('/openapi.json')).body as {
        paths: Record<
          string,
          Record<
            string,
            {
              parameters?: Array<{ name: string }>;
              responses: Record<string, { content?: Record<string, unknown> }>;
            }
          >
        >;
      };
      const params = (path: string) => doc.paths[path]!.get!.parameters!.map((p) => p.name);
      expect(params('/v1/customers')).toEqual(
        expect.arrayContaining([
          'q',
          'email',
          'phone',
          'username',
          'storeId',
          'tag',
          'status',
          'createdFrom',
          'createdTo',
          'updatedFrom',
          'updatedTo',
          'cursor',
          'limit',
        ]),
      );
      expect(params('/v1/customers/export')).toEqual(expect.arrayContaining(['format', 'phone', 'tag']));
      expect(params('/v1/customers/export')).not.toContain('cursor');
      expect(Object.keys(doc.paths['/v1/customers/export']!.get!.responses['200']!.content!).sort()).toEqual([
        'application/json',
        'text/csv',
      ]);
      for (const path of ['/v1/customers', '/v1/customers/{customerId}/duplicates', '/v1/duplicates'])
        expect(doc.paths[path]!.get!.responses['200']!.content!['application/json']).toEqual({
          schema: expect.objectContaining({ type: 'object' }),
        });
    });

    it('R1.5/R2.11: ?phone= in any format finds the record by E.164 — +1 613-555-1212 unencoded, (613)555-1212, 6135551212 — and nobody else, not even in another account', async () => {
      const acct = uniqueName('acct');
      const other = uniqueName('acct');
      await publishAll([
        orderEvent(acct, { buyer: buyer('ring', { phone: '+1 613-555-1212' }) }),
        orderEvent(acct, { buyer: buyer('silent', { phone: '+1 613-555-9999' }) }),
      ]);
      await publishAll([orderEvent(other, { buyer: buyer('foreign', { phone: '613.555.1212' }) })]);
      await until(acct, 2, 'two customers');
      await until(other, 1, "the other account's customer");
      // The issue's own URL: a `+` that the query string would turn into a space.
      for (const url of [
        '/v1/customers?phone=+1%20613-555-1212',
        '/v1/customers?phone=%2B1%20613-555-1212',
        '/v1/customers?phone=(613)555-1212',
        '/v1/customers?phone=6135551212',
      ]) {
        const res = await getRaw(acct, url);
        expect(res.status).toBe(200);
        expect(res.body.customers.map((c: CustomerView) => c.email)).toEqual(['ring@buyers.example']);
        expect(res.body.total).toBe(1);
      }
      // q reads a phone the same way.
      expect(await emails(acct, { q: '(613) 555-1212' })).toEqual(['ring@buyers.example']);
      expect(await emails(other, { phone: '+16135551212' })).toEqual(['foreign@buyers.example']);
    });

    it('R1.5/R2.11: under an AU default a number typed without its country code is read as +61 and does not find a US record with the same digits', async () => {
      const acct = uniqueName('acct');
      await setCountry(acct, 'AU');
      await publishAll([
        orderEvent(acct, { buyer: buyer('sydney', { phone: '+61 412 345 678' }) }),
        orderEvent(acct, { buyer: buyer('denver', { phone: '+1 412-345-6780' }) }),
      ]);
      await until(acct, 2, 'two customers');
      expect(await emails(acct, { phone: '0412 345 678' })).toEqual(['sydney@buyers.example']);
      expect(await emails(acct, { phone: '412 345 678' })).toEqual(['sydney@buyers.example']);
      expect(await emails(acct, { phone: '+1 412 345 6780' })).toEqual(['denver@buyers.example']);
    });

    it('R2.11: each listed customer carries its own store usernames, as its detail view shows them, also when the page is cut short by limit', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, { order: { ...stores.ebay }, buyer: buyer('ann', { username: 'ann_on_ebay' }) }),
        orderEvent(acct, { order: { ...stores.etsy }, buyer: buyer('ann', { username: 'ann_on_etsy' }) }),
        orderEvent(acct, { order: { ...stores.ebay }, buyer: buyer('bob', { username: 'bob_on_ebay' }) }),
      ]);
      const ann = await waitFor(
        async () => {
          const l = await list(acct, { email: 'ann@buyers.example' });
          return l.customers[0]?.marketplaceUsernames.length === 2 ? l.customers[0] : undefined;
        },
        { ...WAIT, what: 'ann with two store usernames' },
      );
      await until(acct, 2, 'two customers');
      const detail = async (customerId: string) => {
        const res = await request(getEnv().svc.app)
          .get(`/v1/customers/${customerId}`)
          .set('Authorization', `Bearer ${await token(acct)}`);
        expect(res.status).toBe(200);
        return (res.body as CustomerView).marketplaceUsernames;
      };
      expect(ann.marketplaceUsernames.map((u) => u.username).sort()).toEqual(['ann_on_ebay', 'ann_on_etsy']);
      expect(ann.marketplaceUsernames).toEqual(await detail(ann.customerId));
      // limit 1: the page reads one customer more than it shows; its usernames stay with it.
      const first = await list(acct, { limit: 1 });
      expect(first.customers).toHaveLength(1);
      expect(first.nextCursor).not.toBeNull();
      const second = await list(acct, { limit: 1, cursor: first.nextCursor! });
      const seen = [...first.customers, ...second.customers];
      expect(seen.map((c) => c.email).sort()).toEqual(['ann@buyers.example', 'bob@buyers.example']);
      for (const c of seen) expect(c.marketplaceUsernames).toEqual(await detail(c.customerId));
      const bob = seen.find((c) => c.email === 'bob@buyers.example')!;
      expect(bob.marketplaceUsernames.map((u) => u.username)).toEqual(['bob_on_ebay']);
    });

    it('R2.11: ?username= finds the buyer of a store username exactly (with storeId, of that store only); a prefix is not enough', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: buyer('bidder', { username: 'bidder42', email: 'bidder@buyers.example' }),
        }),
        orderEvent(acct, {
          order: { ...stores.etsy },
          buyer: buyer('crafter', { username: 'bidder42', email: 'crafter@buyers.example' }),
        }),
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: buyer('other', { username: 'bidder421', email: 'other@buyers.example' }),
        }),
      ]);
      await until(acct, 3, 'three customers');
      expect(await emails(acct, { username: 'bidder42' })).toEqual([
        'bidder@buyers.example',
        'crafter@buyers.example',
      ]);
      expect(await emails(acct, { username: 'bidder42', storeId: stores.etsy.storeId })).toEqual([
        'crafter@buyers.example',
      ]);
      expect(await emails(acct, { username: 'bidder4' })).toEqual([]);
      expect(await emails(uniqueName('acct'), { username: 'bidder42' })).toEqual([]);
    });

    it('R2.11: an unknown query parameter, a phone that is no number and an empty date range are 400s that name the problem', async () => {
      const acct = uniqueName('acct');
      const typo = await getRaw(acct, '/v1/customers?phnoe=6135551212');
      expect(typo.status).toBe(400);
      expect(typo.body.error.code).toBe('VALIDATION_FAILED');
      expect(typo.body.error.message).toContain('phnoe');
      const notANumber = await getRaw(acct, '/v1/customers?phone=555-555-SHIP');
      expect(notANumber.status).toBe(400);
      expect(notANumber.body.error.message).toMatch(/phone "555-555-SHIP" is not a phone number/);
      const backwards = await getRaw(
        acct,
        '/v1/customers?createdFrom=2026-11-02T00:00:00Z&createdTo=2026-11-01T00:00:00Z',
      );
      expect(backwards.status).toBe(400);
      expect(backwards.body.error.message).toContain('createdFrom is after createdTo');
      expect((await getRaw(acct, '/v1/customers?status=gone')).status).toBe(400);
      expect((await getRaw(acct, '/v1/customers?createdFrom=yesterday')).status).toBe(400);
    });

    it('R2.11: a filter longer than any value it could match (the contracts limits) is a 400 naming it, on the list and the export', async () => {
      const acct = uniqueName('acct');
      const over: Array<[string, number]> = [
        ['tag', TEXT_LIMITS.tag],
        ['storeId', TEXT_LIMITS.storeId],
        ['email', TEXT_LIMITS.email],
        ['username', TEXT_LIMITS.username],
        ['phone', TEXT_LIMITS.phone],
        ['q', SEARCH_LIMITS.customerQuery],
        ['cursor', TEXT_LIMITS.id],
      ];
      for (const [name, limit] of over) {
        for (const path of ['/v1/customers', '/v1/customers/export']) {
          if (name === 'cursor' && path.endsWith('/export')) continue;
          const res = await getRaw(acct, `${path}?${name}=${'x'.repeat(limit + 1)}`);
          expect({ name, path, status: res.status }).toEqual({ name, path, status: 400 });
          expect(res.body.error.details).toEqual([
            `query parameter ${name} must NOT have more than ${limit} characters`,
          ]);
        }
      }
      // At the limit, a tag is a filter like any other (no customer carries it here).
      expect(await emails(acct, { tag: 'x'.repeat(TEXT_LIMITS.tag) })).toEqual([]);
    });

    it('R2.11: q finds by a prefix of the name, the last name, the email or a store username, case-insensitively; not by text in the middle', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          buyer: {
            ...buyer('ada'),
            username: 'countess1815',
            email: 'ada@analytical.example',
            name: 'Ada Lovelace',
            firstName: null,
            lastName: null,
            phone: null,
          },
        }),
        orderEvent(acct, {
          buyer: {
            ...buyer('grace'),
            username: 'amazing-grace',
            email: 'grace@navy.example',
            name: 'Grace Hopper',
            firstName: 'Grace',
            lastName: 'Hopper',
            phone: null,
          },
        }),
      ]);
      await until(acct, 2, 'two customers');
      const names = async (q: string) => (await list(acct, { q })).customers.map((c) => c.name).sort();
      expect(await names('ada')).toEqual(['Ada Lovelace']); // name and email
      expect(await names('LOVE')).toEqual(['Ada Lovelace']); // last name, any case
      expect(await names('grace@')).toEqual(['Grace Hopper']); // email
      expect(await names('Countess')).toEqual(['Ada Lovelace']); // username
      expect(await names('amazing')).toEqual(['Grace Hopper']);
      expect(await names('velace')).toEqual([]); // not a prefix of anything
      expect((await list(uniqueName('acct'), { q: 'ada' })).total).toBe(0);
    });

    it('R2.11: total is exact up to 1,000 matches, then says "at least" (totalRelation gte) instead of counting a whole account', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, { buyer: buyer('few1') }),
        orderEvent(acct, { buyer: buyer('few2') }),
      ]);
      await until(acct, 2, 'two customers');
      expect(await list(acct, { limit: 1 })).toMatchObject({ total: 2, totalRelation: 'eq' });
      // Past the cap nothing is counted further: the count is then a lower bound.
      const { db } = getEnv().svc;
      const count = (filter: Parameters<typeof customerRepository.countCustomers>[2], upTo: number) =>
        db.transaction((tx) => customerRepository.countCustomers(tx, acct, filter, upTo));
      expect(await count({ status: 'active' }, 1)).toEqual({ count: 1, exact: false });
      expect(await count({ status: 'active' }, 3)).toEqual({ count: 2, exact: true });
      expect(await count({ status: 'active', text: { prefix: 'few', phoneE164: null } }, 1)).toEqual({
        count: 1,
        exact: false,
      });
      expect(await count({ status: 'active', text: { prefix: 'few', phoneE164: null } }, 3)).toEqual({
        count: 2,
        exact: true,
      });
    });

    it('R2.11: a broad q (more matches than one read of its index) pages through every match once, also when another filter keeps only the last ones', async () => {
      const acct = uniqueName('acct');
      const n = 205;
      await publishAll(
        Array.from({ length: n }, (_, i) =>
          orderEvent(acct, {
            buyer: buyer(`pager${i}`, { name: `Pager ${i}`, firstName: null, lastName: null }),
            tags: i >= n - 3 ? ['late'] : [],
          }),
        ),
      );
      const all = await until(acct, n, `${n} customers`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: CustomerList = await list(acct, { q: 'pager', limit: 50, ...(cursor ? { cursor } : {}) });
        seen.push(...page.customers.map((c) => c.customerId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toEqual(all.customers.map((c) => c.customerId));
      const late = all.customers
        .filter((c) => c.tags.some((t) => t.name === 'late'))
        .map((c) => c.customerId);
      const first = await list(acct, { q: 'pager', tag: 'late', limit: 2 });
      expect(first.customers.map((c) => c.customerId)).toEqual(late.slice(0, 2));
      const second = await list(acct, { q: 'pager', tag: 'late', limit: 2, cursor: first.nextCursor! });
      expect(second.customers.map((c) => c.customerId)).toEqual(late.slice(2));
      expect(second.nextCursor).toBeNull();
    });

    it('R2.11: a q whose kinds of key are broad (more matches than one read of their index) is read by a scan in id order, merged with the narrow kinds: every match once, in id order, with the other filters', async () => {
      const acct = uniqueName('acct');
      const other = uniqueName('acct');
      const n = 30;
      // `pager…`: name, email and username match (broad under a read of 7); three `Pagerman`s
      // match by last name only (narrow), spread among them; one archived match.
      await publishAll(
        Array.from({ length: n }, (_, i) =>
          orderEvent(acct, {
            buyer:
              i % 10 === 4
                ? buyer(`else${i}`, { lastName: 'Pagerman', name: `Else ${i}`, firstName: 'Else' })
                : buyer(`pager${i}`, { name: `Pager ${i}`, firstName: null, lastName: null }),
            tags: i % 3 === 0 ? ['third'] : [],
          }),
        ),
      );
      await publishAll([orderEvent(other, { buyer: buyer('pager-elsewhere') })]);
      const all = (await until(acct, n, `${n} customers`)).customers;
      await until(other, 1, "the other account's customer");
      const { db } = getEnv().svc;
      const text = { prefix: 'pager', phoneE164: null };
      const pages = async (filter: Omit<CustomerFilter, 'status' | 'text'>, limit: number) => {
        const seen: string[] = [];
        let after: string | undefined;
        for (let k = 0; k < 20; k++) {
          const { rows, counted } = await db.transaction((tx) =>
            customerRepository.findCustomersCounted(
              tx,
              acct,
              { status: 'active', text, ...filter },
              { after, limit },
              7,
            ),
          );
          expect(counted?.exact).toBe(false);
          seen.push(...rows.map((c) => c.id));
          if (rows.length < limit) break;
          after = rows[rows.length - 1]!.id;
        }
        return seen;
      };
      const ids = all.map((c) => c.customerId);
      expect(all.filter((c) => c.lastName === 'Pagerman')).toHaveLength(3);
      expect(await pages({}, 4)).toEqual(ids);
      expect(await pages({}, 50)).toEqual(ids);
      const third = all.filter((c) => c.tags.some((t) => t.name === 'third')).map((c) => c.customerId);
      expect(await pages({ tagKey: 'third' }, 2)).toEqual(third);
      // Through the API (a read of 1,001 a kind: every kind narrow here) the same pages.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: CustomerList = await list(acct, { q: 'pager', limit: 4, ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(n);
        seen.push(...page.customers.map((c) => c.customerId));
        cursor = page.nextCursor;
      } while (cursor && seen.length <= n);
      expect(seen).toEqual(ids);
    });

    it('R2.11: keyset pages through a filtered search visit each match once, in id order, with the same total on every page', async () => {
      const acct = uniqueName('acct');
      const vip = [1, 2, 3, 4, 5].map((n) =>
        orderEvent(acct, { buyer: buyer(`vip${n}`), tags: ['VIP'], order: { total: n } }),
      );
      const rest = [1, 2, 3].map((n) => orderEvent(acct, { buyer: buyer(`plain${n}`) }));
      await publishAll([vip[0]!, rest[0]!, vip[1]!, vip[2]!, rest[1]!, vip[3]!, rest[2]!, vip[4]!]);
      const all = await until(acct, 8, 'eight customers');
      const wanted = all.customers
        .filter((c) => c.tags.some((t) => t.name === 'VIP'))
        .map((c) => c.customerId);
      expect(wanted).toHaveLength(5);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: CustomerList = await list(acct, { tag: 'vip', limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(5);
        seen.push(...page.customers.map((c) => c.customerId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(wanted);
      expect(seen).toEqual([...seen].sort());
      // A tag at least as common as the read cap (3 here, 1,001 through the API) is read in id
      // order with the tag probed per row on MariaDB: the same pages.
      const { db } = getEnv().svc;
      const viaCommonTag: string[] = [];
      let after: string | undefined;
      for (let k = 0; k < 10; k++) {
        const { rows } = await db.transaction((tx) =>
          customerRepository.findCustomersCounted(
            tx,
            acct,
            { status: 'active', tagKey: 'vip' },
            { after, limit: 2 },
            3,
          ),
        );
        viaCommonTag.push(...rows.map((c) => c.id));
        if (rows.length < 2) break;
        after = rows[rows.length - 1]!.id;
      }
      expect(viaCommonTag).toEqual(wanted);
    });

    it('R2.11: the tag filter follows the records: a tag added by a later order is found, a tag removed from the record is not (customer_tags kept on every write)', async () => {
      const acct = uniqueName('acct');
      const who = buyer('tagged', { username: 'tagged' });
      await publishAll([orderEvent(acct, { order: { ...stores.shopify }, buyer: who, tags: ['Wholesale'] })]);
      const [c] = (await until(acct, 1, 'one customer')).customers;
      expect(await emails(acct, { tag: 'wholesale' })).toEqual(['tagged@buyers.example']);
      expect(await emails(acct, { tag: 'Acme eBay' })).toEqual([]);
      // A later order from another store adds the eBay store's tags to the same record (R1.8).
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.ebay },
          buyer: { ...who, username: 'tagged-on-ebay' },
          tags: ['Gift'],
        }),
      ]);
      await waitFor(async () => (await emails(acct, { tag: 'acme ebay' })).length === 1, {
        ...WAIT,
        what: 'the eBay tag on the record',
      });
      expect(await emails(acct, { tag: 'GIFT' })).toEqual(['tagged@buyers.example']);
      // Any write path that drops a tag (an edit, a merge) goes through the repository.
      const { db } = getEnv().svc;
      await db.transaction(async (tx) => {
        const [rec] = await customerRepository.customersById(tx, [{ accountId: acct, id: c!.customerId }]);
        await customerRepository.updateCustomers(tx, [
          { ...rec!, tags: rec!.tags.filter((t) => t !== 'Wholesale'), version: rec!.version + 1 },
        ]);
      });
      expect(await emails(acct, { tag: 'wholesale' })).toEqual([]);
      expect(await emails(acct, { tag: 'gift' })).toEqual(['tagged@buyers.example']);
      expect(await emails(uniqueName('acct'), { tag: 'gift' })).toEqual([]);
    });

    it('R2.11: created and updated ranges (from inclusive, to exclusive) and the status filter', async () => {
      const acct = uniqueName('acct');
      await publishAll([orderEvent(acct, { buyer: buyer('early') })]);
      const [early] = (await until(acct, 1, 'the first customer')).customers;
      await publishAll([orderEvent(acct, { buyer: buyer('late'), shipTo: address('Late', '2 Late St') })]);
      const later = (await until(acct, 2, 'the second customer')).customers.find(
        (c) => c.email === 'late@buyers.example',
      )!;
      expect(later.createDate > early!.createDate).toBe(true);
      expect(await emails(acct, { createdFrom: later.createDate })).toEqual(['late@buyers.example']);
      expect(await emails(acct, { createdTo: later.createDate })).toEqual(['early@buyers.example']);
      expect(
        await emails(acct, { createdFrom: early!.createDate, createdTo: '2999-01-01T00:00:00.000Z' }),
      ).toEqual(['early@buyers.example', 'late@buyers.example']);
      expect(await emails(acct, { updatedFrom: later.modifyDate })).toEqual(['late@buyers.example']);
      expect(await emails(acct, { updatedTo: early!.modifyDate })).toEqual([]);
      expect(await emails(acct, { status: 'active' })).toHaveLength(2);
      expect(await emails(acct, { status: 'archived' })).toEqual([]);
    });
  });
}
