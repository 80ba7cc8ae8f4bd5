import {
  CANDIDATES_PER_KEY,
  CONFIDENCE,
  MAX_BLOCK,
  addressKey,
  nameKey,
  oneTypoApart,
  suggestDuplicates,
  type MatchKeysRecord,
} from '../../src/domain/duplicates';

const at = (street1: string, postalCode: string | null, extra: Record<string, string | null> = {}) => ({
  name: null,
  company: null,
  street1,
  street2: null,
  street3: null,
  city: 'Louisville',
  state: 'KY',
  postalCode,
  country: 'US',
  phone: null,
  ...extra,
});

const keys = (customerId: string, over: Partial<MatchKeysRecord> = {}): MatchKeysRecord => ({
  accountId: 'acct',
  customerId,
  nameKey: 'ada lovelace',
  addressKey: 'US|40202|12 chestnut street',
  emailNormalized: `${customerId}@example.com`,
  phoneE164: null,
  ...over,
});
const now = new Date('2026-11-24T00:00:00Z');

describe('likely duplicates (issue 14, beyond R1.6)', () => {
  it('names compare without case, accents, punctuation or word order', () => {
    expect(nameKey({ name: 'Zoë Ünal', firstName: null, lastName: null })).toBe('unal zoe');
    expect(nameKey({ name: 'UNAL, Zoe', firstName: null, lastName: null })).toBe('unal zoe');
    expect(nameKey({ name: null, firstName: 'Zoe', lastName: 'Unal' })).toBe('unal zoe');
    expect(nameKey({ name: '  ', firstName: null, lastName: null })).toBeNull();
  });

  it('R2.3 the postal address counts when there is one, else the shipping address; postal codes compare without spaces', () => {
    const shipping = at('12 Chestnut Street', '40202');
    expect(addressKey({ postalAddress: null, shippingAddress: shipping })).toBe(
      'US|40202|12 chestnut street',
    );
    expect(addressKey({ postalAddress: at('12 CHESTNUT STREET.', '40 202'), shippingAddress: null })).toBe(
      'US|40202|12 chestnut street',
    );
    expect(addressKey({ postalAddress: at('PO Box 7', 'K1A 0B1'), shippingAddress: shipping })).toBe(
      'US|K1A0B1|po box 7',
    );
    expect(addressKey({ postalAddress: null, shippingAddress: at('', '40202') })).toBeNull();
  });

  it('one typo: a letter replaced, added, dropped, or two neighbours swapped; two typos are not one', () => {
    expect(oneTypoApart('pat@gmail.com', 'pat@gmial.com')).toBe(true);
    expect(oneTypoApart('pat@gmail.com', 'pat@gmail.co')).toBe(true);
    expect(oneTypoApart('pat@gmail.com', 'patt@gmail.com')).toBe(true);
    expect(oneTypoApart('pat@gmail.com', 'pat@gmeil.com')).toBe(true);
    expect(oneTypoApart('pat@gmail.com', 'pat@gmail.com')).toBe(false);
    expect(oneTypoApart('pat@gmail.com', 'pta@gmial.com')).toBe(false);
    expect(oneTypoApart('pat@gmail.com', 'pat@yahoo.com')).toBe(false);
  });

  it('suggests both directions of a pair, with reason and confidence; never a record with itself', () => {
    const a = keys('a', { emailNormalized: 'ada@home.example' });
    const b = keys('b', { emailNormalized: 'countess@work.example' });
    const found = suggestDuplicates([a], [a, b], now);
    expect(found.map((s) => [s.customerId, s.otherId, s.reason, s.confidence]).sort()).toEqual([
      ['a', 'b', 'same_name_and_address', CONFIDENCE.same_name_and_address],
      ['b', 'a', 'same_name_and_address', CONFIDENCE.same_name_and_address],
    ]);
  });

  it('an email one typo away at the same address, and the same phone under two emails (surer when the names agree)', () => {
    const a = keys('a', { nameKey: 'pat lee', emailNormalized: 'pat.lee@gmail.com' });
    const b = keys('b', { nameKey: 'lee p', emailNormalized: 'pat.lee@gmial.com' });
    expect(suggestDuplicates([a], [a, b], now).map((s) => s.reason)).toEqual([
      'email_typo_same_address',
      'email_typo_same_address',
    ]);
    const p = (id: string, nameKey: string) =>
      keys(id, { addressKey: `US|1000${id}|elsewhere`, phoneE164: '+16135550177', nameKey });
    expect(
      suggestDuplicates([p('x', 'sam roe')], [p('x', 'sam roe'), p('y', 'kim roe')], now)[0],
    ).toMatchObject({
      reason: 'same_phone_other_email',
      confidence: CONFIDENCE.same_phone_other_email,
    });
    expect(
      suggestDuplicates([p('x', 'sam roe')], [p('x', 'sam roe'), p('y', 'sam roe')], now)[0]!.confidence,
    ).toBe(0.85);
  });

  it('pairs sharing an email are left to R1.6; another account is never compared; a key shared by a crowd blocks nothing', () => {
    const a = keys('a', { emailNormalized: 'same@example.com' });
    expect(suggestDuplicates([a], [a, keys('b', { emailNormalized: 'same@example.com' })], now)).toEqual([]);
    expect(suggestDuplicates([a], [a, keys('b', { accountId: 'other' })], now)).toEqual([]);
    const crowd = Array.from({ length: MAX_BLOCK + 1 }, (_, i) => keys(`c${i}`));
    expect(suggestDuplicates([crowd[0]!], crowd, now)).toEqual([]);
  });

  it('the first CANDIDATES_PER_KEY holders of a key (what the scan reads) give the answer all of them give', () => {
    const holders = (n: number) =>
      Array.from({ length: n }, (_, i) => keys(`h${String(i).padStart(3, '0')}`, { emailNormalized: null }));
    for (const n of [2, MAX_BLOCK, MAX_BLOCK + 1, 500]) {
      const all = holders(n);
      // The changed record is the last holder in id order: past the first CANDIDATES_PER_KEY of a crowd.
      const changed = all[n - 1]!;
      const read = [...new Set([...all.slice(0, CANDIDATES_PER_KEY), changed])];
      expect(suggestDuplicates([changed], read, now)).toEqual(suggestDuplicates([changed], all, now));
      expect(suggestDuplicates([changed], read, now)).toHaveLength(n <= MAX_BLOCK ? 2 * (n - 1) : 0);
    }
  });
});
