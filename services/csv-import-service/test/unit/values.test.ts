import { toCustomerRow } from '../../src/domain/customer-row';
import { resolveMapping } from '../../src/domain/columns';
import { toOrderRow } from '../../src/domain/order-row';
import {
  parseConsent,
  parseCountry,
  parseDateTime,
  parseEmail,
  parseIsoDate,
  parseNumber,
  parsePhone,
  parseTags,
} from '../../src/domain/values';

describe('cell values as people type them', () => {
  it('phones: readable numbers kept as written; letters or too few digits are a row error (R4.5)', () => {
    for (const ok of [
      '6135551212',
      '+16135551212',
      '(613)555-1212',
      '+1 613-555-1212',
      '01 02 03 04 05',
      '020 7946 0018 ext 12',
    ]) {
      expect(parsePhone('Phone', ok, 64)).toBe(ok);
    }
    expect(parsePhone('Phone', '  ', 64)).toBeNull();
    for (const bad of ['555-555-SHIP', '12', 'call me', '+999 1234']) {
      expect(() => parsePhone('Phone', bad, 64)).toThrow(/cannot be read as a phone number/);
    }
  });

  it('emails: plain shape checked, case kept (R1.5 compares lower-cased elsewhere)', () => {
    expect(parseEmail('Email', ' Peter.Pan@prestashop.com ', 190)).toBe('Peter.Pan@prestashop.com');
    for (const bad of ['peter', 'a@b', 'a b@c.d', 'x@@y.z'])
      expect(() => parseEmail('Email', bad, 190)).toThrow(/not an email/);
    expect(() => parseEmail('Email', `${'x'.repeat(190)}@a.com`, 190)).toThrow(/longer than 190/);
  });

  it('dates: ISO for birthdays (PrestaShop 0000-00-00 is none); order dates in the order asked for', () => {
    expect(parseIsoDate('b', '1987-04-02')).toBe('1987-04-02');
    expect(parseIsoDate('b', '0000-00-00')).toBeNull();
    expect(() => parseIsoDate('b', '1987-02-30')).toThrow(/not a date/);
    expect(parseDateTime('d', '2026-11-20', 'iso')).toBe('2026-11-20T00:00:00.000Z');
    expect(parseDateTime('d', '2015-06-28T17:46:27.0000000', 'iso')).toBe('2015-06-28T17:46:27.000Z');
    expect(parseDateTime('d', '2026-11-20 10:00+02:00', 'iso')).toBe('2026-11-20T08:00:00.000Z');
    expect(parseDateTime('d', '03/04/2026', 'mdy')).toBe('2026-03-04T00:00:00.000Z');
    expect(parseDateTime('d', '03/04/2026', 'dmy')).toBe('2026-04-03T00:00:00.000Z');
    expect(parseDateTime('d', '20.11.2026', 'iso')).toBe('2026-11-20T00:00:00.000Z');
    expect(() => parseDateTime('d', '03/04/2026', 'iso')).toThrow(/ambiguous/);
  });

  it('countries: codes and names to ISO alpha-2; unknown names kept', () => {
    expect(parseCountry('c', 'United States', 64)).toBe('US');
    expect(parseCountry('c', 'United Kingdom', 64)).toBe('GB');
    expect(parseCountry('c', 'Allemagne', 64)).toBe('DE');
    expect(parseCountry('c', 'fra', 64)).toBe('FR');
    expect(parseCountry('c', 'gb', 64)).toBe('GB');
    expect(parseCountry('c', 'Atlantis', 64)).toBe('Atlantis');
  });

  it('consent: yes/no/1/0 and explicit unsubscribes (R2.9)', () => {
    expect(parseConsent('c', 'Yes')).toBe('subscribed');
    expect(parseConsent('c', '0')).toBe('not_subscribed');
    expect(parseConsent('c', 'Unsubscribed')).toBe('unsubscribed');
    expect(parseConsent('c', '')).toBeNull();
    expect(() => parseConsent('c', 'maybe')).toThrow(/not one of/);
  });

  it('tags and numbers', () => {
    expect(parseTags('t', 'Customer, Carribean;Customer', 100, 50)).toEqual(['Customer', 'Carribean']);
    expect(parseNumber('n', '1,234.56')).toBe(1234.56);
    expect(parseNumber('n', '1.234,56')).toBe(1234.56);
    expect(parseNumber('n', '45,00')).toBe(45);
    expect(parseNumber('n', '€ 12')).toBe(12);
    expect(() => parseNumber('n', 'twelve')).toThrow(/not a number/);
  });
});

