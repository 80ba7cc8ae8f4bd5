import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { isEmailAddress } from '@crp/contracts/limits';

/** R1.5: emails compare trimmed and lower-cased; nothing else about them is rewritten. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  const v = raw?.trim().toLowerCase();
  return v ? v : null;
}

/**
 * The email as a matching key (R1.4, R1.5): normalized, and only when it is an address. Text such
 * as `not-an-email`, `a@` or `x@y@z` is kept where it was written but never matches anything:
 * every other order with the same typo would land on the same record.
 */
export function matchableEmail(raw: string | null | undefined): string | null {
  return isEmail(raw) ? normalizeEmail(raw) : null;
}

/** Whether the text (trimmed) is an email address, by the one definition (contracts/limits). */
export function isEmail(raw: string | null | undefined): boolean {
  const v = raw?.trim();
  return !!v && isEmailAddress(v);
}

/**
 * R1.2: the buyer key of an order: the channel's (order-ingest chose it), else the email when it is
 * an address. A key that is only the order's own malformed email (an older order-ingest sent
 * those) is no key.
 */
export function buyerKeyOf(buyer: { username: string | null; email: string | null }): string | null {
  const email = matchableEmail(buyer.email);
  if (buyer.username === null) return email;
  if (email === null && buyer.username === normalizeEmail(buyer.email)) return null;
  return buyer.username;
}

/**
 * R1.5: phones compare by E.164. `6135551212`, `+16135551212`, `(613)555-1212` and
 * `+1 613-555-1212` are one number for an account whose default country is CA or US.
 * Text that is not a valid number (Shopify's sample `555-555-SHIP`) never matches anything.
 */
export function normalizePhone(raw: string | null | undefined, defaultCountry: string): string | null {
  const v = raw?.trim();
  if (!v) return null;
  const key = `${defaultCountry}\u0000${v}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(v, defaultCountry.toUpperCase() as CountryCode);
  const e164 = parsed && parsed.isValid() ? parsed.number : null;
  // Parsing is the costliest step of matching and a batch asks for one number several times.
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, e164);
  return e164;
}

const MEMO_LIMIT = 20000;
const memo = new Map<string, string | null>();

export function blankToNull(v: string | null | undefined): string | null {
  const t = v?.trim();
  return t ? t : null;
}

/** R1.5: the account's default country must be one whose numbers can be read. */
export function isKnownCountry(code: string): boolean {
  return /^[A-Za-z]{2}$/.test(code) && isSupportedCountry(code.toUpperCase() as CountryCode);
}
