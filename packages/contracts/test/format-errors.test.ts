import { ContractViolation, assertValid, compile, formatErrors } from '../src/ajv';
import { ADDRESS_PART_LIMITS, TEXT_LIMITS } from '../src/limits';
import { CustomerImportRequested } from '../src/events/customer-import-requested';
import { OrderImported } from '../src/events/order-imported';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The lines formatErrors gives for `value` against `schema` (none when it is valid). */
function problems(schema: Parameters<typeof assertValid>[0], value: unknown): string[] {
  try {
    assertValid(schema, value, 'value');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ContractViolation);
    return (err as ContractViolation).problems;
  }
}

/** A v2 import chunk whose first row has `values[field] = value`. */
function importRow(field: string, value: unknown) {
  const ev = clone(CustomerImportRequested.example) as unknown as {
    payload: { rows: Array<{ values: Record<string, unknown> }> };
  };
  ev.payload.rows[0]!.values[field] = value;
  return ev;
}

describe('formatErrors: a value that fails a nullable field (anyOf) is described once', () => {
  it('a nullable text over its limit (CSV notes): only the limit, not "must be null" nor the anyOf line', () => {
    expect(
      problems(CustomerImportRequested.schema, importRow('notes', 'n'.repeat(TEXT_LIMITS.note + 1))),
    ).toEqual([`/payload/rows/0/values/notes must NOT have more than ${TEXT_LIMITS.note} characters`]);
    expect(problems(CustomerImportRequested.schema, importRow('notes', ''))).toEqual([
      '/payload/rows/0/values/notes must NOT have fewer than 1 characters',
    ]);
    expect(problems(CustomerImportRequested.schema, importRow('notes', null))).toEqual([]);
  });

  it('a value of no allowed type: once, the types allowed', () => {
    expect(problems(CustomerImportRequested.schema, importRow('notes', 42))).toEqual([
      '/payload/rows/0/values/notes must be a string or null',
    ]);
    expect(problems(CustomerImportRequested.schema, importRow('tags', 'vip'))).toEqual([
      '/payload/rows/0/values/tags must be array',
    ]);
  });

  it('a nullable enum (CSV consent): the values allowed, in one line; a number: the types', () => {
    expect(problems(CustomerImportRequested.schema, importRow('emailConsent', 'yes'))).toEqual([
      '/payload/rows/0/values/emailConsent must be one of "subscribed", "unsubscribed", "not_subscribed"',
    ]);
    expect(problems(CustomerImportRequested.schema, importRow('emailConsent', 1))).toEqual([
      '/payload/rows/0/values/emailConsent must be a string or null',
    ]);
  });

  it('a nullable object (an order’s shipTo): a bad part names only that part; not an object: the types', () => {
    const order = clone(OrderImported.example);
    order.payload.shipTo = { ...order.payload.shipTo!, city: 'c'.repeat(ADDRESS_PART_LIMITS.city + 1) };
    expect(problems(OrderImported.schema, order)).toEqual([
      `/payload/shipTo/city must NOT have more than ${ADDRESS_PART_LIMITS.city} characters`,
    ]);
    (order.payload.shipTo as Record<string, unknown>).city = 7;
    expect(problems(OrderImported.schema, order)).toEqual(['/payload/shipTo/city must be a string or null']);
    (order.payload as Record<string, unknown>).shipTo = 'Main Street 1';
    expect(problems(OrderImported.schema, order)).toEqual(['/payload/shipTo must be an object or null']);
  });

  it('a union of literals that is not nullable (an order’s source): one line with the values', () => {
    const order = clone(OrderImported.example) as unknown as { payload: Record<string, unknown> };
    order.payload.source = 'robot';
    expect(problems(OrderImported.schema, order)).toEqual([
      '/payload/source must be one of "store", "manual", "csv", "api"',
    ]);
  });

  it('the same union failing in several places keeps each place apart, in order; other errors stay as they were', () => {
    const ev = importRow('notes', 42) as unknown as {
      payload: { rows: Array<{ values: Record<string, unknown> }>; chunk: unknown };
    };
    ev.payload.rows[1]!.values.notes = 'n'.repeat(TEXT_LIMITS.note + 1);
    ev.payload.rows[1]!.values.emailConsent = 'maybe';
    delete (ev.payload as Record<string, unknown>).jobId;
    expect(problems(CustomerImportRequested.schema, ev)).toEqual([
      '/payload must have property "jobId"',
      '/payload/rows/0/values/notes must be a string or null',
      `/payload/rows/1/values/notes must NOT have more than ${TEXT_LIMITS.note} characters`,
      '/payload/rows/1/values/emailConsent must be one of "subscribed", "unsubscribed", "not_subscribed"',
    ]);
  });

  it('errors without a union are formatted as before', () => {
    const validate = compile(OrderImported.schema);
    const order = clone(OrderImported.example);
    order.payload.order.orderDate = 'yesterday';
    expect(validate(order)).toBe(false);
    expect(formatErrors(validate.errors)).toEqual(['/payload/order/orderDate must match format "date-time"']);
    expect(formatErrors(null)).toEqual([]);
  });
});
