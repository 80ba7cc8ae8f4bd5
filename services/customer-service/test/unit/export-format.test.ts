import { parse } from 'csv-parse/sync';
import type { CustomerExportRecord } from '../../src/app/ports';
import { EXPORT_COLUMNS, csvHeader, csvRow, neutralise } from '../../src/app/export-format';

const record = (over: Partial<CustomerExportRecord> = {}): CustomerExportRecord => ({
  id: 'cus_1',
  status: 'active',
  mergedIntoId: null,
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: null,
  email: 'ada@example.com',
  phone: null,
  birthDate: null,
  shippingAddress: null,
  billingAddress: null,
  postalAddress: null,
  notes: null,
  tags: ['VIP', 'shopify'],
  consent: { email: { state: 'subscribed', changedAt: null, source: 'store', storeId: 'st_1' } },
  orderCount: 2,
  totalSpent: 12.5,
  firstOrderDate: '2026-11-01T00:00:00.000Z',
  lastOrderDate: null,
  createDate: '2026-11-02T00:00:00.000Z',
  modifyDate: '2026-11-03T00:00:00.000Z',
  usernames: [
    { storeId: 'st_1', username: 'ada1815' },
    { storeId: 'st_2', username: 'countess' },
  ],
  ...over,
});

const parsed = (line: string) => parse(csvHeader() + line, { columns: true })[0] as Record<string, string>;

describe('CSV export rows (R2.11)', () => {
  it('R2.11 formula injection: = + - @ tab and CR at the start of a cell get an apostrophe; elsewhere, and numbers and phones, stay', () => {
    for (const evil of ['=1+1', '+cmd|/C calc', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(neutralise(evil)).toBe(`'${evil}`);
    for (const fine of ['1+1', 'a=b', 'Safe-City', "'already", '+1 613-555-1212', '-5.00'])
      expect(neutralise(fine)).toBe(fine);
  });

  it('R2.11 one line per customer, in the documented column order, that a CSV parser reads back (quotes, commas, line breaks)', () => {
    const line = csvRow(
      record({ company: 'Café, "Ltd"', name: 'Line\nBreak', phone: '+16135551212', lastName: '=cmd' }),
    );
    expect(line.endsWith('\r\n')).toBe(true);
    const row = parsed(line);
    expect(Object.keys(row)).toEqual([...EXPORT_COLUMNS]);
    expect(row).toMatchObject({
      customerId: 'cus_1',
      company: 'Café, "Ltd"',
      name: 'Line\nBreak',
      phone: '+16135551212',
      lastName: "'=cmd",
      tags: 'VIP; shopify',
      usernames: 'st_1:ada1815; st_2:countess',
      emailConsent: 'subscribed',
      smsConsent: '',
      orderCount: '2',
      totalSpent: '12.50',
      firstOrderDate: '2026-11-01T00:00:00.000Z',
      lastOrderDate: '',
      createDate: '2026-11-02T00:00:00.000Z',
      'shippingAddress.street1': '',
      notes: '',
    });
  });

  it('issue #16: notes are a column after tags, as written (commas, quotes, line breaks) and neutralised', () => {
    expect(EXPORT_COLUMNS.indexOf('notes')).toBe(EXPORT_COLUMNS.indexOf('tags') + 1);
    expect(parsed(csvRow(record({ notes: 'Ring twice, "back door"\r\nafter 6pm' }))).notes).toBe(
      'Ring twice, "back door"\r\nafter 6pm',
    );
    expect(parsed(csvRow(record({ notes: '=HYPERLINK("http://evil")' }))).notes).toBe(
      `'=HYPERLINK("http://evil")`,
    );
  });
});
