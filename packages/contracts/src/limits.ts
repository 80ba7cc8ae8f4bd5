/**
 * Every limit on a value the platform accepts, defined once, beside the types (issue #20, "what is
 * accepted is stored"). Each text limit is the size, in characters, of the narrowest column that
 * stores the value in any service (MariaDB `VARCHAR(n)` under utf8mb4 counts characters); the
 * services' entity definitions take their lengths from here and a MariaDB test compares every
 * mapped column with its limit, so the two cannot drift apart. Every edge that accepts data (HTTP
 * bodies, CSV rows, channel payloads, events) checks these before anything is written: a value
 * over a limit is a 4xx or a row-level reason, never a write that fails later. Every length an HTTP
 * request schema accepts (path and query parameters, bodies) is one of the limits below, never a
 * number of its own: test/e2e/schema-limits.test.ts reads each service's OpenAPI document.
 */

/** Longest text per kind of value, in characters. */
export const TEXT_LIMITS = {
  /** Ids this system makes (`cus_…`, `ord_…`). */
  id: 40,
  accountId: 64,
  storeId: 64,
  storeName: 190,
  /** An automation rule's name (order-ingest `automation_rules.name`). */
  ruleName: 190,
  /** A 3PL's own nickname for a client (tpl-connection-service `tpl_connections.client_name`). */
  clientName: 190,
  /** The store-side order key (R1.9). */
  storeOrderId: 190,
  orderNumber: 190,
  orderStatus: 32,
  /** ISO 4217 code: three letters. */
  currency: 3,
  /** The store-side buyer key (R1.2). */
  username: 190,
  email: 190,
  /** A person's name, first name or last name. */
  name: 190,
  company: 190,
  phone: 64,
  tag: 100,
  /**
   * One note: a customer's notes (`customers.notes`, TEXT: 5,000 characters are at most 20,000
   * bytes under utf8mb4), an order's notes, a CSV notes cell. Enforced by POST/PATCH
   * /v1/customers (400), the customer CSV import (a row error) and the order payloads.
   */
  note: 5000,
  sku: 190,
  itemName: 500,
  /** A reason in a row-level report. */
  reason: 1000,
  /** One warning about an accepted row in a row report (R2.5: "email is a matching key"). */
  warning: 500,
  /** The note kept with a privacy request (customer-service `privacy_requests.note`). */
  privacyNote: 1000,
} as const;

/** Every account has a manual store (R3.1): its id is this prefix and the account id. */
export const MANUAL_STORE_PREFIX = 'st_manual_';

/**
 * The longest account id a token may carry (54): the account's manual store id,
 * `st_manual_<accountId>`, must fit `TEXT_LIMITS.storeId` like every store id. A longer one used to
 * pass the token check and fail at the first manual order (a 500 on MariaDB).
 */
export const ACCOUNT_ID_MAX_LENGTH = TEXT_LIMITS.storeId - MANUAL_STORE_PREFIX.length;

export type TextLimitKey = keyof typeof TEXT_LIMITS;

export const ADDRESS_PARTS = [
  'name',
  'company',
  'street1',
  'street2',
  'street3',
  'city',
  'state',
  'postalCode',
  'country',
  'phone',
] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/** Longest value per address part (characters). */
export const ADDRESS_PART_LIMITS: Record<AddressPart, number> = {
  name: TEXT_LIMITS.name,
  company: TEXT_LIMITS.company,
  street1: 190,
  street2: 190,
  street3: 190,
  city: 100,
  state: 100,
  postalCode: 32,
  country: 64,
  phone: TEXT_LIMITS.phone,
};

/**
 * Longest value a query parameter that searches several stored texts may have: no stored value is
 * longer, so nothing longer can match.
 */
export const SEARCH_LIMITS = {
  /** customer-service `q`: a prefix of a name, an email or a store username. */
  customerQuery: Math.max(TEXT_LIMITS.name, TEXT_LIMITS.email, TEXT_LIMITS.username),
  /** tpl-connection-service `q`: part of a client's name, email or company name. */
  clientQuery: Math.max(TEXT_LIMITS.clientName, TEXT_LIMITS.email, TEXT_LIMITS.company),
} as const;

/**
 * Values an edge accepts that are never stored as they come: a cursor is the API's own opaque
 * keyset position (base64url of a JSON pair such as `["<id>","<instant>"]`; cursors that are bare
 * ids are TEXT_LIMITS.id), an invitation token is kept only as its SHA-256.
 */
