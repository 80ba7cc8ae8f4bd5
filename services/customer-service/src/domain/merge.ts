import type { Address } from '@crp/contracts/common';
import { CONSENT_CHANNELS, CONSENT_HISTORY_LIMIT, type ConsentEvent, type ConsentRecord } from './consent';
import { cloneState, sameAddress, type FieldSource, type TrackedField } from './customer';
import { apiFieldName } from './edit';
import { matchableEmail, normalizeEmail, normalizePhone } from './normalize';
import type { CustomerRecord, IdentityRecord } from './records';
import type { SourceKind } from './source';

/** R2.7: what a merge asks for. `choices` names, per field, the record whose value should win. */
export interface MergeRequest {
  survivorId: string;
  mergedIds: string[];
  choices?: Record<string, string>;
}

/** What the load step found: the records of the caller's account among the ids, and more. */
export interface MergeWorld {
  accountId: string;
  defaultCountry: string;
  records: CustomerRecord[];
  identities: IdentityRecord[];
  /** Open privacy requests of any of the records (R2.10): a merge waits for them. */
  openPrivacyRequests: Array<{ id: string; customerId: string; type: string }>;
}

export interface MergeBlocker {
  customerId: string;
  code: 'NOT_IN_ACCOUNT' | 'DELETED' | 'ALREADY_MERGED' | 'SURVIVOR_NOT_ACTIVE' | 'PRIVACY_REQUEST_OPEN';
  reason: string;
}

export type WinRule = 'choice' | 'newest' | 'source_priority' | 'survivor';

export interface MergeConflict {
  /** API name: `name` (first, last and display name decided together), `email`, `addresses.shipping`, `marketingConsent.email` … */
  field: string;
  candidates: Array<{ customerId: string; value: unknown; source: SourceKind | null; at: string | null }>;
  winner: string;
  rule: WinRule;
  /** Why the winner won, in words. */
  because: string;
}

export interface MergePlan {
  mergeable: boolean;
  blockers: MergeBlocker[];
  conflicts: MergeConflict[];
  /** The survivor as it would be (without the history totals, which are counted after the move). */
  survivor: CustomerRecord | null;
  merged: CustomerRecord[];
  /** Identities that move to the survivor, and the ones it already has. */
  identityMoves: IdentityRecord[];
  survivorIdentities: IdentityRecord[];
  moves: { identities: number; orders: number; tags: string[] };
}

/** Source priority for equal times: a store's value is the one its next order will send again. */
const SOURCE_RANK: Record<SourceKind, number> = { store: 0, manual: 1, api: 2, csv: 3, mailchimp: 4 };

/**
 * `survivorFirst`: the records' values are not ranked by time or source. Notes are a merchant's
 * text, not a fact an order refreshes: the survivor's notes are kept (or, when it has none, the
 * first merged record's that has some), unless `choices` names another record.
 */
type Group = { field: string; members: TrackedField[]; survivorFirst?: boolean };
const GROUPS: Group[] = [
  { field: 'name', members: ['firstName', 'lastName', 'name'] },
  { field: 'company', members: ['company'] },
  { field: 'email', members: ['email'] },
  { field: 'phone', members: ['phone'] },
  { field: 'birthDate', members: ['birthDate'] },
  { field: apiFieldName('shippingAddress'), members: ['shippingAddress'] },
  { field: apiFieldName('billingAddress'), members: ['billingAddress'] },
  { field: apiFieldName('postalAddress'), members: ['postalAddress'] },
  { field: 'notes', members: ['notes'], survivorFirst: true },
];

/** The fields `choices` may name. */
export const MERGE_CHOICE_FIELDS = GROUPS.map((g) => g.field);

/**
 * R2.7 as a pure function: what merging `mergedIds` into `survivorId` would give, every field on
 * which the records disagree with each candidate value and which one wins by which rule (the
 * user's choice; else the newest value, by the order date or edit time that wrote it; equal times:
 * source priority store > manual > api > csv; then the survivor; notes: the survivor's, else the
 * first merged record's that has some), and what cannot be merged and
 * why. Identities, order history, tags and consent go to the survivor; names are decided as one
 * (first, last and display name from the same record). Consent is never a choice: per channel the
 * newest change wins and an unsubscribe of unknown date beats any opt-in (R2.9).
 */
