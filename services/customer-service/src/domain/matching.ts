/** R1.4: the keys an account matches new identities on, in priority order. */
export const MATCH_POLICIES = ['email,phone', 'phone,email', 'email', 'phone'] as const;
export type MatchPolicy = (typeof MATCH_POLICIES)[number];
export type MatchKey = 'email' | 'phone';

export function matchKeys(policy: MatchPolicy): MatchKey[] {
  return policy.split(',') as MatchKey[];
}

export interface Candidate {
  id: string;
  createdAt: Date;
}

export interface MatchResult<C extends Candidate> {
  match: C | null;
  matchedOn: MatchKey | null;
  /** R1.6: other active records sharing the key that matched: possible duplicates of `match`. */
  duplicates: C[];
}

/** Oldest first, ties broken by id, so the same data always picks the same record (R1.6). */
export function oldestFirst<C extends Candidate>(list: C[]): C[] {
  return [...list].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** R1.4 + R1.6: walk the policy's keys in order; the first key with candidates decides. */
export function pickMatch<C extends Candidate>(
  policy: MatchPolicy,
  candidates: Partial<Record<MatchKey, C[]>>,
): MatchResult<C> {
  for (const key of matchKeys(policy)) {
    const list = oldestFirst(candidates[key] ?? []);
    if (list.length > 0) return { match: list[0]!, matchedOn: key, duplicates: list.slice(1) };
  }
  return { match: null, matchedOn: null, duplicates: [] };
}
