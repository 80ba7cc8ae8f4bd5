import type { Address, ConsentState } from '@crp/contracts/common';
import { ADDRESS_PARTS } from '@crp/contracts/limits';
import { CONSENT_CHANNELS, withHistory, type ConsentChannel, type ConsentEvent } from './consent';
import {
  cloneState,
  emptyCustomer,
  NOTES_FIELD,
  PROFILE_FIELDS,
  sameAddress,
  type AddressField,
  type CustomerState,
  type FieldSource,
  type ProfileField,
  type TrackedField,
} from './customer';
import { blankToNull, normalizeEmail, normalizePhone } from './normalize';

/** The address types a record keeps (R2.3), as the API names them, and the field each is kept in. */
export const ADDRESS_KINDS = {
  shipping: 'shippingAddress',
  billing: 'billingAddress',
  postal: 'postalAddress',
} as const;
export type AddressKind = keyof typeof ADDRESS_KINDS;

/**
 * A change a person asks for (PATCH /v1/customers/:id, POST /v1/customers). A property left out is
 * not touched; `null` clears it. An address is merged part by part (`{ city: "Ottawa" }` changes
 * only the city); `null` for a whole address removes it.
 */
export interface CustomerEdit {
  firstName?: string | null;
  lastName?: string | null;
  name?: string | null;
  company?: string | null;
  email?: string | null;
  phone?: string | null;
  birthDate?: string | null;
  /** Free text; a blank value clears it. */
  notes?: string | null;
  addresses?: Partial<Record<AddressKind, Partial<Address> | null>>;
  tags?: string[];
  marketingConsent?: Partial<Record<ConsentChannel, { state: ConsentState }>>;
}

