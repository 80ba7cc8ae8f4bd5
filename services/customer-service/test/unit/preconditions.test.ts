import { checkIfMatch, etagOf } from '../../src/app/preconditions';
import { ifMatchOf } from '../../src/http/preconditions';

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