describe('a customer row (R4.3)', () => {
  const header = ['Email', 'First Name', 'Phone', 'Tags', 'Customer ID'];
  const m = resolveMapping('customers', header);

  it('blank cells travel as null (clear) and tags as []', () => {
    expect(toCustomerRow({ lineNumber: 2, cells: ['a@b.co', '', '', '', ''] }, m, 5)).toEqual({
      ok: true,
      row: {
        lineNumber: 2,
        customerId: null,
        username: null,
        values: { email: 'a@b.co', firstName: null, phone: null, tags: [] },
      },
    });
  });

  it('collects every problem of a row', () => {
    const v = toCustomerRow({ lineNumber: 3, cells: ['nope', 'X', '555-555-SHIP', '', '1'] }, m, 5);
    expect(v).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /not an email.*cannot be read as a phone.*not a customer id of this system/,
      ),
    });
  });

  it('wrong column count is a row error; extra empty cells are not; a blank row is skipped', () => {
    expect(toCustomerRow({ lineNumber: 4, cells: ['a@b.co', 'X'] }, m, 5)).toEqual({
      ok: false,
      reason: 'the row has 2 cells where the header has 5 columns',
    });
    expect(toCustomerRow({ lineNumber: 4, cells: ['a@b.co', 'X', '', '', '', ''] }, m, 5).ok).toBe(true);
    expect(toCustomerRow({ lineNumber: 4, cells: ['a@b.co', 'X', '', '', '', 'extra'] }, m, 5).ok).toBe(
      false,
    );
    expect(toCustomerRow({ lineNumber: 5, cells: [' ', '', '', '', ''] }, m, 5)).toEqual({ ok: 'blank' });
  });
});

describe('an order row (R3.2)', () => {
  it('the recipient is the buyer; an order number is required', () => {
    const header = [
      'shipment_id',
      'recipient_name',
      'recipient_country',
      'recipient_email',
      'declared_value',
    ];
    const m = resolveMapping('orders', header);
    const ok = toOrderRow(
      { lineNumber: 2, cells: ['ORD-1', 'Pierre Dupont', 'FR', 'pierre@example.fr', '75.00'] },
      m,
      5,
      'iso',
    );
    expect(ok).toMatchObject({
      ok: true,
      row: {
        order: {
          orderNumber: 'ORD-1',
          total: 75,
          buyer: { name: 'Pierre Dupont', email: 'pierre@example.fr', username: null },
          shipTo: { country: 'FR' },
        },
      },
    });
    expect(toOrderRow({ lineNumber: 3, cells: ['', 'X', '', '', ''] }, m, 5, 'iso')).toEqual({
      ok: false,
      reason: 'the order number is blank',
    });
  });

  it('issue #20: a negative or oversized total and a day not in the calendar are row reasons, never sent on', () => {
    const m = resolveMapping('orders', ['shipment_id', 'recipient_email', 'declared_value', 'order_date']);
    const row = (total: string, date: string) =>
      toOrderRow({ lineNumber: 2, cells: ['ORD-9', 'a@example.com', total, date] }, m, 4, 'iso');
    expect(row('-5', '2026-11-20')).toMatchObject({ ok: false, reason: expect.stringMatching(/negative/) });
    expect(row('1000000000000', '2026-11-20')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/larger than/),
    });
    expect(row('10', '2026-02-30')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a date in the calendar/),
    });
    expect(row('10', '1899-01-01')).toMatchObject({ ok: false, reason: expect.stringMatching(/outside/) });
    expect(row('10', '2026-02-28')).toMatchObject({ ok: true });
  });

  it('the order status: any spelling of a status is stored canonical; a word that is no status is the row reason', () => {
    const m = resolveMapping('orders', ['shipment_id', 'recipient_email', 'order_status']);
    const row = (status: string) =>
      toOrderRow({ lineNumber: 2, cells: ['ORD-7', 'a@example.com', status] }, m, 3, 'iso');
    for (const [sent, stored] of [
      ['Awaiting Shipment', 'awaiting_shipment'],
      ['awaiting-shipment', 'awaiting_shipment'],
      ['SHIPPED', 'shipped'],
      ['On Hold', 'on_hold'],
      ['Canceled', 'cancelled'],
      ['pending_fulfillment', 'pending_fulfillment'],
      ['', null],
    ] as const)
      expect(row(sent)).toMatchObject({ ok: true, row: { order: { orderStatus: stored } } });
    expect(row('Delivered')).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /order_status \(orderStatus\) "Delivered" is not an order status \(one of: awaiting_payment, .*rejected_fulfillment\)/,
      ),
    });
  });
});
