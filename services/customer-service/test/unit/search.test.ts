import { buildFilter, looksLikePhone, needsCountry, tagKey, tagKeys } from '../../src/domain/search';

describe('search filters (R2.11)', () => {
  it('R1.5/R2.11 a phone filter in any format becomes the E.164 that matching stores', () => {
    for (const raw of ['+1 613-555-1212', '(613)555-1212', '6135551212', ' 1 613 555 1212']) {
      expect(buildFilter({ phone: raw }, 'CA').filter?.phoneE164).toBe('+16135551212');
    }
  });

  it('R1.5 a national number is read in the default country: 0412 345 678 is +61 under AU', () => {
    expect(buildFilter({ phone: '0412 345 678' }, 'AU').filter?.phoneE164).toBe('+61412345678');
    expect(buildFilter({ phone: '0412 345 678' }, 'US').filter).toBeNull();
  });

  it('R2.11 a value that can never match is a problem named for the caller, not an empty result', () => {
    const r = buildFilter(
      {
        phone: '555-555-SHIP',
        email: '  ',
        createdFrom: '2026-02-01T00:00:00Z',
        createdTo: '2026-01-01T00:00:00Z',
      },
      'US',
    );
    expect(r.filter).toBeNull();
    expect(r.problems).toEqual([
      'query parameter email is blank',
      'query parameter phone "555-555-SHIP" is not a phone number that can be read (default country US)',
      'query parameter createdFrom is after createdTo',
    ]);
  });

  it('R1.5/R2.11 emails compare trimmed and lower-cased; status defaults to active', () => {
    expect(buildFilter({ email: ' Ada@Example.COM ' }, 'US').filter).toEqual({
      status: 'active',
      emailNormalized: 'ada@example.com',
    });
  });

  it('R2.11 free text is a lower-cased prefix, and also a phone when it reads as one', () => {
    expect(buildFilter({ q: ' Lovelace ' }, 'US').filter?.text).toEqual({
      prefix: 'lovelace',
      phoneE164: null,
    });
    expect(buildFilter({ q: '(613) 555-1212' }, 'US').filter?.text).toEqual({
      prefix: '(613) 555-1212',
      phoneE164: '+16135551212',
    });
    expect(looksLikePhone('12345')).toBe(false);
    expect(looksLikePhone('bob 123456')).toBe(false);
  });

  it('R2.11 tags compare trimmed and case-insensitively; blank and over-long tags are not indexed', () => {
    expect(tagKey('  VIP ')).toBe('vip');
    expect(tagKey('   ')).toBeNull();
    expect(tagKey('x'.repeat(191))).toBeNull();
    expect(tagKeys(['VIP', 'vip ', 'Acme Shopify', ''])).toEqual(['vip', 'acme shopify']);
  });

  it('R1.5: only a phone without its + country code needs the account default country, and one with it reads the same under any default', () => {
    expect(needsCountry({ phone: '(613) 555-1212' })).toBe(true);
    expect(needsCountry({ q: '613 555 1212' })).toBe(true);
    expect(needsCountry({ phone: ' +1 613-555-1212' })).toBe(false);
    expect(needsCountry({ q: '+61 412 345 678' })).toBe(false);
    expect(needsCountry({ q: 'lov', email: 'a@b.example' })).toBe(false);
    for (const phone of ['+1 613-555-1212', '+61 412 345 678', '+44 20 7946 0958'])
      for (const country of ['US', 'AU', 'GB', 'DE'])
        expect(buildFilter({ phone }, country).filter?.phoneE164).toBe(
          buildFilter({ phone }, 'US').filter?.phoneE164,
        );
  });
});