export const REQUEST_LIMITS = {
  cursor: 300,
  invitationToken: 2048,
} as const;

/**
 * A store's channel fields (POST/PATCH /v1/stores `credentials` and `settings`): kept as JSON, the
 * credentials sealed, in TEXT columns; the channel checks each field's value (422 naming it).
 */
export const CHANNEL_FIELD_LIMITS = {
  name: 64,
  value: 2000,
} as const;

/**
 * What a CSV import job keeps of a file's header line: csv-import-service `import_jobs` stores the
 * header's cells, the column mapping (each column with its fields, or why it is ignored), the
 * mapping the request sent and the warnings, each as JSON in a TEXT column (MariaDB: 65,535 bytes).
 * Each must serialize to at most `headerBytes` bytes, room to spare; a wider header line is refused
 * before any job exists (422 HEADER_TOO_LARGE), never a job insert that fails. A data row is
 * bounded the same way for its row report (`rowBytes`).
 */
export const CSV_IMPORT_LIMITS = {
  headerBytes: 60_000,
  /**
   * A data row as its report keeps it: the JSON of its cells, in UTF-8 bytes, stored for the error
   * report in `import_row_reports.cells` (TEXT). A longer row is rejected at the door with a
   * row-level reason ("longer than N bytes") and its cells are kept cut to this size, each cut cell
   * ending in a visible marker; so every row sent on fits whole if its owning service rejects it.
   */
  rowBytes: 60_000,
} as const;

/** The longest carrier or service code: the columns that store one are `VARCHAR(64)`. */
const CARRIER_CODE_MAX = 64;

/**
 * Carrier accounts (R5.5). A carrier code or a service code as carriers and ShipStation write them
 * (`ups`, `usps_priority_mail`): a letter or a digit, then letters, digits, `_`, `.` or `-`, at most
 * `codeMax` characters, the size of every column that stores one (tpl-connection-service
 * `carrier_accounts.carrier_code`; order-ingest-service `carrier_accounts.carrier_code`,
 * `order_shipping_services.carrier_code` and `service_code`). Stored and published lower case
 * (`codePattern`: the CarrierAccountChanged event); the HTTP doors accept any case
 * (`codeInputPattern`) and lower-case what they store. `maxServices`: service codes on one
 * carrier account.
 */
export const CARRIER_LIMITS = {
  codeMax: CARRIER_CODE_MAX,
  codePattern: `^[a-z0-9][a-z0-9_.-]{0,${CARRIER_CODE_MAX - 1}}$`,
  codeInputPattern: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,${CARRIER_CODE_MAX - 1}}$`,
  maxServices: 100,
} as const;

/** How many of a repeated thing one record may carry. */
export const COUNT_LIMITS = {
  /** Tags on one order or customer. */
  tags: 50,
  /** Notes on one order. */
  notes: 10,
  /** Line items on one order. */
  items: 1000,
} as const;

/**
 * Line items are kept as the channel sent them (JSON); their serialized size must fit the column
 * (MariaDB TEXT: 65,535 bytes) with room to spare.
 */
export const ITEMS_MAX_BYTES = 60_000;

/**
 * Money: a decimal with two places, never negative (a refund is not an order), within what the
 * columns hold. An order total fits `DECIMAL(14,2)`; a customer's `totalSpent` is `DECIMAL(18,2)`,
 * room for 100 million orders at the largest total.
 */
export const MONEY_LIMITS = {
  scale: 2,
  orderTotalMin: 0,
  orderTotalMax: 99_999_999.99,
  totalSpentPrecision: 18,
  orderTotalPrecision: 14,
} as const;

/** Dates an order may carry: real calendar dates in this range (UTC instants). */
export const DATE_LIMITS = {
  earliest: '1970-01-01T00:00:00.000Z',
  /** Exclusive. */
  latest: '2100-01-01T00:00:00.000Z',
} as const;

/**
 * An e-mail address as a store or a person would type one: one `@`, a local part and a domain with
 * a dot, no spaces, brackets, quotes or separators. Not RFC 5322 in full (quoted local parts and IP
 * literals are refused): a value that fails is kept where it was written but never used as a
 * matching key (R1.4).
 */
export const EMAIL_ADDRESS_PATTERN =
  /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\.][^\s@<>()[\],;:"\\]*\.[^\s@<>()[\],;:"\\.]{2,}$/;

/** True when `value` (trimmed) is an e-mail address by EMAIL_ADDRESS_PATTERN and fits its column. */
export function isEmailAddress(value: string | null | undefined): boolean {
  const v = value?.trim();
  if (!v || v.length > TEXT_LIMITS.email || !EMAIL_ADDRESS_PATTERN.test(v)) return false;
  const domain = v.slice(v.indexOf('@') + 1);
  return !domain.includes('..');
}

/** `YYYY-MM-DD` that names a real day (2026-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** Why an instant is outside DATE_LIMITS, or null. */
export function dateRangeProblem(field: string, d: Date): string | null {
  if (Number.isNaN(d.getTime())) return `${field} is not a date`;
  if (d.getTime() < Date.parse(DATE_LIMITS.earliest) || d.getTime() >= Date.parse(DATE_LIMITS.latest))
    return `${field} ${d.toISOString()} is outside ${DATE_LIMITS.earliest.slice(0, 10)}…${DATE_LIMITS.latest.slice(0, 10)}`;
  return null;
}

/** Why an amount of money is not one this platform stores, or null. */
export function moneyProblem(
  field: string,
  v: number,
  max: number = MONEY_LIMITS.orderTotalMax,
): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${field} is not a number`;
  if (v < MONEY_LIMITS.orderTotalMin) return `${field} ${v} is negative`;
  if (v > max) return `${field} ${v} is larger than ${max}`;
  return null;
}

