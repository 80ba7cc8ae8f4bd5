import { Type, type Static } from '@sinclair/typebox';
import type { Request } from 'express';
import { CustomerStatus } from '@crp/contracts/events/customer-upserted';
import { SEARCH_LIMITS, TEXT_LIMITS as L } from '@crp/contracts/limits';
import { looksLikePhone } from '../domain/search';

const text = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength, description }));
const instant = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }));

/**
 * R2.11: the filters that search and export share (all ANDed). Each is at most as long as the
 * longest value it can match (packages/contracts limits): a longer one is a 400 naming it, not an
 * empty page.
 */
export const customerFilterProperties = {
  q: text(
    SEARCH_LIMITS.customerQuery,
    'Free text: a prefix of the name or last name, of the email, or of a store username; or a phone in any format (compared as E.164)',
  ),
  email: text(L.email, 'Exact email, compared trimmed and lower-cased (R1.5)'),
  phone: text(
    L.phone,
    "Exact phone in any format, compared as E.164 read with the account's default country (R1.5): `+1 613-555-1212`, `(613)555-1212` and `6135551212` are one number",
  ),
  username: text(
    L.username,
    'Exact store username (the buyer key of an identity, R1.2); with storeId, of that store',
  ),
  storeId: text(L.storeId, 'Customers with an identity in this store'),
  tag: text(L.tag, 'Customers carrying this tag (case-insensitive)'),
  /** Record status (R2.6); default active. */
  status: Type.Optional(CustomerStatus),
  createdFrom: instant('Created at or after this instant'),
  createdTo: instant('Created before this instant'),
  updatedFrom: instant('Last changed at or after this instant'),
  updatedTo: instant('Last changed before this instant'),
};

export const ListQuery = Type.Object({
  ...customerFilterProperties,
  cursor: Type.Optional(
    Type.String({ maxLength: L.id, description: 'nextCursor of the previous page (keyset pagination)' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});
export type ListQuery = Static<typeof ListQuery>;

export const ExportQuery = Type.Object({
  ...customerFilterProperties,
  format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }),
});

/**
 * Query strings turn `+` into a space, yet people paste `?phone=+1 613…` and `?email=bob+news@…`
 * unencoded, where a space can never be meant. For those values (and a `q` that reads as an email
 * or a phone) the raw query string is decoded again with `+` kept as a plus.
 */
export function keepPlus<T extends { q?: string; email?: string; phone?: string; username?: string }>(
  req: Request,
  query: T,
): T {
  const at = req.originalUrl.indexOf('?');
  if (at < 0 || !req.originalUrl.includes('+', at)) return query;
  const raw = new Map<string, string>();
  for (const pair of req.originalUrl.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    try {
      raw.set(decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1)));
    } catch {
      // A malformed escape: keep what the query parser made of it.
    }
  }
  const out = { ...query };
  for (const key of ['email', 'phone', 'username'] as const) {
    const v = raw.get(key);
    if (out[key] !== undefined && v !== undefined) out[key] = v;
  }
  const q = raw.get('q');
  if (out.q !== undefined && q !== undefined && (q.includes('@') || looksLikePhone(q.trim()))) out.q = q;
  return out;
}