export function planMerge(req: MergeRequest, world: MergeWorld, now: Date): MergePlan {
  const byId = new Map(world.records.filter((r) => r.accountId === world.accountId).map((r) => [r.id, r]));
  const ids = [req.survivorId, ...req.mergedIds];
  const blockers: MergeBlocker[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    if (!r) {
      blockers.push({
        customerId: id,
        code: 'NOT_IN_ACCOUNT',
        reason: `${id} is not a customer of this account`,
      });
    } else if (r.status === 'deleted') {
      blockers.push({
        customerId: id,
        code: 'DELETED',
        reason: `${id} is deleted: deleted records cannot be merged`,
      });
    } else if (r.status === 'merged') {
      blockers.push({
        customerId: id,
        code: 'ALREADY_MERGED',
        reason: `${id} was already merged into ${r.mergedIntoId}`,
      });
    } else if (id === req.survivorId && r.status !== 'active') {
      blockers.push({
        customerId: id,
        code: 'SURVIVOR_NOT_ACTIVE',
        reason: `${id} is ${r.status}: restore it before it takes other records in`,
      });
    }
  }
  for (const p of world.openPrivacyRequests) {
    if (!ids.includes(p.customerId)) continue;
    blockers.push({
      customerId: p.customerId,
      code: 'PRIVACY_REQUEST_OPEN',
      reason: `${p.customerId} has an open ${p.type} privacy request ${p.id} (R2.10): complete or cancel it before merging`,
    });
  }
  const group = ids.map((id) => byId.get(id)).filter((r): r is CustomerRecord => r !== undefined);
  const survivor = byId.get(req.survivorId);
  if (!survivor || group.length !== ids.length) {
    return {
      mergeable: false,
      blockers,
      conflicts: [],
      survivor: null,
      merged: [],
      identityMoves: [],
      survivorIdentities: [],
      moves: { identities: 0, orders: 0, tags: [] },
    };
  }
  const merged = req.mergedIds.map((id) => byId.get(id)!);

  const next = cloneState(survivor);
  const conflicts: MergeConflict[] = [];
  for (const g of GROUPS) {
    const candidates = group.map((r) => ({
      record: r,
      value: g.members.length === 1 ? r[g.members[0]!] : Object.fromEntries(g.members.map((m) => [m, r[m]])),
      source: newestSource(r, g.members),
    }));
    const present = candidates.filter((c) => !isEmpty(c.value));
    const distinct = present.filter(
      (c, i) => present.findIndex((o) => sameValue(g.field, o.value, c.value, world.defaultCountry)) === i,
    );
    const chosen = req.choices?.[g.field];
    let winner: (typeof candidates)[number] | undefined;
    let rule: WinRule = 'survivor';
    let because = '';
    if (chosen !== undefined) {
      winner = candidates.find((c) => c.record.id === chosen);
      rule = 'choice';
      because = `chosen in the request`;
    } else if (distinct.length === 0) {
      continue;
    } else if (g.survivorFirst) {
      winner = present[0]!;
      rule = 'survivor';
      because =
        present[0]!.record.id === survivor.id
          ? `${g.field} are not ranked by time: the survivor keeps its own (name another record in choices.${g.field} to keep that one's)`
          : `the survivor has no ${g.field}: the first merged record's are kept (name another record in choices.${g.field} to keep that one's)`;
    } else if (distinct.length === 1) {
      // No disagreement: the one value there is, from the first record that holds it.
      winner = present[0];
    } else {
      const ranked = [...present].sort(
        (a, b) =>
          time(b.source) - time(a.source) ||
          rank(a.source) - rank(b.source) ||
          ids.indexOf(a.record.id) - ids.indexOf(b.record.id),
      );
      winner = ranked[0]!;
      const second = ranked.find((c) => !sameValue(g.field, c.value, winner!.value, world.defaultCountry))!;
      if (time(winner.source) !== time(second.source)) {
        rule = 'newest';
        because = `written most recently (${winner.source?.at})`;
      } else if (rank(winner.source) !== rank(second.source)) {
        rule = 'source_priority';
        because = `same time; source ${winner.source?.source} comes before ${second.source?.source} (store > manual > api > csv)`;
      } else {
        rule = 'survivor';
        because = 'same time and source: the survivor keeps its value';
      }
    }
    if (!winner) continue;
    if (distinct.length > 1 || rule === 'choice') {
      conflicts.push({
        field: g.field,
        candidates: candidates.map((c) => ({
          customerId: c.record.id,
          value: c.value,
          source: c.source?.source ?? null,
          at: c.source?.at ?? null,
        })),
        winner: winner.record.id,
        rule,
        because,
      });
    }
    for (const m of g.members) {
      (next as unknown as Record<string, unknown>)[m] = winner.record[m];
      const src = winner.record.fieldSources[m];
      if (src) next.fieldSources[m] = { ...src };
      else delete next.fieldSources[m];
    }
  }

  // Consent: per channel, the newest change; unknown dates lose to known ones, and among those an
  // unsubscribe wins (the safe side of R2.9).
  for (const channel of CONSENT_CHANNELS) {
    const held = group.flatMap((r) => (r.consent[channel] ? [{ id: r.id, c: r.consent[channel]! }] : []));
    if (held.length === 0) continue;
    const best = [...held].sort((a, b) => consentOrder(b.c) - consentOrder(a.c) || unsubFirst(a.c, b.c))[0]!;
    next.consent[channel] = { ...best.c };
    if (new Set(held.map((h) => h.c.state)).size > 1) {
      conflicts.push({
        field: `marketingConsent.${channel}`,
        candidates: held.map((h) => ({
          customerId: h.id,
          value: h.c.state,
          source: h.c.source,
          at: h.c.changedAt,
        })),
        winner: best.id,
        rule: 'newest',
        because: 'the newest consent change wins; an unsubscribe of unknown date beats an opt-in (R2.9)',
      });
    }
  }
  next.consentHistory = mergeHistories(group.map((r) => r.consentHistory));
  const tags = [...new Set(group.flatMap((r) => r.tags))];
  next.tags = tags;

  const mergedIds = new Set(req.mergedIds);
  const identityMoves = world.identities
    .filter((i) => i.customerId !== null && mergedIds.has(i.customerId))
    .map((i) => ({ ...i, customerId: survivor.id, updatedAt: now }));
  const survivorNext: CustomerRecord = {
    ...survivor,
    ...next,
    emailNormalized: matchableEmail(next.email),
    phoneE164: normalizePhone(next.phone, world.defaultCountry),
    version: survivor.version + 1,
    updatedAt: now,
  };
  const mergedNext = merged.map((r) => ({
    ...r,
    status: 'merged' as const,
    mergedIntoId: survivor.id,
    version: r.version + 1,
    updatedAt: now,
  }));
  return {
    mergeable: blockers.length === 0,
    blockers,
    conflicts,
    survivor: survivorNext,
    merged: mergedNext,
    identityMoves,
    survivorIdentities: world.identities.filter((i) => i.customerId === survivor.id),
    moves: {
      identities: identityMoves.length,
      orders: merged.reduce((n, r) => n + r.orderCount, 0),
      tags: tags.filter((t) => !survivor.tags.includes(t)),
    },
  };
}

