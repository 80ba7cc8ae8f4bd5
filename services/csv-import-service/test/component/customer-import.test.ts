import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { IsNull } from 'typeorm';
import { CSV_IMPORT_LIMITS, TEXT_LIMITS } from '@crp/contracts/limits';
import { InboxEntity, OutboxEntity } from '@crp/messaging/tables';
import { fixturePath } from '@crp/testing/fixtures';
import { waitFor } from '@crp/testing/wait';
import { startEmbedded, type Embedded } from '../support/harness';

/** Parses our own CSV output (errors.csv, preview.csv): BOM, CRLF, quotes. */
function rowsOf(text: string): string[][] {
  const { parse } = jest.requireActual<typeof import('csv-parse/sync')>('csv-parse/sync');
  return parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
}

describe('customer CSV import on the embedded stack, customer-service played by its test double (R4.1–R4.5)', () => {
  let sys: Embedded;
  let n = 0;
  /** A fresh account per test, so the double's customers of one test never meet another's. */
  const account = () => `acct${++n}`;
  beforeAll(async () => {
    sys = await startEmbedded();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  async function importFile(accountId: string, file: Buffer | string, fields: Record<string, string> = {}) {
    const res = await sys.upload(accountId, file, fields);
    expect(res.status).toBe(202);
    return sys.finished(accountId, res.body.jobId as string);
  }

  it('imports a UTF-8 file with a BOM, keeping accents, and counts what customer-service answered', async () => {
    const a = account();
    const job = await importFile(
      a,
      '\uFEFFFirst Name,Last Name,E-mail,Phone\nZoë,Müller,zoe@example.com,+49 30 1234567\nGrace,Hopper,grace@example.com,\n',
    );
    expect(job).toMatchObject({
      status: 'completed',
      format: { encoding: 'utf-8', delimiter: ',', profile: 'generic' },
      totalRows: 2,
      processedRows: 2,
      counts: { created: 2, updated: 0, unchanged: 0, rejected: 0 },
      progress: { percent: 100, totalRowsExact: true },
    });
    expect(sys.customers.byEmail(a, 'zoe@example.com')?.values).toEqual({
      firstName: 'Zoë',
      lastName: 'Müller',
      email: 'zoe@example.com',
      phone: '+49 30 1234567',
    });
    expect(sys.customers.byEmail(a, 'grace@example.com')?.values.phone).toBeNull();
  });

  it('detects Windows-1252 (accents, €) and semicolons with CRLF and quoted newlines', async () => {
    const a = account();
    const text =
      'Nom;Prénom;Email;Notes\r\nDupré;Renée;renee@example.fr;"Livrer après 18h\r\nsonner 2×"\r\nMüller;Jürgen;juergen@example.de;Preis 5 €\r\nbad;row;not-an-email;\r\n';
    const job = await importFile(a, iconv.encode(text, 'win1252'));
    expect(job).toMatchObject({
      format: { encoding: 'windows-1252', delimiter: ';' },
      warnings: ['the file is not UTF-8: read as Windows-1252'],
      counts: { created: 2, rejected: 1 },
      totalRows: 3,
    });
    expect(sys.customers.byEmail(a, 'renee@example.fr')?.values).toMatchObject({
      lastName: 'Dupré',
      firstName: 'Renée',
      notes: 'Livrer après 18h\r\nsonner 2×',
    });
    expect(sys.customers.byEmail(a, 'juergen@example.de')?.values.notes).toBe('Preis 5 €');
    // The quoted newline makes the bad row start on line 5, not 4.
    const errors = await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`);
    expect(errors.headers['content-type']).toMatch(/text\/csv/);
    expect(rowsOf(errors.text)).toEqual([
      ['line', 'reason', 'Nom', 'Prénom', 'Email', 'Notes'],
      ['5', 'Email (email) "not-an-email" is not an email address', 'bad', 'row', 'not-an-email', ''],
    ]);
  });

  it('issue #16 notes: over TEXT_LIMITS.note a row error at the door (never sent), at the limit imported, a blank cell sent as null (R4.3: clears them)', async () => {
    const a = account();
    const over = 'n'.repeat(TEXT_LIMITS.note + 1);
    const full = 'é'.repeat(TEXT_LIMITS.note);
    const csv = `Email,Notes\r\nlong@example.com,${over}\r\nfull@example.com,${full}\r\nblank@example.com,\r\n`;
    const job = await importFile(a, csv);
    expect(job).toMatchObject({ status: 'completed', counts: { created: 2, rejected: 1 } });
    expect(sys.customers.byEmail(a, 'long@example.com')).toBeUndefined();
    expect(sys.customers.byEmail(a, 'full@example.com')?.values.notes).toBe(full);
    expect(sys.customers.byEmail(a, 'blank@example.com')?.values).toEqual({
      email: 'blank@example.com',
      notes: null,
    });
    const errors = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`)).text);
    expect(errors.map((r) => r.slice(0, 2))).toEqual([
      ['line', 'reason'],
      ['2', expect.stringMatching(new RegExp(`Notes.*${TEXT_LIMITS.note}`))],
    ]);
  });

  it('a row longer than CSV_IMPORT_LIMITS.rowBytes (an unmapped column counts too) is a row error at the door, never sent; errors.csv shows its cells cut with a marker', async () => {
    const a = account();
    const extra = 'x'.repeat(CSV_IMPORT_LIMITS.rowBytes);
    const fits = 'y'.repeat(CSV_IMPORT_LIMITS.rowBytes - 100);
    const csv = `Email,Internal\r\nlong@example.com,${extra}\r\nfits@example.com,${fits}\r\n`;
    const job = await importFile(a, csv);
    expect(job).toMatchObject({ status: 'completed', counts: { created: 1, rejected: 1 } });
    expect(sys.customers.byEmail(a, 'long@example.com')).toBeUndefined();
    expect(sys.customers.byEmail(a, 'fits@example.com')).toBeDefined();
    const errors = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`)).text);
    expect(errors).toHaveLength(2);
    const [line, reason, email, internal] = errors[1]!;
    expect([line, email]).toEqual(['2', 'long@example.com']);
    expect(reason).toContain(`longer than ${CSV_IMPORT_LIMITS.rowBytes} bytes`);
    expect(internal).toMatch(/^x+… \[\d+ more characters not kept\]$/);
  });

  it('takes the encoding and delimiter when given', async () => {
    const a = account();
    const job = await importFile(
      a,
      iconv.encode('Email|Company\nx@example.com|Société Générale\n', 'latin1'),
      {
        encoding: 'latin1',
        delimiter: '|',
      },
    );
    expect(job).toMatchObject({ format: { encoding: 'iso-8859-1', delimiter: '|' }, counts: { created: 1 } });
    expect(sys.customers.byEmail(a, 'x@example.com')?.values.company).toBe('Société Générale');
  });

  it('a bad row never stops the good ones: wrong column count, bad email, unreadable phone, blank rows', async () => {
    const a = account();
    const csv = [
      'Email,First Name,Phone',
      'ok1@example.com,One,+1 613 555 1212',
      'ok2@example.com,Two',
      'nope,Three,',
      'ok4@example.com,Four,555-555-SHIP',
      ',,',
      'ok6@example.com,Six,(613)555-1212',
      '',
    ].join('\n');
    const job = await importFile(a, csv);
    expect(job).toMatchObject({
      status: 'completed',
      totalRows: 5,
      blankRows: 1,
      counts: { created: 2, updated: 0, unchanged: 0, rejected: 3 },
    });
    const errors = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`)).text);
    expect(errors.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['3', 'the row has 2 cells where the header has 3 columns'],
      ['4', 'Email (email) "nope" is not an email address'],
      ['5', 'Phone (phone) "555-555-SHIP" cannot be read as a phone number'],
    ]);
    expect(errors[1]).toEqual(['3', expect.any(String), 'ok2@example.com', 'Two']);
  });

  it('duplicate rows: the second sees the first and is unchanged', async () => {
    const a = account();
    const job = await importFile(
      a,
      'Email,First Name\nsam@example.com,Sam\nsam@example.com,Sam\nsam@example.com,Samuel\n',
    );
    expect(job.counts).toEqual({ created: 1, updated: 1, unchanged: 1, rejected: 0 });
    expect(sys.customers.byEmail(a, 'sam@example.com')?.values.firstName).toBe('Samuel');
  });

  it('blank cells clear data (R4.3); columns the file lacks are left alone', async () => {
    const a = account();
    const before = sys.customers.seed({
      accountId: a,
      store: 'manual',
      values: { email: 'kim@example.com', firstName: 'Kim', phone: '+1 613 555 0000', notes: 'keep me' },
    });
    const job = await importFile(a, 'Email,First Name,Phone\nkim@example.com,Kim,\n');
    expect(job.counts).toMatchObject({ updated: 1 });
    expect(sys.customers.customers.get(before.id)?.values).toEqual({
      email: 'kim@example.com',
      firstName: 'Kim',
      phone: null,
      notes: 'keep me',
    });
  });

  it("rejects rows for a connected store's customer with the reason, in the error report with the cells (R4.2)", async () => {
    const a = account();
    const owned = sys.customers.seed({
      accountId: a,
      store: 'Acme Shopify',
      values: { email: 'shop@example.com', firstName: 'Bo' },
    });
    const job = await importFile(a, 'Email,First Name\nshop@example.com,Robert\nnew@example.com,New\n');
    expect(job.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect(sys.customers.customers.get(owned.id)?.values.firstName).toBe('Bo');
    const errors = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`)).text);
    expect(errors).toEqual([
      ['line', 'reason', 'Email', 'First Name'],
      ['2', expect.stringMatching(/belongs to store "Acme Shopify".*R4\.2/), 'shop@example.com', 'Robert'],
    ]);
  });

  it('dry run: would-be counts and per-row changes, nothing changed; then apply imports it', async () => {
    const a = account();
    const kim = sys.customers.seed({
      accountId: a,
      store: 'manual',
      values: { email: 'kim@example.com', firstName: 'Kim', phone: '+1 613 555 0000' },
    });
    const res = await sys.upload(
      a,
      'Email,First Name,Phone\nkim@example.com,Kimberly,\nlee@example.com,Lee,+1 613 555 1111\nlee@example.com,Lee,+1 613 555 1111\n',
      { dryRun: 'true' },
    );
    const job = await sys.finished(a, res.body.jobId as string);
    expect(job).toMatchObject({
      dryRun: true,
      status: 'completed',
      counts: { created: 1, updated: 1, unchanged: 1, rejected: 0 },
    });
    expect(sys.customers.customers.get(kim.id)?.values.firstName).toBe('Kim');
    expect(sys.customers.byEmail(a, 'lee@example.com')).toBeUndefined();

    const page1 = await sys.get(a, `/v1/imports/${job.jobId}/preview?limit=2`);
    expect(page1.body).toMatchObject({
      complete: true,
      counts: { created: 1, updated: 1, unchanged: 1 },
      nextCursor: 3,
    });
    expect(page1.body.rows[0]).toEqual({
      lineNumber: 2,
      outcome: 'updated',
      customerId: kim.id,
      reason: null,
      changes: [
        { field: 'firstName', before: 'Kim', after: 'Kimberly', clearedByBlank: false },
        { field: 'phone', before: '+1 613 555 0000', after: null, clearedByBlank: true },
      ],
      clears: ['phone'],
      warnings: [],
    });
    const page2 = await sys.get(a, `/v1/imports/${job.jobId}/preview?limit=2&cursor=3`);
    expect(page2.body.rows).toEqual([
      expect.objectContaining({ lineNumber: 4, outcome: 'unchanged', changes: [] }),
    ]);
    expect(page2.body.nextCursor).toBeNull();
    const onlyCreated = await sys.get(a, `/v1/imports/${job.jobId}/preview?outcome=created`);
    expect(onlyCreated.body.rows.map((r: { lineNumber: number }) => r.lineNumber)).toEqual([3]);

    const previewCsv = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/preview.csv`)).text);
    expect(previewCsv[0]).toEqual([
      'line',
      'outcome',
      'customerId',
      'field',
      'before',
      'after',
      'clearedByBlank',
      'reason',
      'warnings',
    ]);
    expect(previewCsv).toContainEqual([
      '2',
      'updated',
      kim.id,
      'phone',
      '+1 613 555 0000',
      '',
      'yes',
      '',
      '',
    ]);

    const applied = await sys.post(a, `/v1/imports/${job.jobId}/apply`);
    expect(applied.status).toBe(202);
    expect(applied.body).toMatchObject({ dryRun: false, sourceJobId: job.jobId, status: 'queued' });
    const real = await sys.finished(a, applied.body.jobId as string);
    expect(real.counts).toEqual({ created: 1, updated: 1, unchanged: 1, rejected: 0 });
    expect(sys.customers.customers.get(kim.id)?.values).toMatchObject({ firstName: 'Kimberly', phone: null });
    expect((await sys.get(a, `/v1/imports/${real.jobId}/preview`)).status).toBe(409);
  });

  it("PrestaShop's customer sample: its own columns, its Customer ID and passwords ignored", async () => {
    const a = account();
    const job = await importFile(a, readFileSync(fixturePath('prestashop', 'customers_import.csv')));
    expect(job).toMatchObject({
      format: { profile: 'prestashop-customers', delimiter: ';', encoding: 'utf-8' },
      totalRows: 9,
      counts: { created: 9, rejected: 0 },
    });
    expect(job.ignoredColumns.map((c: { header: string }) => c.header)).toEqual(
      expect.arrayContaining(['Customer ID', 'Password *']),
    );
    expect(sys.customers.byEmail(a, 'James.Hook@prestashop.com')?.values).toEqual({
      birthDate: '1952-12-04',
      email: 'James.Hook@prestashop.com',
      emailConsent: 'not_subscribed',
      firstName: 'James',
      lastName: 'Hook',
      tags: ['Customer', 'Carribean'],
    });
    expect(sys.customers.byEmail(a, 'Peter.Pan@prestashop.com')?.values.emailConsent).toBe('subscribed');
  });

  it("PrestaShop's address sample over its customers: addresses land, a later address of the same customer replaces", async () => {
    const a = account();
    await importFile(a, readFileSync(fixturePath('prestashop', 'customers_import.csv')));
    const job = await importFile(a, readFileSync(fixturePath('prestashop', 'addresses_import.csv')));
    // 11 customer addresses (a later one of the same customer replaces the earlier); 5 manufacturer
    // and supplier addresses are not customers'.
    expect(job).toMatchObject({
      format: { profile: 'prestashop-addresses' },
      totalRows: 16,
      counts: { created: 0, updated: 11, rejected: 5 },
    });
    const errors = rowsOf((await sys.get(a, `/v1/imports/${job.jobId}/errors.csv`)).text);
    expect(errors.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['13', 'an address of manufacturer "Apple", not of a customer'],
      ['14', 'an address of manufacturer "Shure", not of a customer'],
      ['15', 'an address of manufacturer "Shure", not of a customer'],
      ['16', 'an address of supplier "U.P.S", not of a customer'],
      ['17', 'an address of supplier "FedEX", not of a customer'],
    ]);
    const hook = sys.customers.byEmail(a, 'James.Hook@prestashop.com')!.values;
    expect(hook).toMatchObject({
      birthDate: '1952-12-04', // not in the address file: untouched
      'shippingAddress.company': 'Räuber Schätze GmBH',
      'shippingAddress.street1': '12 Leipziger Platz',
      'shippingAddress.country': 'DE',
      'shippingAddress.phone': '01 02 03 04 05',
      phone: '06 02 03 04 05',
    });
    expect(sys.customers.byEmail(a, 'Wendy.Moira.Darling@prestashop.com')!.values).toMatchObject({
      'shippingAddress.city': 'London',
      'shippingAddress.street2': 'Kensington',
      'shippingAddress.country': 'GB',
    });
    expect(sys.customers.byEmail(a, 'Bob.Smee@prestashop.com')!.values).toMatchObject({
      'shippingAddress.city': 'Hillsboro',
      'shippingAddress.country': 'US',
    });
  });

  it("Shopify's customer export headers", async () => {
    const a = account();
    const header =
      'First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Tags,Note,Tax Exempt';
    const row =
      'Bob,Norman,bob.norman@mail.example.com,yes,Acme,Chestnut Street 92,,Louisville,KY,US,40202,+1(502)-459-2181,+16136120707,no,"vip, wholesale",Call first,no';
    const job = await importFile(a, `${header}\n${row}\n`);
    expect(job).toMatchObject({ format: { profile: 'shopify-customers' }, counts: { created: 1 } });
    expect(sys.customers.byEmail(a, 'bob.norman@mail.example.com')!.values).toMatchObject({
      company: 'Acme',
      'shippingAddress.company': 'Acme',
      'shippingAddress.street1': 'Chestnut Street 92',
      'shippingAddress.street2': null,
      'shippingAddress.state': 'KY',
      'shippingAddress.country': 'US',
      'shippingAddress.phone': '+1(502)-459-2181',
      phone: '+16136120707',
      emailConsent: 'subscribed',
      smsConsent: 'not_subscribed',
      tags: ['vip', 'wholesale'],
      notes: 'Call first',
    });
  });

  it('an explicit mapping; and a mapping it cannot use is a 422 naming the problem', async () => {
    const a = account();
    const job = await importFile(a, 'Mail,Nickname\nm@example.com,Emm\n', {
      mapping: JSON.stringify({ Mail: 'email', Nickname: 'firstName' }),
    });
    expect(job).toMatchObject({
      counts: { created: 1 },
      columnMapping: { Mail: 'email', Nickname: 'firstName' },
    });
    expect(sys.customers.byEmail(a, 'm@example.com')?.values.firstName).toBe('Emm');
    const bad = await sys.upload(a, 'Mail\nm@example.com\n', { mapping: JSON.stringify({ Mail: 'e-mail' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({
      code: 'MAPPING_PROBLEM',
      message: expect.stringMatching(/"e-mail" is not a customers field/),
    });
  });

  it('refuses what is not a CSV with a 4xx and a reason, and keeps no file', async () => {
    const a = account();
    const cases: Array<[Buffer | string, number, string, RegExp]> = [
      ['', 400, 'EMPTY_FILE', /empty/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0]), 415, 'NOT_CSV', /Excel workbook/],
      [Buffer.concat([Buffer.from('Email\n'), Buffer.alloc(64, 0)]), 415, 'NOT_CSV', /binary/],
      ['{"customers": []}', 415, 'NOT_CSV', /JSON/],
      [
        'The quick brown fox\njumps over the lazy dog\n',
        422,
        'NOT_A_CUSTOMER_CSV',
        /no column of this file is a customer field/,
      ],
      ['Email,Name\n', 422, 'NO_ROWS', /no rows/],
    ];
    for (const [file, status, code, message] of cases) {
      const res = await sys.upload(a, file);
      expect([res.status, res.body.error?.code]).toEqual([status, code]);
      expect(res.body.error.message).toMatch(message);
    }
    const noFile = await (await sys.post(a, '/v1/imports')).body;
    expect(noFile.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const badKind = await sys.upload(a, 'Email\nx@y.zz\n', { kind: 'pets' });
    expect(badKind.status).toBe(400);
    expect(badKind.body.error.message).toMatch(/kind "pets" must be customers or orders/);
    const { readdirSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    expect(readdirSync(sys.dir).filter((f: string) => !f.startsWith('imp_') || f.endsWith('.part'))).toEqual(
      [],
    );
  });

  it('an order import for a store id longer than a store id can be (TEXT_LIMITS.storeId) is a 400 naming storeId, and no job', async () => {
    const a = account();
    const csv = 'Order Number,Order Date,Email\n1001,2026-11-20,a@example.com\n';
    const long = `st_${'x'.repeat(TEXT_LIMITS.storeId - 2)}`;
    const res = await sys.upload(a, csv, { kind: 'orders', storeId: long });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      `storeId is ${long.length} characters long; at most ${TEXT_LIMITS.storeId} are stored`,
    ]);
    expect((await sys.get(a, '/v1/imports')).body.jobs).toEqual([]);
  });

  it('a header line wider than a job keeps (CSV_IMPORT_LIMITS.headerBytes) is a 422 HEADER_TOO_LARGE before any job; a wide one under it is imported', async () => {
    const a = account();
    const fileOf = (columns: number, nameLength: number) => {
      const extra = Array.from({ length: columns }, (_, i) => `X${i}`.padEnd(nameLength, 'x'));
      return `Email,${extra.join(',')}\nwide@example.com${','.repeat(columns)}\n`;
    };
    // 400 columns of 200 characters: 80,000 bytes of names, over the limit before any mapping.
    const over = await sys.upload(a, fileOf(400, 200));
    expect([over.status, over.body.error?.code]).toEqual([422, 'HEADER_TOO_LARGE']);
    expect(over.body.error.message).toMatch(
      new RegExp(
        `^The header line names 401 columns in 80005 bytes: .*at most ${CSV_IMPORT_LIMITS.headerBytes}\\)`,
      ),
    );
    expect((await sys.get(a, '/v1/imports')).body.jobs).toEqual([]);
    const { readdirSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    expect(readdirSync(sys.dir).filter((f: string) => !f.startsWith('imp_') || f.endsWith('.part'))).toEqual(
      [],
    );
    // 100 columns of 100 characters: kept with the job, their cells ignored.
    const ok = await sys.upload(a, fileOf(100, 100));
    expect(ok.status).toBe(202);
    const job = await sys.finished(a, ok.body.jobId);
    expect(job).toMatchObject({ status: 'completed', counts: { created: 1 } });
    expect(job.ignoredColumns).toHaveLength(100);
  });

  it('serves the template, and every template column is recognized', async () => {
    const a = account();
    const res = await sys.get(a, '/v1/imports/templates/customers.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/customers-template\.csv/);
    const job = await importFile(a, res.text);
    expect(job.ignoredColumns).toEqual([]);
    expect(job.columns).toHaveLength(43);
    // The example targeting a customer id this account does not have is rejected; Ada is created.
    expect(job.counts).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: 1 });
    expect(sys.customers.byEmail(a, 'ada@example.com')?.values).toMatchObject({
      'shippingAddress.country': 'GB',
      tags: ['vip', 'newsletter'],
      emailConsent: 'subscribed',
      smsConsent: 'not_subscribed',
      birthDate: '1815-12-10',
    });
  });

  /** The job's events on the bus, of one topic. */
  const eventsOf = (on: Embedded, topic: string, jobId: string) =>
    on.bus
      .messagesOn(topic)
      .map((m) => JSON.parse(m.value) as { eventId: string; payload: { jobId: string; rows?: unknown[] } })
      .filter((e) => e.payload.jobId === jobId);
  /**
   * Nothing of the job is still on its way: the runner let go of it, every chunk it wrote is on
   * the bus and handled by the double, and every answer is handled here (inbox rows committed).
   */
  const quiet = async (on: Embedded, jobId: string) => {
    const ids = (topic: string) => eventsOf(on, topic, jobId).map((e) => e.eventId);
    const db = on.service.db.dataSource;
    await waitFor(() => !on.service.runner.activeJobs.includes(jobId), { what: 'the runner let go' });
    await waitFor(
      async () => (await db.getRepository(OutboxEntity).countBy({ publishedAt: IsNull() })) === 0,
      {
        what: 'the chunks published',
      },
    );
    await waitFor(() => on.customers.settled(ids('CustomerImportRequested')), {
      what: 'the chunks answered',
    });
    const answers = ids('CustomerImportRowResult');
    await waitFor(
      async () =>
        (await db.getRepository(InboxEntity).countBy(answers.map((eventId) => ({ eventId })))) ===
        answers.length,
      { what: 'the answers counted' },
    );
  };

  it("cancels: no row is sent after it, the rows sent keep their answers; another account's job is a 404 everywhere", async () => {
    // One chunk of 500 rows in flight at a time, each answered 300 ms later: the cancel comes
    // while most of the 3000 rows are still unsent.
    const slow = await startEmbedded({ CSV_IMPORT_CHUNK_ROWS: '500', CSV_IMPORT_MAX_ROWS_IN_FLIGHT: '500' });
    slow.customers.delayMs = 300;
    try {
      const a = account();
      const rows = Array.from({ length: 3000 }, (_, i) => `c${i}@example.com,C${i}`).join('\n');
      const res = await slow.upload(a, `Email,First Name\n${rows}\n`);
      const id = res.body.jobId as string;
      for (const path of [`/v1/imports/${id}`, `/v1/imports/${id}/errors.csv`, `/v1/imports/${id}/preview`]) {
        expect((await slow.get('intruder', path)).status).toBe(404);
      }
      expect((await slow.post('intruder', `/v1/imports/${id}/cancel`)).status).toBe(404);
      const cancelled = await slow.post(a, `/v1/imports/${id}/cancel`);
      expect(cancelled.body.status).toBe('cancelled');
      expect((await slow.post(a, `/v1/imports/${id}/cancel`)).status).toBe(409);
      await quiet(slow, id);
      const sent = eventsOf(slow, 'CustomerImportRequested', id).reduce(
        (n, e) => n + (e.payload.rows?.length ?? 0),
        0,
      );
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(3000);
      const after = (await slow.get(a, `/v1/imports/${id}`)).body;
      expect(after.status).toBe('cancelled');
      expect(after.processedRows).toBe(sent);
    } finally {
      await slow.stop();
    }
  });
});
