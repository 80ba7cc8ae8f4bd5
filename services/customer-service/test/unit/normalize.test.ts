import {
  blankToNull,
  buyerKeyOf,
  matchableEmail,
  normalizeEmail,
  normalizePhone,
} from '../../src/domain/normalize';

describe('normalizePhone', () => {
  const northAmerican = ['6135551212', '+16135551212', '(613)555-1212', '+1 613-555-1212'];

  describe.each(['CA', 'US'])('default country %s', (country) => {
    it.each(northAmerican)('R1.5 %s normalizes to +16135551212', (raw) => {
      expect(normalizePhone(raw, country)).toBe('+16135551212');
    });
  });

  it('R1.5 all four spellings of one number compare equal', () => {
    const forms = new Set(northAmerican.map((p) => normalizePhone(p, 'CA')));
    expect([...forms]).toEqual(['+16135551212']);
  });

  it('R1.5 the default country is case-insensitive', () => {
    expect(normalizePhone('(613)555-1212', 'ca')).toBe('+16135551212');
  });

  it('R1.5 a UK national number uses the GB default country', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it('R1.5 a national number is read in the account default country, not as North American', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).not.toBe(normalizePhone('020 7946 0958', 'US'));
  });

  it.each([
    ['+44 20 7946 0958', 'CA', '+442079460958'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['+1 613-555-1212', 'GB', '+16135551212'],
    ['+33 1 42 68 53 00', 'CA', '+33142685300'],
  ])('R1.5 %s keeps its explicit country code with default %s', (raw, country, expected) => {
    expect(normalizePhone(raw, country)).toBe(expected);
  });

  it.each([['555-555-SHIP'], [''], ['   '], [null], [undefined]])(
    'R1.5 %p is not a phone number and normalizes to null',
    (raw) => {
      expect(normalizePhone(raw, 'CA')).toBeNull();
      expect(normalizePhone(raw, 'US')).toBeNull();
    },
  );
});

describe('normalizeEmail', () => {
  it('R1.5 trims and lower-cases, keeping plus-addressing and dots', () => {
    expect(normalizeEmail('  John.Doe+shop@Example.COM ')).toBe('john.doe+shop@example.com');
  });

  it('R1.5 two spellings differing only in case and whitespace compare equal', () => {
    expect(normalizeEmail('JANE@shop.example')).toBe(normalizeEmail(' jane@SHOP.example\t'));
  });

  it('R1.5 dots and plus tags are not rewritten (distinct addresses stay distinct)', () => {
    expect(normalizeEmail('john.doe@example.com')).not.toBe(normalizeEmail('johndoe@example.com'));
    expect(normalizeEmail('john+a@example.com')).not.toBe(normalizeEmail('john@example.com'));
  });

  it.each([[''], ['   '], [null], [undefined]])('R1.5 blank %p gives null', (raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });
});

describe('blankToNull', () => {
  it('R1.8 trims a value and turns blank into null (an order lacking a field)', () => {
    expect(blankToNull('  Acme  ')).toBe('Acme');
    expect(blankToNull(' \t ')).toBeNull();
    expect(blankToNull(null)).toBeNull();
  });
});

describe('matchableEmail / buyerKeyOf (R1.2, R1.4)', () => {
  it('an email is a matching key only when it is an address', () => {
    expect(matchableEmail('  ADA@Example.COM ')).toBe('ada@example.com');
    for (const bad of ['not-an-email', 'a@', 'x@y@z', '', null]) expect(matchableEmail(bad)).toBeNull();
  });
  it("the buyer key is the channel's username, else the email when it is an address", () => {
    expect(buyerKeyOf({ username: 'bidder42', email: 'not-an-email' })).toBe('bidder42');
    expect(buyerKeyOf({ username: null, email: 'Ann@Example.com' })).toBe('ann@example.com');
    expect(buyerKeyOf({ username: null, email: 'not-an-email' })).toBeNull();
    expect(buyerKeyOf({ username: 'x@y@z', email: 'X@y@z' })).toBeNull();
  });
});

describe('R1.5 default country', () => {
  it('an Australian number typed without its country code becomes +61… under an AU default, and is no number under a US one', () => {
    expect(normalizePhone('0412 345 678', 'AU')).toBe('+61412345678');
    expect(normalizePhone('+61 412 345 678', 'US')).toBe('+61412345678');
    expect(normalizePhone('0412 345 678', 'US')).toBeNull();
    expect(normalizePhone('+1 412 345 6780', 'AU')).toBe('+14123456780');
  });
});
