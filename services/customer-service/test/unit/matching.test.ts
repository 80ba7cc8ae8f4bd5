import { MATCH_POLICIES, matchKeys, oldestFirst, pickMatch, type Candidate } from '../../src/domain/matching';

interface Rec extends Candidate {
  label: string;
}

const rec = (id: string, createdAt: string): Rec => ({
  id,
  createdAt: new Date(createdAt),
  label: `rec-${id}`,
});

const OLD = rec('c-old', '2021-01-01T00:00:00Z');
const MID = rec('c-mid', '2022-06-01T00:00:00Z');
const NEW = rec('c-new', '2024-03-01T00:00:00Z');

describe('matchKeys', () => {
  it('R1.4 the policies are exactly the four of the spec, default first', () => {
    expect([...MATCH_POLICIES]).toEqual(['email,phone', 'phone,email', 'email', 'phone']);
  });

  it.each([
    ['email,phone', ['email', 'phone']],
    ['phone,email', ['phone', 'email']],
    ['email', ['email']],
    ['phone', ['phone']],
  ] as const)('R1.4 policy %s matches on %p in that order', (policy, keys) => {
    expect(matchKeys(policy)).toEqual(keys);
  });
});

describe('oldestFirst', () => {
  it('R1.6 sorts by createdAt ascending', () => {
    expect(oldestFirst([NEW, OLD, MID]).map((c) => c.id)).toEqual(['c-old', 'c-mid', 'c-new']);
  });

  it('R1.6 breaks createdAt ties by id', () => {
    const a = rec('a-1', '2023-01-01T00:00:00Z');
    const b = rec('b-2', '2023-01-01T00:00:00Z');
    const c = rec('c-3', '2023-01-01T00:00:00Z');
    expect(oldestFirst([c, a, b]).map((x) => x.id)).toEqual(['a-1', 'b-2', 'c-3']);
    expect(oldestFirst([b, c, a]).map((x) => x.id)).toEqual(['a-1', 'b-2', 'c-3']);
  });

  it('R1.6 an older record wins even when its id sorts later', () => {
    const older = rec('zzz', '2020-01-01T00:00:00Z');
    const newer = rec('aaa', '2020-01-02T00:00:00Z');
    expect(oldestFirst([newer, older])[0]).toBe(older);
  });

  it('R1.6 does not reorder the caller array', () => {
    const input = [NEW, OLD, MID];
    oldestFirst(input);
    expect(input).toEqual([NEW, OLD, MID]);
  });
});

describe('pickMatch', () => {
  const byEmail = rec('by-email', '2023-01-01T00:00:00Z');
  const byPhone = rec('by-phone', '2022-01-01T00:00:00Z');

  it('R1.4 default policy email,phone prefers the email match', () => {
    const r = pickMatch('email,phone', { email: [byEmail], phone: [byPhone] });
    expect(r.match).toBe(byEmail);
    expect(r.matchedOn).toBe('email');
    expect(r.duplicates).toEqual([]);
  });

  it('R1.4 default policy falls back to phone when no email candidate', () => {
    const r = pickMatch('email,phone', { email: [], phone: [byPhone] });
    expect(r.match).toBe(byPhone);
    expect(r.matchedOn).toBe('phone');
  });

  it('R1.4 phone,email prefers the phone match', () => {
    const r = pickMatch('phone,email', { email: [byEmail], phone: [byPhone] });
    expect(r.match).toBe(byPhone);
    expect(r.matchedOn).toBe('phone');
  });

  it('R1.4 phone,email falls back to email when no phone candidate', () => {
    const r = pickMatch('phone,email', { email: [byEmail] });
    expect(r.match).toBe(byEmail);
    expect(r.matchedOn).toBe('email');
  });

  it('R1.4 email-only policy ignores phone candidates', () => {
    expect(pickMatch('email', { phone: [byPhone] })).toEqual({
      match: null,
      matchedOn: null,
      duplicates: [],
    });
    expect(pickMatch('email', { email: [byEmail], phone: [byPhone] }).match).toBe(byEmail);
  });

  it('R1.4 phone-only policy ignores email candidates', () => {
    expect(pickMatch('phone', { email: [byEmail] })).toEqual({
      match: null,
      matchedOn: null,
      duplicates: [],
    });
    expect(pickMatch('phone', { email: [byEmail], phone: [byPhone] }).match).toBe(byPhone);
  });

  it('R1.4 no candidates at all gives no match (a new customer is created)', () => {
    expect(pickMatch('email,phone', {})).toEqual({ match: null, matchedOn: null, duplicates: [] });
    expect(pickMatch('phone,email', { email: [], phone: [] })).toEqual({
      match: null,
      matchedOn: null,
      duplicates: [],
    });
  });

  it('R1.6 several candidates: the oldest is the match, the others are duplicates oldest first', () => {
    const r = pickMatch('email,phone', { email: [MID, NEW, OLD] });
    expect(r.match).toBe(OLD);
    expect(r.matchedOn).toBe('email');
    expect(r.duplicates).toEqual([MID, NEW]);
  });

  it('R1.6 duplicates come only from the key that matched', () => {
    const r = pickMatch('email,phone', { email: [NEW], phone: [OLD, MID] });
    expect(r.match).toBe(NEW);
    expect(r.duplicates).toEqual([]);
  });

  it('R1.6 createdAt ties are broken by id', () => {
    const b = rec('b', '2023-05-05T00:00:00Z');
    const a = rec('a', '2023-05-05T00:00:00Z');
    const r = pickMatch('phone', { phone: [b, a] });
    expect(r.match).toBe(a);
    expect(r.duplicates).toEqual([b]);
  });

  it('R1.6 the result is the same for every input order', () => {
    const tieA = rec('t-a', '2021-01-01T00:00:00Z');
    const tieB = rec('t-b', '2021-01-01T00:00:00Z');
    const all = [NEW, tieB, MID, tieA, OLD];
    const perms: Rec[][] = [all, [...all].reverse(), [all[2]!, all[0]!, all[4]!, all[1]!, all[3]!]];
    const results = perms.map((list) => pickMatch('email,phone', { email: list }));
    for (const r of results) {
      expect(r.match?.id).toBe('c-old');
      expect(r.duplicates.map((d) => d.id)).toEqual(['t-a', 't-b', 'c-mid', 'c-new']);
    }
  });

  it('R1.6 does not reorder the caller candidate lists', () => {
    const list = [NEW, OLD];
    pickMatch('email', { email: list });
    expect(list).toEqual([NEW, OLD]);
  });
});
