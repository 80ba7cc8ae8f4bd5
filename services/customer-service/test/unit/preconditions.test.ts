import { checkIfMatch, checkMergeIfMatch, etagOf, mergeETagOf } from '../../src/app/preconditions';
import { ifMatchOf, mergeIfMatchOf } from '../../src/http/preconditions';

describe('If-Match: reading the header (RFC 9110 §13.1.1)', () => {
  it('absent is no condition; * asks only that the record exists', () => {
    expect(ifMatchOf(undefined)).toBeUndefined();
    expect(ifMatchOf(' * ')).toEqual({ any: true, raw: '*' });
  });
  it('reads a list of strong and weak tags, whitespace and all', () => {
    expect(ifMatchOf('"cus_a.1" ,W/"cus_a.2",\t"x,y"')).toEqual({
      any: false,
      raw: '"cus_a.1" ,W/"cus_a.2",\t"x,y"',
      tags: [
        { weak: false, opaque: 'cus_a.1' },
        { weak: true, opaque: 'cus_a.2' },
        { weak: false, opaque: 'x,y' },
      ],
    });
  });
  it.each(['', '3', 'cus_a.3', '"cus_a.3" junk', '"cus_a.3', 'w/"cus_a.3"', '"a b"', '*, "cus_a.3"'])(
    '%j is a 400 that says what to send',
    (value) => {
      expect(() => ifMatchOf(value)).toThrow(
        expect.objectContaining({
          status: 400,
          message: expect.stringMatching(/is not an ETag: send the ETag/),
        }),
      );
    },
  );
});

describe('If-Match: checking it against the record read under its lock', () => {
  const record = { id: 'cus_a', version: 3 };
  it('the ETag is the id and version, quoted (a strong tag)', () => {
    expect(etagOf('cus_a', 3)).toBe('"cus_a.3"');
  });
  it('holds for no condition, *, the current tag, or a list holding it', () => {
    expect(() => checkIfMatch(undefined, record)).not.toThrow();
    expect(() => checkIfMatch(ifMatchOf('*'), record)).not.toThrow();
    expect(() => checkIfMatch(ifMatchOf('"cus_a.3"'), record)).not.toThrow();
    expect(() => checkIfMatch(ifMatchOf('"cus_a.2", "cus_a.3"'), record)).not.toThrow();
  });
  it('an older version, or another record’s tag, is a 412 naming the current version', () => {
    for (const stale of ['"cus_a.2"', '"cus_b.3"', '"cus_a.4"']) {
      expect(() => checkIfMatch(ifMatchOf(stale), record)).toThrow(
        expect.objectContaining({
          status: 412,
          code: 'PRECONDITION_FAILED',
          details: { currentVersion: 3, currentETag: '"cus_a.3"', ifMatch: stale },
        }),
      );
    }
  });
  it('a weak tag never matches, even of the current version, and the message says why', () => {
    expect(() => checkIfMatch(ifMatchOf('W/"cus_a.3"'), record)).toThrow(
      expect.objectContaining({ status: 412, message: expect.stringMatching(/weak ETag/) }),
    );
  });
});