/** Why a text is longer than its limit, or null (null and undefined fit). */
export function lengthProblem(field: string, v: string | null | undefined, max: number): string | null {
  if (typeof v !== 'string' || v.length <= max) return null;
  return `${field} is ${v.length} characters long; at most ${max} are stored`;
}

/**
 * A Mailchimp connection (issue #19, PUT /v1/integrations/mailchimp). Mailchimp's API keys are 32
 * hexadecimal characters, a dash and the data center that serves the account (`…-us21`, the host
 * `us21.api.mailchimp.com`); an audience (list) id is a short code such as `a1b2c3d4e5`. The key is
 * sealed before it is stored (a TEXT column); the audience id is stored in `VARCHAR(64)`.
 */
export const MAILCHIMP_LIMITS = {
  apiKeyMax: 100,
  audienceIdMax: 64,
  /** The webhook's secret path token (`VARCHAR(64)`). */
  webhookTokenMax: 64,
} as const;

/** A Mailchimp API key: letters and digits, a dash, the data center (2–4 letters, 1–3 digits). */
export const MAILCHIMP_API_KEY_PATTERN = /^[0-9A-Za-z]{16,64}-[a-z]{2,4}[0-9]{1,3}$/;
export const MAILCHIMP_AUDIENCE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * Why a Mailchimp connection's key or audience id cannot be one, in words a merchant understands
 * (what to copy from where), or an empty list. Values are checked as given (trim them first).
 */
export function mailchimpConnectionProblems(input: { apiKey: string; audienceId: string }): string[] {
  const problems: string[] = [];
  const { apiKey, audienceId } = input;
  if (apiKey.length === 0)
    problems.push('apiKey is empty: paste the API key from Mailchimp (Profile → Extras → API keys)');
  else if (apiKey.length > MAILCHIMP_LIMITS.apiKeyMax)
    problems.push(
      `apiKey is ${apiKey.length} characters long; a Mailchimp API key has about 37 (at most ${MAILCHIMP_LIMITS.apiKeyMax} are accepted)`,
    );
  else if (!MAILCHIMP_API_KEY_PATTERN.test(apiKey))
    problems.push(
      'apiKey is not a Mailchimp API key: it looks like 0123456789abcdef0123456789abcdef-us21 (letters and digits, a dash, then the data center such as us21)',
    );
  if (audienceId.length === 0)
    problems.push(
      'audienceId is empty: copy the Audience ID from Mailchimp (Audience → Settings → Audience name and defaults)',
    );
  else if (audienceId.length > MAILCHIMP_LIMITS.audienceIdMax)
    problems.push(
      `audienceId is ${audienceId.length} characters long; at most ${MAILCHIMP_LIMITS.audienceIdMax} are stored (a Mailchimp Audience ID has about 10)`,
    );
  else if (!MAILCHIMP_AUDIENCE_ID_PATTERN.test(audienceId))
    problems.push(
      'audienceId may hold only letters, digits, "-" and "_": copy the Audience ID (e.g. a1b2c3d4e5), not the audience name',
    );
  return problems;
}
