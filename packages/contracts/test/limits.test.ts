import { compile } from '../src/ajv';
import { OrderImported } from '../src/events/order-imported';
import {
  ADDRESS_PART_LIMITS,
  MONEY_LIMITS,
  TEXT_LIMITS,
  dateRangeProblem,
  isCalendarDate,
  isEmailAddress,
  lengthProblem,
  mailchimpConnectionProblems,
  MAILCHIMP_LIMITS,
  moneyProblem,
} from '../src/limits';

describe('limits (issue #20: one set of limits, defined once)', () => {
  it.each([
    'ann@example.com',
    'a.b+tag@mail.example.co.uk',
    "o'brien@example.ie",
    'x@sub-domain.example.org',
  ])('%s is an e-mail address', (v) => expect(isEmailAddress(v)).toBe(true));

  it.each([
    'not-an-email',
    'a@',
    '@example.com',
    'x@y@z.com',
    '<script>@x.com',
    'a b@example.com',
    'a@example',
    'a@example.',
    'a@.example.com',
    'a@example..com',
    'ann@example.c',
    `${'a'.repeat(TEXT_LIMITS.email)}@example.com`,
  ])('%s is not an e-mail address', (v) => expect(isEmailAddress(v)).toBe(false));

  it('calendar dates are real days: 2026-02-30 and 2025-02-29 are not, 2024-02-29 is', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('26-01-01')).toBe(false);
  });

  it('money is never negative, never over the column, always finite', () => {
    expect(moneyProblem('total', 0)).toBeNull();
    expect(moneyProblem('total', MONEY_LIMITS.orderTotalMax)).toBeNull();
    expect(moneyProblem('total', -5)).toMatch(/negative/);
    expect(moneyProblem('total', MONEY_LIMITS.orderTotalMax + 0.01)).toMatch(/larger than/);
    expect(moneyProblem('total', 1e12)).toMatch(/larger than/);
    expect(moneyProblem('total', Number.POSITIVE_INFINITY)).toMatch(/not a number/);
    expect(moneyProblem('total', Number.NaN)).toMatch(/not a number/);
  });

  it('the order total limit fits DECIMAL(14,2) and a customer total of 100 million orders fits DECIMAL(18,2)', () => {
    const digits = (n: number) => Math.floor(n).toString().length;
    expect(digits(MONEY_LIMITS.orderTotalMax)).toBeLessThanOrEqual(
      MONEY_LIMITS.orderTotalPrecision - MONEY_LIMITS.scale,
    );
    expect(digits(MONEY_LIMITS.orderTotalMax * 1e8)).toBeLessThanOrEqual(
      MONEY_LIMITS.totalSpentPrecision - MONEY_LIMITS.scale,
    );
  });

  it('dates outside 1970…2100 are refused with the field named', () => {
    expect(dateRangeProblem('orderDate', new Date('2026-11-24T00:00:00Z'))).toBeNull();
    expect(dateRangeProblem('orderDate', new Date('1969-12-31T23:59:59Z'))).toMatch(/^orderDate .* outside/);
    expect(dateRangeProblem('orderDate', new Date('2100-01-01T00:00:00Z'))).toMatch(/outside/);
    expect(dateRangeProblem('orderDate', new Date('nope'))).toMatch(/not a date/);
  });

  it('lengthProblem names the field, the length and the limit', () => {
    expect(lengthProblem('shipTo.phone', 'x'.repeat(64), 64)).toBeNull();
    expect(lengthProblem('shipTo.phone', 'x'.repeat(65), 64)).toBe(
      'shipTo.phone is 65 characters long; at most 64 are stored',
    );
    expect(lengthProblem('x', null, 1)).toBeNull();
  });

  describe('OrderImported carries the same limits (the events edge)', () => {
    const validate = compile(OrderImported.schema);
    const example = () => structuredClone(OrderImported.example) as typeof OrderImported.example;

    it('the example is valid, and every text at its limit still is', () => {
      const e = example();
      expect(validate(e)).toBe(true);
      e.payload.order.orderStatus = 'x'.repeat(TEXT_LIMITS.orderStatus);
      e.payload.buyer.company = 'x'.repeat(TEXT_LIMITS.company);
      e.payload.shipTo!.phone = '1'.repeat(ADDRESS_PART_LIMITS.phone);
      expect(validate(e)).toBe(true);
    });

    it.each([
      [
        'order.orderStatus',
        (e: ReturnType<typeof example>) => (e.payload.order.orderStatus = 'x'.repeat(33)),
      ],
      [
        'billTo.company',
        (e: ReturnType<typeof example>) =>
          (e.payload.billTo = { ...e.payload.shipTo!, company: 'x'.repeat(191) }),
      ],
      ['shipTo.phone', (e: ReturnType<typeof example>) => (e.payload.shipTo!.phone = '1'.repeat(65))],
      ['order.total negative', (e: ReturnType<typeof example>) => (e.payload.order.total = -5)],
      ['order.total huge', (e: ReturnType<typeof example>) => (e.payload.order.total = 1e12)],
      ['order.currency', (e: ReturnType<typeof example>) => (e.payload.order.currency = 'USDT')],
    ])('%s over its limit is refused', (_, spoil) => {
      const e = example();
      spoil(e);
      expect(validate(e)).toBe(false);
    });
  });

  it('a Mailchimp connection: a key with its data center and an audience id, else reasons naming the field', () => {
    const key = '0123456789abcdef0123456789abcdef-us21';
    expect(mailchimpConnectionProblems({ apiKey: key, audienceId: 'a1b2c3d4e5' })).toEqual([]);
    expect(mailchimpConnectionProblems({ apiKey: key.slice(0, 32), audienceId: 'a1b2c3d4e5' })).toEqual([
      expect.stringContaining('apiKey is not a Mailchimp API key'),
    ]);
    expect(
      mailchimpConnectionProblems({
        apiKey: `${key}x`.repeat(3),
        audienceId: 'x'.repeat(MAILCHIMP_LIMITS.audienceIdMax + 1),
      }),
    ).toEqual([
      expect.stringContaining('apiKey'),
      expect.stringContaining(`at most ${MAILCHIMP_LIMITS.audienceIdMax}`),
    ]);
    expect(mailchimpConnectionProblems({ apiKey: key, audienceId: 'My list' })).toEqual([
      expect.stringContaining('not the audience name'),
    ]);
  });
});