/** The newest source among a group's fields (names: whichever of first, last, display name was written last). */
function newestSource(r: CustomerRecord, members: TrackedField[]): FieldSource | null {
  let best: FieldSource | null = null;
  for (const m of members) {
    const s = r.fieldSources[m];
    if (s && (!best || Date.parse(s.at) > Date.parse(best.at))) best = s;
  }
  return best;
}

const time = (s: FieldSource | null) => (s ? Date.parse(s.at) : Number.NEGATIVE_INFINITY);
const rank = (s: FieldSource | null) => (s ? SOURCE_RANK[s.source] : 99);

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'object') return Object.values(v as object).every((x) => x === null || x === '');
  return false;
}

function sameValue(field: string, a: unknown, b: unknown, country: string): boolean {
  if (field === 'email') return normalizeEmail(a as string) === normalizeEmail(b as string);
  if (field === 'phone') {
    const na = normalizePhone(a as string, country);
    return na !== null ? na === normalizePhone(b as string, country) : a === b;
  }
  if (field.startsWith('addresses.')) return sameAddress(a as Address | null, b as Address | null);
  return JSON.stringify(a) === JSON.stringify(b);
}

const consentOrder = (c: ConsentRecord) => (c.changedAt ? Date.parse(c.changedAt) : Number.NEGATIVE_INFINITY);
const unsubFirst = (a: ConsentRecord, b: ConsentRecord) =>
  (a.state === 'unsubscribed' ? 0 : 1) - (b.state === 'unsubscribed' ? 0 : 1);

function mergeHistories(lists: ConsentEvent[][]): ConsentEvent[] {
  const all = lists.flat().sort((a, b) => consentOrder(a) - consentOrder(b));
  return all.length > CONSENT_HISTORY_LIMIT ? all.slice(all.length - CONSENT_HISTORY_LIMIT) : all;
}
