import type { Address, MarketingConsent } from '@crp/contracts/common';
import { ADDRESS_PARTS } from '@crp/contracts/limits';
import { consentFromOrder, withHistory, type ConsentEvent, type ConsentRecord } from './consent';
import { blankToNull, isEmail, normalizeEmail, normalizePhone } from './normalize';
import type { SourceKind } from './source';

export type { ConsentRecord } from './consent';
export type { SourceKind } from './source';

export type CustomerStatus = 'active' | 'archived' | 'merged' | 'deleted';

/** Who last wrote a field (SPEC §0 "Source"); store-written fields are locked (R2.1). */
export interface FieldSource {
  source: SourceKind;
  storeId: string | null;
  storeName: string | null;
  at: string;
}

export const PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'name',
  'company',
  'email',
  'phone',
  'birthDate',
] as const;
export const ADDRESS_FIELDS = ['shippingAddress', 'billingAddress', 'postalAddress'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type AddressField = (typeof ADDRESS_FIELDS)[number];
/**
 * Notes are merchant-written free text (issue #16): tracked with their source (`manual`, `api`,
 * `csv`) like the other fields, but orders never write them, so no store ever locks them.
 */
export const NOTES_FIELD = 'notes' as const;
export type TrackedField = ProfileField | AddressField | typeof NOTES_FIELD;

export interface CustomerState {
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  company: string | null;
  email: string | null;
  phone: string | null;
  birthDate: string | null;
  shippingAddress: Address | null;
  billingAddress: Address | null;
  postalAddress: Address | null;
  /** Free text the merchant keeps on the record (at most TEXT_LIMITS.note characters). */
  notes: string | null;
  /** Order date of the order that wrote the kept shipping address (R1.7); informational. */
  addressOrderDate: Date | null;
  /** Order date of the newest order applied to this record; informational. */
  profileOrderDate: Date | null;
  tags: string[];
  consent: { email?: ConsentRecord; sms?: ConsentRecord };
  /** R2.9: every consent change applied, oldest first (capped: consent.ts). */
  consentHistory: ConsentEvent[];
  fieldSources: Partial<Record<TrackedField, FieldSource>>;
}

export interface OrderFacts {
  storeId: string;
  storeName: string;
  storeType: string;
  orderDate: Date;
  source: SourceKind;
  buyer: {
    email: string | null;
    phone: string | null;
    name: string | null;
    firstName: string | null;
    lastName: string | null;
    company: string | null;
    birthDate: string | null;
    marketingConsent: MarketingConsent;
  };
  shipTo: Address | null;
  billTo: Address | null;
  tags: string[];
}

export interface AccountRules {
  protectNames: boolean;
  defaultCountry: string;
}

export const emptyCustomer = (): CustomerState => ({
  firstName: null,
  lastName: null,
  name: null,
  company: null,
  email: null,
  phone: null,
  birthDate: null,
  shippingAddress: null,
  billingAddress: null,
  postalAddress: null,
  notes: null,
  addressOrderDate: null,
  profileOrderDate: null,
  tags: [],
  consent: {},
  consentHistory: [],
  fieldSources: {},
});

/**
 * A deep copy made by hand rather than with structuredClone: its Dates would belong to another
 * realm under jest's vm, and the state is small and plain (strings, Dates, flat objects).
 */
export function cloneState(s: CustomerState): CustomerState {
  const copyDate = (d: Date | null) => (d ? new Date(d.getTime()) : null);
  const copyAddress = (a: Address | null) => (a ? { ...a } : null);
  return {
    ...s,
    shippingAddress: copyAddress(s.shippingAddress),
    billingAddress: copyAddress(s.billingAddress),
    postalAddress: copyAddress(s.postalAddress),
    addressOrderDate: copyDate(s.addressOrderDate),
    profileOrderDate: copyDate(s.profileOrderDate),
    tags: [...s.tags],
    consent: Object.fromEntries(Object.entries(s.consent).map(([k, v]) => [k, { ...v }])),
    consentHistory: s.consentHistory.map((e) => ({ ...e })),
    fieldSources: Object.fromEntries(Object.entries(s.fieldSources).map(([k, v]) => [k, { ...v }])),
  };
}

/** Splits "Bob Norman" when a channel only sends a full name. */
export function splitName(full: string | null): { firstName: string | null; lastName: string | null } {
  const parts = (full ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { firstName: null, lastName: null };
  if (parts.length === 1) return { firstName: parts[0]!, lastName: null };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1]! };
}

function isEmptyAddress(a: Address | null): boolean {
  return !a || Object.values(a).every((v) => v === null || v === '');
}

export function sameAddress(a: Address | null, b: Address | null): boolean {
  if (!a || !b) return a === b;
  return ADDRESS_PARTS.every((k) => (a[k] ?? null) === (b[k] ?? null));
}

/**
 * May an order from `facts` overwrite `field`? R1.7: only an order at least as new as whatever
 * wrote the field (order date, or the time of a manual edit: R2.4); R2.1: a field a store wrote is
 * changed only by that same store's orders.
 */
