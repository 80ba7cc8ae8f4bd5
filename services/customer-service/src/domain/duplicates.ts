import type { Address } from '@crp/contracts/common';
import type { CustomerRecord } from './records';

/**
 * Likely duplicates that share no matching key (issue 14, beyond R1.6): two active records of one
 * account that are probably one person although neither an email nor an identity joined them.
 * Each suggestion says why and how sure; none is ever merged automatically (R2.7 is a person's
 * decision). Splink and Zingg compare whole tables in batch; here each changed record is compared
 * with the few records that share a blocking key with it (its postal address, its phone).
 */
export const SUGGESTION_REASONS = [
  'same_name_and_address',
  'email_typo_same_address',
  'same_phone_other_email',
] as const;
export type SuggestionReason = (typeof SUGGESTION_REASONS)[number];

/** R1.6 pairs (records sharing the key an order matched on) as the listing names them. */
export type SharedKeyReason = 'same_email' | 'same_phone';
export type DuplicateReason = SuggestionReason | SharedKeyReason;

/** How sure each reason is that two records are one person (0–1). */
export const CONFIDENCE: Record<DuplicateReason, number> = {
  same_email: 0.8,
  same_phone: 0.6,
  same_name_and_address: 0.9,
  email_typo_same_address: 0.8,
  // The same phone under two emails: a household or a shop phone as often as one person…
  same_phone_other_email: 0.5,
};
/** …unless the names agree too. */
export const SAME_PHONE_SAME_NAME_CONFIDENCE = 0.85;

/**
 * A key shared by more records than this is a place (a freight forwarder, a shop's phone at the
 * till), not a person: it blocks nothing.
 */
export const MAX_BLOCK = 20;

/**
 * How many holders of one address or one phone the comparison needs to see (the first, in any
 * fixed order): all of them while they are MAX_BLOCK or fewer, else one more than MAX_BLOCK, which
 * is enough to know the key is a crowd's and blocks nothing (suggestDuplicates).
 */
export const CANDIDATES_PER_KEY = MAX_BLOCK + 1;

/** What the comparison looks at, per record. */
export interface MatchKeysRecord {
  accountId: string;
  customerId: string;
  nameKey: string | null;
  addressKey: string | null;
  emailNormalized: string | null;
  phoneE164: string | null;
}

export interface SuggestionRecord {
  accountId: string;
  customerId: string;
  otherId: string;
  reason: SuggestionReason;
  confidence: number;
  createdAt: Date;
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** A name as compared: accents, case, punctuation and word order do not count ("Lovelace, Ada" = "ada lovelace"). */
export function nameKey(c: Pick<CustomerRecord, 'name' | 'firstName' | 'lastName'>): string | null {
  const full = c.name ?? [c.firstName, c.lastName].filter(Boolean).join(' ');
  const words = fold(full).split(' ').filter(Boolean).sort();
  return words.length ? words.join(' ').slice(0, 190) : null;
}

/**
 * The postal address as compared: the postal address if the record has one (R2.3), else the
 * shipping address; country, postal code (or city when there is none) and first street line,
 * folded. Null when it says too little to tell two places apart.
 */
export function addressKey(c: Pick<CustomerRecord, 'postalAddress' | 'shippingAddress'>): string | null {
  const a: Address | null = c.postalAddress ?? c.shippingAddress;
  if (!a?.street1) return null;
  const street = fold(a.street1);
  const place = a.postalCode ? a.postalCode.replace(/[^A-Za-z0-9]/g, '').toUpperCase() : fold(a.city ?? '');
  if (!street || !place) return null;
  return `${(a.country ?? '').toUpperCase()}|${place}|${street}`.slice(0, 250);
}

/** What the comparison reads of a customer record. */
export type MatchFacts = Pick<
  CustomerRecord,
  | 'id'
  | 'accountId'
  | 'status'
  | 'name'
  | 'firstName'
  | 'lastName'
  | 'emailNormalized'
  | 'phoneE164'
  | 'postalAddress'
  | 'shippingAddress'
>;

export function matchKeysOf(c: MatchFacts): MatchKeysRecord {
  return {
    accountId: c.accountId,
    customerId: c.id,
    nameKey: nameKey(c),
    addressKey: addressKey(c),
    emailNormalized: c.emailNormalized,
    phoneE164: c.phoneE164,
  };
}

export const sameKeys = (a: MatchKeysRecord, b: MatchKeysRecord) =>
  a.nameKey === b.nameKey &&
  a.addressKey === b.addressKey &&
  a.emailNormalized === b.emailNormalized &&
  a.phoneE164 === b.phoneE164;

/** One typo apart: one character inserted, deleted, replaced, or two neighbours swapped. */
export function oneTypoApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // replaced
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swapped
  }
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  return long.slice(i + 1) === short.slice(i); // inserted / deleted
}

