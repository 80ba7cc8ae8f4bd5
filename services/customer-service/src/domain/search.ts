import type { CustomerStatus } from './customer';
import { normalizeEmail, normalizePhone } from './normalize';

/** The longest tag that is indexed for the tag filter (customer_tags.tag_key). */
export const TAG_KEY_MAX = 190;

/**
 * R2.11: a tag as the tag filter compares it: trimmed and lower-cased, so `VIP`, `vip ` and `vip`
 * are one tag to search for (the record keeps each tag as written). Null for a tag that cannot be
 * indexed (blank, or longer than the index column).
 */
export function tagKey(tag: string): string | null {
  const k = tag.trim().toLowerCase();
  return k && k.length <= TAG_KEY_MAX ? k : null;
}

/** The distinct tag keys of a record's tags. */
export function tagKeys(tags: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const t of tags) {
    const k = tagKey(t);
    if (k) keys.add(k);
  }
  return [...keys];
}

/** The filters of a customer search or export, as the repository applies them (all ANDed). */
export interface CustomerFilter {
  status: CustomerStatus;
  /** R2.11 free text: a prefix of the name, last name, email or a store username, or a phone. */
  text?: { prefix: string; phoneE164: string | null };
  emailNormalized?: string;
  phoneE164?: string;
  username?: string;
  storeId?: string;
  tagKey?: string;
  createdFrom?: Date;
  createdTo?: Date;
  updatedFrom?: Date;
  updatedTo?: Date;
}

/** What a caller may ask for, before normalization (query-string values). */
export interface CustomerFilterInput {
  q?: string;
  email?: string;
  phone?: string;
  username?: string;
  storeId?: string;
  tag?: string;
  status?: CustomerStatus;
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
}

/** Text a person types for a phone: digits and the usual separators, with at least 6 digits. */
export function looksLikePhone(text: string): boolean {
  return /^[+()\d\s./-]+$/.test(text) && (text.match(/\d/g)?.length ?? 0) >= 6;
}

/**
 * R1.5 + R2.11: the filter the repository runs, from what the caller typed. Emails compare
 * normalized (trimmed, lower-cased) and phones as E.164 read with the account's default country,
 * exactly as matching does, so `?phone=(613)555-1212` finds the record written `+1 613-555-1212`.
 * Returns the problems instead when a value can never match anything.
 */
export function buildFilter(
  input: CustomerFilterInput,
  defaultCountry: string,
): { filter: CustomerFilter; problems: [] } | { filter: null; problems: string[] } {
  const problems: string[] = [];
  const filter: CustomerFilter = { status: input.status ?? 'active' };
  const q = input.q?.trim();
  if (q) {
    filter.text = {
      prefix: q.toLowerCase(),
      phoneE164: looksLikePhone(q) ? normalizePhone(q, defaultCountry) : null,
    };
  }
  if (input.email !== undefined) {
    const e = normalizeEmail(input.email);
    if (e) filter.emailNormalized = e;
    else problems.push('query parameter email is blank');
  }
  if (input.phone !== undefined) {
    const p = normalizePhone(input.phone, defaultCountry);
    if (p) filter.phoneE164 = p;
    else
      problems.push(
        `query parameter phone ${JSON.stringify(input.phone)} is not a phone number that can be read (default country ${defaultCountry})`,
      );
  }
  if (input.username !== undefined) {
    const u = input.username.trim();
    if (u) filter.username = u;
    else problems.push('query parameter username is blank');
  }
  if (input.storeId) filter.storeId = input.storeId;
  if (input.tag !== undefined) {
    const t = tagKey(input.tag);
    if (t) filter.tagKey = t;
    else problems.push('query parameter tag is blank');
  }
  for (const [from, to] of [
    ['createdFrom', 'createdTo'],
    ['updatedFrom', 'updatedTo'],
  ] as const) {
    const a = input[from] !== undefined ? new Date(input[from]!) : undefined;
    const b = input[to] !== undefined ? new Date(input[to]!) : undefined;
    if (a && b && a.getTime() > b.getTime()) problems.push(`query parameter ${from} is after ${to}`);
    if (a) filter[from] = a;
    if (b) filter[to] = b;
  }
  return problems.length ? { filter: null, problems } : { filter, problems: [] };
}

/**
 * Whether reading the filter needs the account's default phone country: a phone written with its
 * `+` country code reads the same in every country, so `?phone=+1 613…` costs no settings read.
 */
export const needsCountry = (input: CustomerFilterInput) =>
  (input.phone !== undefined && !international(input.phone)) ||
  (input.q !== undefined && looksLikePhone(input.q.trim()) && !international(input.q));

const international = (phone: string) => phone.trim().startsWith('+');
