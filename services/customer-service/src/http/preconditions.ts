import type { Response } from 'express';
import { AppError, validationFailed } from '@crp/platform/errors';
import type { HandlerResult } from '@crp/platform/http';
import { etagOf, type IfMatch } from '../app/preconditions';

// One entity tag of a list (RFC 9110 §8.8.3): optional W/, a quoted opaque part, then a comma or the end.
const ENTITY_TAG = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;

/**
 * The `If-Match` header of a request: absent → no condition; `*` → the record must exist; else a
 * list of entity tags. Anything else is a 400 that says what to send.
 */
export function ifMatchOf(
  header: string | undefined,
  answeredBy = { request: 'GET /v1/customers/:customerId', example: '"cus_….3"' },
): IfMatch | undefined {
  if (header === undefined) return undefined;
  const raw = header.trim();
  if (raw === '*') return { any: true, raw };
  const tags: Array<{ weak: boolean; opaque: string }> = [];
  ENTITY_TAG.lastIndex = 0;
  while (raw.length > 0 && ENTITY_TAG.lastIndex < raw.length) {
    const m = ENTITY_TAG.exec(raw);
    if (!m) {
      tags.length = 0;
      break;
    }
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
  }
  if (tags.length === 0) {
    const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
    const problem = `header If-Match ${JSON.stringify(shown)} is not an ETag: send the ETag exactly as ${answeredBy.request} answered it, quotes included (e.g. ${answeredBy.example}), or *`;
    throw validationFailed(`Invalid header: ${problem}`, [problem]);
  }
  return { any: false, raw, tags };
}

/** The response header that names the version a write left (or a read found). */
export const etagHeader = (c: { customerId: string; version: number }) => ({
  ETag: etagOf(c.customerId, c.version),
});

/**
 * Runs a single-customer write and answers its result with the record's new ETag. A 412 carries
 * the current ETag too (else express would put a hash of the error body there, which a client
 * could mistake for the record's).
 */
export async function withETag<T extends { customerId: string; version: number }>(
  res: Response,
  write: () => Promise<T>,
  status = 200,
): Promise<HandlerResult> {
  try {
    const body = await write();
    return { status, body, headers: etagHeader(body) };
  } catch (err) {
    throw withCurrentETag(res, err);
  }
}

/** A 412 answers the current ETag (`details.currentETag`) in its ETag header; returns `err`. */
function withCurrentETag(res: Response, err: unknown): unknown {
  const current = (err as { details?: { currentETag?: unknown } }).details?.currentETag;
  if (err instanceof AppError && err.status === 412 && typeof current === 'string') {
    res.setHeader('ETag', current);
  }
  return err;
}

/** The merge's If-Match header: the ETag POST /v1/customers/merge/preview answered. */
export const mergeIfMatchOf = (header: string | undefined) =>
  ifMatchOf(header, { request: 'POST /v1/customers/merge/preview', example: '"merge.3-1.5f0c…"' });

/**
 * Runs a merge and answers the survivor's new ETag; a 412 carries the ETag a preview would answer
 * now (else express would put a hash of the error body there).
 */
export async function mergeWithETag<T extends { survivor: { customerId: string; version: number } }>(
  res: Response,
  merge: () => Promise<T>,
): Promise<HandlerResult> {
  try {
    const body = await merge();
    // The survivor's new ETag, as every other single-record write answers: the next edit's If-Match.
    return { body, headers: etagHeader(body.survivor) };
  } catch (err) {
    throw withCurrentETag(res, err);
  }
}

/** OpenAPI: the If-Match request header of the single-customer writes. */
export const IF_MATCH_DOC = {
  'If-Match': {
    description:
      'Optional optimistic concurrency: the ETag that GET /v1/customers/{customerId} (or the previous write) answered. When the record has changed since (its version moved), the write is refused with 412 and nothing is changed. `*` only asks that the record exists. Without If-Match the last write wins.',
  },
};

/** OpenAPI: the ETag response header. */
export const ETAG_DOC = {
  ETag: {
    description:
      'The record\'s version as a strong entity tag ("<customerId>.<version>"): send it back as If-Match on the next write',
  },
};

/** OpenAPI: the 412 answer of a conditional write. */
export const PRECONDITION_FAILED_DOC = {
  description:
    'If-Match does not name the current version (someone else changed the record since it was read): `details.currentVersion` and `details.currentETag` (also the ETag header) say what it is now; nothing changed',
  headers: { ETag: { description: "The record's current ETag" } },
};

/** OpenAPI: the ETag of a merge preview. */
export const MERGE_ETAG_DOC = {
  ETag: {
    description:
      'R2.7: the versions of the survivor and of every merged record the preview was made of, with a digest of them and of the choices, as a strong entity tag (`"merge.<versions>.<digest>"`, also `etag` in the body): send it as If-Match on POST /v1/customers/merge to merge only what was shown',
  },
};

/** OpenAPI: the If-Match request header of the merge. */
export const MERGE_IF_MATCH_DOC = {
  'If-Match': {
    description:
      'Optional: the ETag POST /v1/customers/merge/preview answered (same survivorId, mergedIds and choices). When any of the records has changed since the preview (its version moved: an edit, an order, a status change), the merge is refused with 412 naming each such record, and nothing is merged. `*` or no If-Match: no condition.',
  },
};

/** OpenAPI: the 412 answer of a merge guarded by its preview. */
export const MERGE_PRECONDITION_FAILED_DOC = {
  description:
    'If-Match is not the ETag of the records as they are now: `details.changed` lists each record that changed since the preview (`customerId`, `previewVersion`, `currentVersion`; empty when the tag is weak or of another preview), `details.currentETag` (also the ETag header) is what a preview answers now; nothing merged',
  headers: { ETag: { description: 'The ETag a preview of this merge answers now' } },
};