/**
 * The suggestions for `changed` records against `candidates` (records sharing their address or
 * phone, the changed ones included), both directions of every pair. Pairs that share an email are
 * left to R1.6 (they share a matching key); keys held by more than MAX_BLOCK records are ignored.
 * `candidates` may hold only CANDIDATES_PER_KEY holders of a key: where it holds more than
 * MAX_BLOCK, the key has at least that many holders, so the answer is the same as with all of them.
 */
export function suggestDuplicates(
  changed: readonly MatchKeysRecord[],
  candidates: readonly MatchKeysRecord[],
  now: Date,
): SuggestionRecord[] {
  const block = (key: (k: MatchKeysRecord) => string | null) => {
    const m = new Map<string, MatchKeysRecord[]>();
    for (const c of candidates) {
      const v = key(c);
      if (!v) continue;
      const slot = `${c.accountId}\u0000${v}`;
      const list = m.get(slot);
      if (list) list.push(c);
      else m.set(slot, [c]);
    }
    return m;
  };
  const byAddress = block((k) => k.addressKey);
  const byPhone = block((k) => k.phoneE164);
  const out = new Map<string, SuggestionRecord>();
  const suggest = (a: MatchKeysRecord, b: MatchKeysRecord, reason: SuggestionReason, confidence: number) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      out.set(`${x.customerId}\u0000${y.customerId}\u0000${reason}`, {
        accountId: a.accountId,
        customerId: x.customerId,
        otherId: y.customerId,
        reason,
        confidence,
        createdAt: now,
      });
    }
  };
  const peers = (m: Map<string, MatchKeysRecord[]>, c: MatchKeysRecord, v: string | null) => {
    const list = v ? (m.get(`${c.accountId}\u0000${v}`) ?? []) : [];
    return list.length > MAX_BLOCK ? [] : list.filter((o) => o.customerId !== c.customerId);
  };
  for (const c of changed) {
    for (const o of peers(byAddress, c, c.addressKey)) {
      if (c.emailNormalized && c.emailNormalized === o.emailNormalized) continue;
      if (c.nameKey && c.nameKey === o.nameKey)
        suggest(c, o, 'same_name_and_address', CONFIDENCE.same_name_and_address);
      if (c.emailNormalized && o.emailNormalized && oneTypoApart(c.emailNormalized, o.emailNormalized))
        suggest(c, o, 'email_typo_same_address', CONFIDENCE.email_typo_same_address);
    }
    for (const o of peers(byPhone, c, c.phoneE164)) {
      if (!c.emailNormalized || !o.emailNormalized || c.emailNormalized === o.emailNormalized) continue;
      const sameName = c.nameKey !== null && c.nameKey === o.nameKey;
      suggest(
        c,
        o,
        'same_phone_other_email',
        sameName ? SAME_PHONE_SAME_NAME_CONFIDENCE : CONFIDENCE.same_phone_other_email,
      );
    }
  }
  return [...out.values()];
}
