import request from 'supertest';
import { parse } from 'csv-parse/sync';
import type { OrderImportedV1 } from '@crp/contracts/events/order-imported';
import { signDevToken } from '@crp/platform/auth';
import { uniqueName } from '@crp/testing/real-infra';
import { waitFor } from '@crp/testing/wait';
import type { CustomerView } from '../../src/app/customer-view';
import { exportChunks, openExport } from '../../src/app/export-customers';
import { EXPORT_COLUMNS } from '../../src/app/export-format';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { SECRET, address, buyer, orderEvent, stores, type Env } from './scenarios';

const WAIT = { timeoutMs: 20000, intervalMs: 50 };

/** Collects a streamed body as bytes, whatever its content type. */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/**
 * R2.11 export, seen from outside: orders on the bus, the file read through the API. Run on
 * SQLite + the in-process bus and on MariaDB + Kafka.
 */
export function exportScenarios(getEnv: () => Env) {
  const token = (accountId: string) => signDevToken(SECRET, { accountId, role: 'member' });
  const download = async (accountId: string, query: string) =>
    request(getEnv().svc.app)
      .get(`/v1/customers/export${query}`)
      .set('Authorization', `Bearer ${await token(accountId)}`)
      .buffer(true)
      .parse(binary);
  const publishAll = (events: OrderImportedV1[]) =>
    getEnv().bus.publish(
      events.map((e) => ({ topic: 'OrderImported', key: e.accountId, value: JSON.stringify(e) })),
    );
  const until = (accountId: string, total: number) =>
    waitFor(
      async () => {
        const res = await request(getEnv().svc.app)
          .get('/v1/customers')
          .query({ limit: 500 })
          .set('Authorization', `Bearer ${await token(accountId)}`);
        return res.body.total === total ? (res.body.customers as CustomerView[]) : undefined;
      },
      { ...WAIT, what: `${total} customers` },
    );
  const rowsOf = (body: Buffer) =>
    parse(body.toString('utf8').replace(/^\ufeff/, ''), { columns: true }) as Array<Record<string, string>>;

  describe('export (R2.11)', () => {
    it('R2.11 CSV: UTF-8 with a BOM, the documented header row, one row per matching customer with accents intact, the same filters as search, and nothing of another account', async () => {
      const acct = uniqueName('acct');
      const other = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          order: { ...stores.shopify },
          buyer: buyer('zoe', {
            name: 'Zoë Ünal',
            firstName: 'Zoë',
            lastName: 'Ünal',
            company: 'Café, "Ltd"',
          }),
          shipTo: address('Zoë Ünal', 'Rue de l’Église 3', { city: 'Montréal', country: 'CA' }),
          tags: ['VIP'],
        }),
        orderEvent(acct, { order: { ...stores.ebay }, buyer: buyer('plain') }),
      ]);
      await publishAll([orderEvent(other, { buyer: buyer('foreign'), tags: ['VIP'] })]);
      const [zoe] = (await until(acct, 2)).filter((c) => c.email === 'zoe@buyers.example');
      await until(other, 1);

      const res = await download(acct, '');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="customers-\d{4}-\d\d-\d\d\.csv"$/,
      );
      const body = res.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = body.toString('utf8');
      expect(text.slice(1, text.indexOf('\r\n'))).toBe(EXPORT_COLUMNS.join(','));
      const rows = rowsOf(body);
      expect(rows.map((r) => r.email).sort()).toEqual(['plain@buyers.example', 'zoe@buyers.example']);
      const z = rows.find((r) => r.customerId === zoe!.customerId)!;
      expect(z).toMatchObject({
        status: 'active',
        name: 'Zoë Ünal',
        company: 'Café, "Ltd"',
        'shippingAddress.street1': 'Rue de l’Église 3',
        'shippingAddress.city': 'Montréal',
        'shippingAddress.country': 'CA',
        orderCount: '1',
        totalSpent: '100.00',
        usernames: `${stores.shopify.storeId}:user-zoe`,
        createDate: zoe!.createDate,
      });
      expect(z.tags!.split('; ')).toEqual(expect.arrayContaining(['VIP', 'shopify', 'Acme Shopify']));

      // The same filters as search: tag, storeId, q.
      expect(rowsOf((await download(acct, '?tag=vip')).body).map((r) => r.email)).toEqual([
        'zoe@buyers.example',
      ]);
      expect(
        rowsOf((await download(acct, `?storeId=${stores.ebay.storeId}`)).body).map((r) => r.email),
      ).toEqual(['plain@buyers.example']);
      // Nothing matches: still a file with its header row.
      const none = await download(acct, '?q=nobody');
      expect(none.status).toBe(200);
      expect((none.body as Buffer).toString('utf8')).toBe(`\ufeff${EXPORT_COLUMNS.join(',')}\r\n`);
    });

    it('R2.11 CSV: cells beginning with =, +, -, @, a tab or a carriage return are neutralised with a leading apostrophe (formula injection); phones stay as written', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, {
          buyer: buyer('mallory', {
            name: '=HYPERLINK("http://evil.example","click")',
            firstName: '=HYPERLINK("http://evil.example","click")',
            lastName: '-2+3',
            company: '@SUM(1+1)',
            phone: '+1 613-555-0199',
          }),
          shipTo: address('Mallory', '\tcmd|/C calc', { street2: '\r=1+1', city: 'Safe-City' }),
        }),
      ]);
      await until(acct, 1);
      const [row] = rowsOf((await download(acct, '')).body);
      expect(row).toMatchObject({
        name: `'=HYPERLINK("http://evil.example","click")`,
        lastName: `'-2+3`,
        company: `'@SUM(1+1)`,
        phone: '+1 613-555-0199', // a phone is data, not a formula: it stays as written
        'shippingAddress.street1': `'\tcmd|/C calc`,
        'shippingAddress.street2': `'\r=1+1`,
        'shippingAddress.city': 'Safe-City', // only a leading character counts
      });
    });

    it('R2.11 JSON: one array of customers as the API shows them, with the same filters; an empty match is []', async () => {
      const acct = uniqueName('acct');
      await publishAll([
        orderEvent(acct, { buyer: buyer('one'), tags: ['b2b'] }),
        orderEvent(acct, { buyer: buyer('two') }),
      ]);
      const listed = await until(acct, 2);
      const res = await download(acct, '?format=json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const all = JSON.parse((res.body as Buffer).toString('utf8')) as CustomerView[];
      expect(all).toEqual(listed);
      const b2b = JSON.parse(
        (await download(acct, '?format=json&tag=B2B')).body.toString('utf8'),
      ) as CustomerView[];
      expect(b2b.map((c) => c.email)).toEqual(['one@buyers.example']);
      expect(JSON.parse((await download(acct, '?format=json&q=zzz')).body.toString('utf8'))).toEqual([]);
      expect(JSON.parse((await download(uniqueName('acct'), '?format=json')).body.toString('utf8'))).toEqual(
        [],
      );
    });

    it('R2.11 export: a bad filter or format is a 400 before any byte of a file', async () => {
      const acct = uniqueName('acct');
      const unknown = await download(acct, '?colour=red');
      expect(unknown.status).toBe(400);
      expect(JSON.parse(unknown.body.toString('utf8')).error.message).toContain('colour');
      expect((await download(acct, '?format=xml')).status).toBe(400);
      const phone = await download(acct, '?phone=not-a-phone');
      expect(phone.status).toBe(400);
      expect(phone.headers['content-type']).toMatch(/application\/json/);
    });

    it('R2.11 export reads keyset pages one after the other: every match once, in id order, whatever the page size', async () => {
      const acct = uniqueName('acct');
      await publishAll([1, 2, 3, 4, 5].map((n) => orderEvent(acct, { buyer: buyer(`paged${n}`) })));
      const listed = await until(acct, 5);
      const pages = await openExport(getEnv().svc.db, customerRepository, acct, {}, 2);
      const sizes: number[] = [];
      const ids: string[] = [];
      for await (const page of pages) {
        sizes.push(page.customers.length);
        ids.push(...page.customers.map((c) => c.id));
        for (const c of page.customers) expect(page.identitiesOf.get(c.id)).toHaveLength(1);
      }
      expect(sizes).toEqual([2, 2, 1]);
      expect(ids).toEqual(listed.map((c) => c.customerId));
      // The CSV path reads its own lean pages (with read-ahead): the same rows, once each.
      const chunks = await exportChunks(getEnv().svc.db, customerRepository, acct, {}, 'csv', 2);
      const texts: string[] = [];
      for await (const chunk of chunks) texts.push(chunk);
      expect(texts).toHaveLength(4); // the header, then three pages
      expect(rowsOf(Buffer.from(texts.join(''))).map((r) => r.customerId)).toEqual(ids);
    });
  });
}