/** A field that only its store may change (R2.1), as the 409 names it. */
export interface LockedField {
  field: string;
  storeId: string | null;
  storeName: string | null;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Warning {
  code: string;
  field: string;
  message: string;
}

export type EditDecision =
  | { kind: 'locked'; locked: LockedField[] }
  | { kind: 'ok'; next: CustomerState; changes: FieldChange[]; warnings: Warning[] };

export interface EditContext {
  /** `manual` for an edit through the API or UI (SPEC §0), `api` for a record created by POST. */
  source: 'manual' | 'api';
  now: Date;
  defaultCountry: string;
}

/** The API name of a tracked field (`addresses.shipping` for shippingAddress). */
export function apiFieldName(field: TrackedField): string {
  const kind = (Object.keys(ADDRESS_KINDS) as AddressKind[]).find((k) => ADDRESS_KINDS[k] === field);
  return kind ? `addresses.${kind}` : field;
}

/**
 * R2.1–R2.5 for one edit, pure: either the fields the request may not touch (each with the store
 * that owns it — and then nothing changes), or the new state with what changed and the warnings.
 * A field "touched" is one whose value would change: sending back a locked field's current value
 * is no change and no refusal, so a client may send the whole record it read.
 */
export function decideEdit(current: CustomerState, edit: CustomerEdit, ctx: EditContext): EditDecision {
  const stamp: FieldSource = {
    source: ctx.source,
    storeId: null,
    storeName: null,
    at: ctx.now.toISOString(),
  };
  const wanted = new Map<TrackedField, unknown>();
  for (const field of PROFILE_FIELDS) {
    if (edit[field] === undefined) continue;
    const value = blankToNull(edit[field]);
    if (value !== current[field]) wanted.set(field, value);
  }
  if (edit.notes !== undefined) {
    const value = blankToNull(edit.notes);
    if (value !== current.notes) wanted.set(NOTES_FIELD, value);
  }
  for (const [kind, field] of Object.entries(ADDRESS_KINDS) as Array<[AddressKind, AddressField]>) {
    const patch = edit.addresses?.[kind];
    if (patch === undefined) continue;
    const value = patch === null ? null : mergeAddress(current[field], patch);
    if (!sameAddress(value, current[field])) wanted.set(field, value);
  }
  // The display name follows first/last name when it was made from them and the request leaves it.
  if (edit.name === undefined && (wanted.has('firstName') || wanted.has('lastName'))) {
    const joined = (f: unknown, l: unknown) => blankToNull([f, l].filter(Boolean).join(' '));
    if (current.name === null || current.name === joined(current.firstName, current.lastName)) {
      const first = wanted.has('firstName') ? wanted.get('firstName') : current.firstName;
      const last = wanted.has('lastName') ? wanted.get('lastName') : current.lastName;
      const name = joined(first, last);
      if (name !== current.name && current.fieldSources.name?.source !== 'store') wanted.set('name', name);
    }
  }

  // R2.1 / R2.2: a store-written field is locked, whoever asks.
  const locked: LockedField[] = [];
  for (const field of wanted.keys()) {
    const owner = current.fieldSources[field];
    if (owner?.source === 'store') {
      locked.push({ field: apiFieldName(field), storeId: owner.storeId, storeName: owner.storeName });
    }
  }
  if (locked.length > 0) return { kind: 'locked', locked };

  const next = cloneState(current);
  const changes: FieldChange[] = [];
  const warnings: Warning[] = [];
  for (const [field, value] of wanted) {
    changes.push({ field: apiFieldName(field), from: current[field], to: value });
    (next as unknown as Record<string, unknown>)[field] = value;
    next.fieldSources[field] = stamp;
  }
  if (wanted.has('email') && normalizeEmail(current.email) !== normalizeEmail(next.email)) {
    // R2.5
    warnings.push({
      code: 'EMAIL_IS_MATCHING_KEY',
      field: 'email',
      message:
        'email is a matching key (R1.4): from now on, orders of new buyers with this email link to this customer, and orders with the previous email no longer do',
    });
  }
  if (wanted.has('phone') && next.phone !== null && normalizePhone(next.phone, ctx.defaultCountry) === null) {
    warnings.push({
      code: 'PHONE_NOT_READABLE',
      field: 'phone',
      message: `phone "${next.phone}" is not a number that can be read (default country ${ctx.defaultCountry}): kept as written, never used to match orders`,
    });
  }

  if (edit.tags !== undefined) {
    const tags = [...new Set(edit.tags.map((t) => t.trim()).filter(Boolean))];
    if (tags.length !== current.tags.length || tags.some((t, i) => t !== current.tags[i])) {
      changes.push({ field: 'tags', from: current.tags, to: tags });
      next.tags = tags;
    }
  }

  // R2.9: a person's consent edit applies whatever the dates (they act on the buyer's word now).
  const applied: ConsentEvent[] = [];
  for (const channel of CONSENT_CHANNELS) {
    const want = edit.marketingConsent?.[channel];
    if (!want || current.consent[channel]?.state === want.state) continue;
    const kept = { state: want.state, changedAt: ctx.now.toISOString(), source: ctx.source, storeId: null };
    changes.push({ field: `marketingConsent.${channel}`, from: current.consent[channel] ?? null, to: kept });
    next.consent[channel] = kept;
    applied.push({ channel, ...kept });
  }
  next.consentHistory = withHistory(next.consentHistory, applied);

  return { kind: 'ok', next, changes, warnings };
}

/** POST /v1/customers: a new record whose every given field has the source `api`. */
export function decideCreate(input: CustomerEdit, ctx: EditContext) {
  const d = decideEdit(emptyCustomer(), input, ctx);
  // An empty record has no locks: a creation is always "ok".
  if (d.kind !== 'ok') throw new Error('a new record cannot have locked fields');
  return d;
}

function mergeAddress(current: Address | null, patch: Partial<Address>): Address | null {
  const merged = {} as Address;
  for (const part of ADDRESS_PARTS) {
    const v = part in patch ? blankToNull(patch[part]) : (current?.[part] ?? null);
    merged[part] = part === 'country' && v ? v.toUpperCase() : v;
  }
  return ADDRESS_PARTS.every((p) => merged[p] === null) ? null : merged;
}

export type { ProfileField };
