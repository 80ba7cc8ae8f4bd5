import { preconditionFailed } from '@crp/platform/errors';

/**
 * Optimistic concurrency for a person's writes (PATCH, archive, restore, delete). A record's ETag
 * is derived from its id and `version`, which every change of the record moves (edits, orders,
 * imports, status changes, merges, erasure, Mailchimp unsubscribes). A strong tag: If-Match
 * compares it strongly (RFC 9110 §13.1.1), so a weak one (`W/"…"`) never matches.
 */
export const etagOf = (customerId: string, version: number): string => `"${customerId}.${version}"`;

/** What an `If-Match` header asks, as the caller sent it (`raw`): `*`, or one of `tags`. */
export type IfMatch =
  { any: true; raw: string } | { any: false; raw: string; tags: Array<{ weak: boolean; opaque: string }> };

/**
 * Checked on the record read under its row lock, in the transaction that writes it: two writes
 * with the same If-Match run one after the other, and the second finds the version moved (412).
 * No If-Match: no condition (the last write wins field by field, as before).
 */
export function checkIfMatch(ifMatch: IfMatch | undefined, current: { id: string; version: number }): void {
  if (!ifMatch || ifMatch.any) return;
  const etag = etagOf(current.id, current.version);
  if (ifMatch.tags.some((t) => !t.weak && `"${t.opaque}"` === etag)) return;
  const details = { currentVersion: current.version, currentETag: etag, ifMatch: ifMatch.raw };
  if (ifMatch.tags.every((t) => t.weak)) {
    throw preconditionFailed(
      `If-Match ${ifMatch.raw} is a weak ETag, which never matches (RFC 9110): send the ETag exactly as GET /v1/customers/${current.id} answered it (now ${etag}, version ${current.version}). Nothing was changed`,
      details,
    );
  }
  throw preconditionFailed(
    `Customer ${current.id} has changed since it was read: If-Match ${ifMatch.raw} no longer holds, the record is now at version ${current.version} (ETag ${etag}). Nothing was changed; read it again and apply your change to what it is now`,
    details,
  );
}
