import type { Address, ConsentState } from '@crp/contracts/common';
import type { Json, JsonObject } from '../order';
import { OrderFormatError } from '../shipstation-order';

// Small readers shared by the channel mappings: channel payloads are untrusted JSON, so every
// field is read defensively and blanks become null.

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function obj(v: unknown): JsonObject | null {
  return isObject(v) ? v : null;
}

/** A trimmed non-empty string (numbers, e.g. ids, become their decimal text), else null. */
export function str(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t ? t : null;
}

/** An id as text: the lossless parser hands big integers over as strings already. */
export function idOf(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return v.trim();
  return null;
}

/** Money sent as a string ("29.35") or a number, to two decimals. */
export function money(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : null;
}

/** An instant with an explicit offset (ISO 8601), as UTC. */
export function instant(v: unknown, field: string): Date {
  const s = str(v);
  const d = s && /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? new Date(s) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new OrderFormatError(`${field} "${String(v)}" is not a date with an offset`);
  return d;
}

/** A GMT wall-clock time without an offset (WooCommerce's *_gmt fields), as UTC. */
export function gmtInstant(v: unknown, field: string): Date {
  const s = str(v);
  const d = s && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s) ? new Date(`${s}Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new OrderFormatError(`${field} "${String(v)}" is not a GMT date`);
  return d;
}

export function emailOf(v: unknown): string | null {
  const s = str(v);
  return s && s.includes('@') ? s : null;
}

export function joinName(first: string | null, last: string | null): string | null {
  return [first, last].filter(Boolean).join(' ') || null;
}

export function address(parts: {
  name: string | null;
  company: unknown;
  street1: unknown;
  street2: unknown;
  city: unknown;
  state: unknown;
  postalCode: unknown;
  country: unknown;
  phone: unknown;
}): Address | null {
  const a: Address = {
    name: parts.name,
    company: str(parts.company),
    street1: str(parts.street1),
    street2: str(parts.street2),
    street3: null,
    city: str(parts.city),
    state: str(parts.state),
    postalCode: str(parts.postalCode),
    country: str(parts.country)?.toUpperCase() ?? null,
    phone: str(parts.phone),
  };
  return Object.values(a).every((v) => v === null) ? null : a;
}

/** Comma-separated tags ("tag1, tag2") as a list, blanks dropped, order kept, no duplicates. */
export function splitTags(v: unknown): string[] {
  const s = typeof v === 'string' ? v : '';
  return [
    ...new Set(
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** Tags every channel order carries (R1.8): the channel, the store's name, then the order's own. */
export function storeTags(channel: string, storeName: string, own: string[]): string[] {
  return [...new Set([channel, storeName, ...own].filter(Boolean))];
}

export function consentState(v: unknown): ConsentState | null {
  switch (str(v)?.toLowerCase()) {
    case 'subscribed':
      return 'subscribed';
    case 'unsubscribed':
      return 'unsubscribed';
    case 'not_subscribed':
    case 'pending':
    case 'invalid':
      return 'not_subscribed';
    default:
      // `redacted` and unknown states say nothing about the buyer's choice.
      return null;
  }
}

/** Line items kept as sent, minus nothing: the service stores them and does not interpret them. */
export function items(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** Keeps only the listed keys whose values are not undefined. */
export function pick(o: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k] as Json;
  return out;
}

/**
 * An RFC 2822 date (`Tue, 05 Mar 2019 21:40:11 +0000`, as BigCommerce's v2 API writes them), as
 * UTC; an ISO 8601 instant with an offset is read too. A date without a zone is refused.
 */
export function rfc2822Instant(v: unknown, field: string): Date {
  const s = str(v);
  if (
    s &&
    /^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? (?:[+-]\d{4}|GMT|UT|Z)$/.test(s)
  ) {
    const d = new Date(Date.parse(s));
    if (!Number.isNaN(d.getTime())) return d;
  }
  if (s && /^\d{4}-\d{2}-\d{2}T/.test(s)) return instant(s, field);
  throw new OrderFormatError(`${field} "${String(v)}" is not an RFC 2822 date with a zone`);
}