function mayOverwrite(current: CustomerState, field: TrackedField, facts: OrderFacts): boolean {
  const owner = current.fieldSources[field];
  if (!owner) return true;
  if (owner.source === 'store' && owner.storeId !== facts.storeId) return false;
  return facts.orderDate.getTime() >= Date.parse(owner.at);
}

/**
 * Applies one imported order to a customer record (R1.7, R1.8, R1.10, R2.1, R2.9). Pure: returns
 * the new state and whether anything changed.
 */
export function applyOrder(
  current: CustomerState,
  facts: OrderFacts,
  rules: AccountRules,
): { next: CustomerState; changed: boolean } {
  const next = cloneState(current);
  // Set wherever a visible field takes a new value (profileOrderDate is bookkeeping, not a change).
  let changed = false;
  const stamp: FieldSource = {
    source: facts.source,
    storeId: facts.source === 'store' ? facts.storeId : null,
    storeName: facts.source === 'store' ? facts.storeName : null,
    at: facts.orderDate.toISOString(),
  };

  const split = splitName(facts.buyer.name);
  const incoming: Record<ProfileField, string | null> = {
    firstName: blankToNull(facts.buyer.firstName) ?? split.firstName,
    lastName: blankToNull(facts.buyer.lastName) ?? split.lastName,
    name:
      blankToNull(facts.buyer.name) ??
      blankToNull([facts.buyer.firstName, facts.buyer.lastName].filter(Boolean).join(' ')),
    company: blankToNull(facts.buyer.company),
    email: blankToNull(facts.buyer.email),
    phone: blankToNull(facts.buyer.phone),
    birthDate: blankToNull(facts.buyer.birthDate),
  };
  for (const field of PROFILE_FIELDS) {
    const value = incoming[field];
    if (value === null) continue; // an order that lacks a field never erases it
    const isName = field === 'firstName' || field === 'lastName' || field === 'name';
    if (current[field] === null) {
      next[field] = value;
      next.fieldSources[field] = stamp;
      changed = true;
      continue;
    }
    if (current[field] === value) continue;
    if (isName && rules.protectNames) continue; // R1.10
    if (field === 'email' && normalizeEmail(current.email) === normalizeEmail(value)) continue;
    // Text that is not an address may fill an empty email (flagged), never replace an address.
    if (field === 'email' && !isEmail(value) && isEmail(current.email)) continue;
    if (field === 'phone' && sameNumber(current.phone, value, rules.defaultCountry)) continue;
    if (mayOverwrite(current, field, facts)) {
      next[field] = value;
      next.fieldSources[field] = stamp;
      changed = true;
    }
  }
  if (!current.profileOrderDate || facts.orderDate > current.profileOrderDate)
    next.profileOrderDate = facts.orderDate;

  // R1.7: the shipping address follows the newest order by order date, never arrival time.
  if (!isEmptyAddress(facts.shipTo)) {
    if (
      current.shippingAddress === null ||
      (mayOverwrite(current, 'shippingAddress', facts) && !sameAddress(current.shippingAddress, facts.shipTo))
    ) {
      next.shippingAddress = facts.shipTo;
      next.fieldSources.shippingAddress = stamp;
      next.addressOrderDate = facts.orderDate;
      changed = true;
    }
  }
  if (!isEmptyAddress(facts.billTo)) {
    if (
      current.billingAddress === null ||
      (mayOverwrite(current, 'billingAddress', facts) && !sameAddress(current.billingAddress, facts.billTo))
    ) {
      next.billingAddress = facts.billTo;
      next.fieldSources.billingAddress = stamp;
      changed = true;
    }
  }

  // R1.8: tags keep at least the channel and the store name (added after the ones it has).
  next.tags = [
    ...new Set(
      [...current.tags, facts.storeType, facts.storeName, ...facts.tags].filter((t) => t && t.trim()),
    ),
  ];
  if (next.tags.length !== current.tags.length) changed = true;

  // R2.9: consent per channel (consent.ts): an explicit unsubscribe is never overturned by an
  // older order, and only by a newer change from the store that recorded it.
  const applied: ConsentEvent[] = [];
  for (const channel of ['email', 'sms'] as const) {
    const c = facts.buyer.marketingConsent[channel];
    if (!c) continue;
    const kept = consentFromOrder(current.consent[channel], {
      state: c.state,
      at: c.changedAt ?? facts.orderDate.toISOString(),
      dated: c.changedAt !== null,
      source: facts.source,
      storeId: stamp.storeId,
    });
    if (!kept) continue;
    next.consent[channel] = kept;
    applied.push({ channel, ...kept });
    changed = true;
  }
  next.consentHistory = withHistory(next.consentHistory, applied);

  return { next, changed };
}

function sameNumber(a: string | null, b: string | null, country: string): boolean {
  const na = normalizePhone(a, country);
  return na !== null && na === normalizePhone(b, country);
}
