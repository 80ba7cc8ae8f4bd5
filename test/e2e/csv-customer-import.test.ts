import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { OrderImported } from '@crp/contracts/events/order-imported';
import { newEvent } from '@crp/contracts/new-event';
import { createCsvImportService } from '@crp/csv-import-service/composition-root';
import { loadConfig as csvConfig } from '@crp/csv-import-service/config';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { fixturePath } from '@crp/testing/fixtures';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { SECRET, startSystem, type System } from './support/system';

type Customer = Record<string, unknown> & {
  customerId: string;
  email: string | null;
  tags: Array<{ name: string }>;
  addresses: Record<string, Record<string, string | null> | null>;
  version: number;
};

// Customer CSV import across two services (SPEC §4, ADR 0012): csv-import-service reads the file
// and sends the rows in chunks; the real customer-service applies them (R4.1–R4.3) and answers
// per row; the job counts those answers. In-process bus and SQLite.
describe('customer CSV import: csv-import → customer-service', () => {
  let bus: InProcessBus;
  let sys: System;
  let csv: Awaited<ReturnType<typeof createCsvImportService>>;
  let dir: string;

  beforeAll(async () => {
    bus = new InProcessBus();
    dir = mkdtempSync(join(tmpdir(), 'e2e-csv-cust-'));
    sys = await startSystem({ customerDbUrl: 'sqlite::memory:', orderDbUrl: 'sqlite::memory:', bus });
    csv = await createCsvImportService(
      csvConfig({
        DATABASE_URL: 'sqlite::memory:',
        BUS: 'in-process',
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        OUTBOX_POLL_MS: '20',
        CSV_IMPORT_DIR: dir,
        CSV_IMPORT_POLL_MS: '20',
      }),
      { bus, logger: testLogger('csv-import-service') },
    );
    await csv.start();
  });
  afterAll(async () => {
    await csv?.stop();
    await sys?.stop();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(accountId: string, file: Buffer | string, fields: Record<string, string> = {}) {
    const token = await sys.token(accountId);
    let r = request(csv.app)
      .post('/v1/imports')
      .set('Authorization', `Bearer ${token}`)
      .field('kind', 'customers');
    for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
    const res = await r.attach('file', Buffer.from(file), 'customers.csv');
    expect(res.status).toBe(202);
    return finished(accountId, res.body.jobId as string);
  }
  async function finished(accountId: string, jobId: string) {
    const token = await sys.token(accountId);
    return waitFor(
      async () => {
        const job = await request(csv.app)
          .get(`/v1/imports/${jobId}`)
          .set('Authorization', `Bearer ${token}`);
        return job.body.status === 'completed' && job.body;
      },
      { timeoutMs: 30000, what: `import ${jobId} to complete` },
    );
  }
  const get = async (accountId: string, app: System['customers']['app'], path: string) =>
    request(app)
      .get(path)
      .set('Authorization', `Bearer ${await sys.token(accountId)}`);
  const customers = async (accountId: string) =>
    (await get(accountId, sys.customers.app, '/v1/customers?limit=500')).body.customers as Customer[];
  const byEmail = async (accountId: string, email: string) =>
    (await customers(accountId)).find((c) => c.email === email);

  it("R4.1 PrestaShop's customer and address samples: created, then addresses per part; re-import unchanged", async () => {
    const a = 'pscust';
    const job = await upload(a, readFileSync(fixturePath('prestashop', 'customers_import.csv')));
    expect(job).toMatchObject({
      totalRows: 9,
      counts: { created: 9, updated: 0, unchanged: 0, rejected: 0 },
    });
    expect(await byEmail(a, 'James.Hook@prestashop.com')).toMatchObject({
      firstName: 'James',
      lastName: 'Hook',
      birthDate: '1952-12-04',
      tags: [{ name: 'Customer' }, { name: 'Carribean' }],
      marketingConsent: { email: expect.objectContaining({ state: 'not_subscribed', source: 'csv' }) },
    });
    const addresses = await upload(a, readFileSync(fixturePath('prestashop', 'addresses_import.csv')));
    expect(addresses).toMatchObject({ totalRows: 16, counts: { created: 0, updated: 11, rejected: 5 } });
    const hook = (await byEmail(a, 'James.Hook@prestashop.com'))!;
    expect(hook).toMatchObject({ birthDate: '1952-12-04', phone: '06 02 03 04 05' });
    expect(hook.addresses.shipping).toMatchObject({
      company: 'Räuber Schätze GmBH',
      street1: '12 Leipziger Platz',
      country: 'DE',
      phone: '01 02 03 04 05',
    });
    expect((await byEmail(a, 'Wendy.Moira.Darling@prestashop.com'))!.addresses.shipping).toMatchObject({
      city: 'London',
      street2: 'Kensington',
      country: 'GB',
    });
    const again = await upload(a, readFileSync(fixturePath('prestashop', 'customers_import.csv')));
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 9, rejected: 0 });
    expect(await customers(a)).toHaveLength(9);
  });

  it('R4.2 + R4.3: a store customer is rejected and untouched; blank cells clear, duplicates are unchanged', async () => {
    const a = 'mixcust';
    await bus.publish([
      {
        topic: 'OrderImported',
        key: a,
        value: JSON.stringify(
          newEvent(OrderImported, { accountId: a, correlationId: 'e2e' }, {
            order: {
              orderId: 'ord_e2e_1',
              storeId: 'st_shopify_1',
              storeType: 'shopify',
              storeName: 'Acme Shopify',
              storeOrderId: 'so-1',
              orderNumber: '#1001',
              orderDate: '2026-11-20T10:00:00.000Z',
              orderStatus: 'awaiting_shipment',
              total: 10,
              currency: 'USD',
              revision: 1,
            },
            buyer: {
              username: 'bo-shop',
              email: 'bo@example.com',
              phone: null,
              name: 'Bo Shop',
              firstName: 'Bo',
              lastName: 'Shop',
              company: null,
              birthDate: null,
              marketingConsent: {},
            },
            shipTo: null,
            billTo: null,
            tags: [],
            source: 'store',
          } as never),
        ),
      },
    ]);
    const shop = await waitFor(() => byEmail(a, 'bo@example.com'), { what: 'the store customer' });
    await upload(a, 'Email,First Name,Phone,Tags\nkim@example.com,Kim,+1 613 555 0000,"a,b"\n');
    const job = await upload(
      a,
      'Email,First Name,Phone,Tags\nbo@example.com,Robert,,\nkim@example.com,Kim,,c\nkim@example.com,Kim,,c\n',
    );
    expect(job.counts).toEqual({ created: 0, updated: 1, unchanged: 1, rejected: 1 });
    const errors = await get(a, csv.app, `/v1/imports/${job.jobId}/errors.csv`);
    expect(errors.text).toMatch(
      /^2,"customer cus_\w+ belongs to store ""Acme Shopify"" \(shopify\).*R4\.2\)",bo@example.com,Robert,,$/m,
    );
    expect(await byEmail(a, 'bo@example.com')).toMatchObject({ firstName: 'Bo', version: shop.version });
    expect(await byEmail(a, 'kim@example.com')).toMatchObject({
      firstName: 'Kim',
      phone: null,
      tags: [{ name: 'c' }],
    });
  });

  it('R4.3 dry run: would-be counts and the fields blank cells would clear, nothing changed; then apply', async () => {
    const a = 'drycust';
    await upload(a, 'Email,First Name,Phone\nlee@example.com,Lee,+1 613 555 1111\n');
    const before = (await byEmail(a, 'lee@example.com'))!;
    const dry = await upload(a, 'Email,First Name,Phone\nlee@example.com,Leona,\nnew@example.com,New,\n', {
      dryRun: 'true',
    });
    expect(dry).toMatchObject({
      dryRun: true,
      counts: { created: 1, updated: 1, unchanged: 0, rejected: 0 },
    });
    const preview = await get(a, csv.app, `/v1/imports/${dry.jobId}/preview`);
    expect(preview.body.rows[0]).toMatchObject({
      lineNumber: 2,
      outcome: 'updated',
      customerId: before.customerId,
      changes: [
        { field: 'firstName', before: 'Lee', after: 'Leona', clearedByBlank: false },
        { field: 'phone', before: '+1 613 555 1111', after: null, clearedByBlank: true },
      ],
      clears: ['phone'],
    });
    expect(await customers(a)).toHaveLength(1);
    expect(await byEmail(a, 'lee@example.com')).toMatchObject({ firstName: 'Lee', version: before.version });
    const token = await sys.token(a);
    const applied = await request(csv.app)
      .post(`/v1/imports/${dry.jobId}/apply`)
      .set('Authorization', `Bearer ${token}`);
    expect(applied.status).toBe(202);
    const real = await finished(a, applied.body.jobId as string);
    expect(real.counts).toEqual({ created: 1, updated: 1, unchanged: 0, rejected: 0 });
    expect(await byEmail(a, 'lee@example.com')).toMatchObject({ firstName: 'Leona', phone: null });
    expect(await customers(a)).toHaveLength(2);
  });
});