describe('R2.7: the ETag of a merge preview, checked by the merge', () => {
  const req = { survivorId: 'cus_s', mergedIds: ['cus_m2', 'cus_m1'] };
  const records = [
    { id: 'cus_m1', version: 4 },
    { id: 'cus_s', version: 7 },
    { id: 'cus_m2', version: 1 },
  ];
  const tag = mergeETagOf(req, records);

  it('names the survivor’s version, then each merged record’s by id, and a digest: a strong tag', () => {
    expect(tag).toMatch(/^"merge\.7-4-1\.[0-9a-f]{16}"$/);
    // The order of mergedIds, or of the records read, changes nothing.
    expect(mergeETagOf({ ...req, mergedIds: ['cus_m1', 'cus_m2'] }, [...records].reverse())).toBe(tag);
    // Choices given in another order are the same choices.
    const chosen = mergeETagOf({ ...req, choices: { email: 'cus_m1', phone: 'cus_m2' } }, records);
    expect(mergeETagOf({ ...req, choices: { phone: 'cus_m2', email: 'cus_m1' } }, records)).toBe(chosen);
  });

  it('moves with any record’s version, with another survivor, other records or other choices', () => {
    const others = [
      mergeETagOf(
        req,
        records.map((r) => (r.id === 'cus_m2' ? { ...r, version: 2 } : r)),
      ),
      mergeETagOf({ survivorId: 'cus_m1', mergedIds: ['cus_s', 'cus_m2'] }, records),
      mergeETagOf({ ...req, mergedIds: ['cus_m1'] }, records),
      mergeETagOf({ ...req, choices: { email: 'cus_m1' } }, records),
    ];
    expect(new Set([tag, ...others]).size).toBe(5);
    // A record not found counts as version 0 (the merge then has a blocker anyway).
    expect(mergeETagOf(req, records.slice(1))).toMatch(/^"merge\.7-0-1\./);
  });

  it('holds for no condition, *, the current tag, or a list holding it', () => {
    expect(() => checkMergeIfMatch(undefined, req, records)).not.toThrow();
    expect(() => checkMergeIfMatch(ifMatchOf('*'), req, records)).not.toThrow();
    expect(() => checkMergeIfMatch(ifMatchOf(tag), req, records)).not.toThrow();
    expect(() => checkMergeIfMatch(ifMatchOf(`"cus_s.7", ${tag}`), req, records)).not.toThrow();
  });

  it('a record changed since the preview: 412 naming it, the version seen and the version now', () => {
    const now = records.map((r) => (r.id === 'cus_m2' ? { ...r, version: 3 } : r));
    expect(() => checkMergeIfMatch(ifMatchOf(tag), req, now)).toThrow(
      expect.objectContaining({
        status: 412,
        code: 'PRECONDITION_FAILED',
        message: expect.stringMatching(
          /^A record has changed since the merge preview: cus_m2 \(version 1 in the preview, now 3\)\. .*Nothing was merged/,
        ),
        details: {
          currentETag: mergeETagOf(req, now),
          ifMatch: tag,
          changed: [{ customerId: 'cus_m2', previewVersion: 1, currentVersion: 3 }],
        },
      }),
    );
    const both = now.map((r) => (r.id === 'cus_s' ? { ...r, version: 8 } : r));
    expect(() => checkMergeIfMatch(ifMatchOf(tag), req, both)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^Records have changed since the merge preview: cus_s \(version 7 in the preview, now 8\), cus_m2 \(version 1/,
        ),
      }),
    );
  });

  it('a weak tag never matches; a record’s ETag or another preview’s is a 412 that says so', () => {
    expect(() => checkMergeIfMatch(ifMatchOf(`W/${tag}`), req, records)).toThrow(
      expect.objectContaining({ status: 412, message: expect.stringMatching(/weak ETag/) }),
    );
    for (const other of ['"cus_s.7"', mergeETagOf({ ...req, choices: { email: 'cus_m1' } }, records)]) {
      expect(() => checkMergeIfMatch(ifMatchOf(other), req, records)).toThrow(
        expect.objectContaining({
          status: 412,
          message: expect.stringMatching(/is not the ETag of a preview of this merge/),
          details: { currentETag: tag, ifMatch: other, changed: [] },
        }),
      );
    }
  });

  it('an If-Match on the merge that is not an ETag is a 400 pointing at the preview', () => {
    expect(() => mergeIfMatchOf('merge.7-4-1')).toThrow(
      expect.objectContaining({
        status: 400,
        message: expect.stringMatching(
          /send the ETag exactly as POST \/v1\/customers\/merge\/preview answered it/,
        ),
      }),
    );
  });
});
