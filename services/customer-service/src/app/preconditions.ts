import { createHash } from 'node:crypto';
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

/** What a merge's ETag is about: its survivor, the records merged into it, the user's choices. */
export interface MergeSubject {
  survivorId: string;
  mergedIds: string[];
  choices?: Record<string, string>;
}

/** The survivor, then the merged records by id (their order in a request changes nothing). */
const inTagOrder = (req: MergeSubject) => [req.survivorId, ...[...req.mergedIds].sort()];

const byKey = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

/** 16 hex digits of sha256 over the records' `id.version` (in tag order) and the choices. */
function mergeDigest(req: MergeSubject, versions: number[]): string {
  const records = inTagOrder(req).map((id, i) => `${id}.${versions[i]}`);
  const choices = Object.entries(req.choices ?? {}).sort(byKey);
  return createHash('sha256').update(JSON.stringify({ records, choices })).digest('hex').slice(0, 16);
}

/**
 * R2.7: the ETag of a merge preview, `"merge.<versions>.<digest>"`: the version of the survivor
 * then of each merged record by id (0 for one not found), and a digest of those records' ids and
 * versions and of the choices. A strong tag: any change of any of the records (an edit, an order,
 * a status change) moves a version and so the tag; another survivor, another set of records or
 * other choices give another digest. The versions are in the clear so that a 412 can say which
 * record changed.
 */
export function mergeETagOf(
  req: MergeSubject,
  records: ReadonlyArray<{ id: string; version: number }>,
): string {
  const version = new Map(records.map((r) => [r.id, r.version]));
  const versions = inTagOrder(req).map((id) => version.get(id) ?? 0);
  return `"merge.${versions.join('-')}.${mergeDigest(req, versions)}"`;
}

/** The versions a merge ETag was made of, when it is the tag of a preview of this same merge. */
function previewVersions(opaque: string, req: MergeSubject): number[] | undefined {
  const m = /^merge\.(\d+(?:-\d+)*)\.([0-9a-f]{16})$/.exec(opaque);
  if (!m) return undefined;
  const versions = m[1]!.split('-').map(Number);
  if (versions.length !== req.mergedIds.length + 1 || mergeDigest(req, versions) !== m[2]) return undefined;
  return versions;
}

/** One record whose version moved between the preview and the merge. */
export interface ChangedSincePreview {
  customerId: string;
  previewVersion: number;
  currentVersion: number;
}

/**
 * POST /v1/customers/merge with `If-Match`: the ETag of the preview the user saw must still be the
 * one of the records as read under their row locks in the merge's transaction, else 412 naming
 * each record that changed (version in the preview, version now), nothing merged. `*` or no
 * If-Match: no condition. A weak tag never matches (as checkIfMatch).
 */
export function checkMergeIfMatch(
  ifMatch: IfMatch | undefined,
  req: MergeSubject,
  current: ReadonlyArray<{ id: string; version: number }>,
): void {
  if (!ifMatch || ifMatch.any) return;
  const etag = mergeETagOf(req, current);
  if (ifMatch.tags.some((t) => !t.weak && `"${t.opaque}"` === etag)) return;
  const again = `Nothing was merged: preview the merge again and send the ETag it answers (now ${etag})`;
  if (ifMatch.tags.every((t) => t.weak)) {
    throw preconditionFailed(
      `If-Match ${ifMatch.raw} is a weak ETag, which never matches (RFC 9110): send the ETag exactly as POST /v1/customers/merge/preview answered it. ${again}`,
      { currentETag: etag, ifMatch: ifMatch.raw, changed: [] },
    );
  }
  const ids = inTagOrder(req);
  const version = new Map(current.map((r) => [r.id, r.version]));
  for (const t of ifMatch.tags) {
    const seen = t.weak ? undefined : previewVersions(t.opaque, req);
    if (!seen) continue;
    const changed: ChangedSincePreview[] = ids
      .map((customerId, i) => ({
        customerId,
        previewVersion: seen[i]!,
        currentVersion: version.get(customerId) ?? 0,
      }))
      .filter((c) => c.previewVersion !== c.currentVersion);
    const said = changed
      .map((c) => `${c.customerId} (version ${c.previewVersion} in the preview, now ${c.currentVersion})`)
      .join(', ');
    throw preconditionFailed(
      `${changed.length === 1 ? 'A record has' : 'Records have'} changed since the merge preview: ${said}. The merge would no longer give what the preview showed. ${again}`,
      { currentETag: etag, ifMatch: ifMatch.raw, changed },
    );
  }
  throw preconditionFailed(
    `If-Match ${ifMatch.raw} is not the ETag of a preview of this merge (survivor ${req.survivorId}, merged ${req.mergedIds.join(', ')}, these choices). ${again}`,
    { currentETag: etag, ifMatch: ifMatch.raw, changed: [] },
  );
}
