import type { Address } from '@crp/contracts/common';
import type { CustomerImportField, FieldChange, FieldValue } from '@crp/contracts/customer-import-fields';
import type { CustomerImportRow } from '@crp/contracts/events/customer-import-requested';
import type { CustomerImportRowAnswer } from '@crp/contracts/events/customer-import-row-result';
import { withHistory, type ConsentChannel, type ConsentEvent } from './consent';
import {
  cloneState,
  emptyCustomer,
  NOTES_FIELD,
  type AddressField,
  type FieldSource,
  type TrackedField,
} from './customer';
import { oldestFirst } from './matching';
import { blankToNull, matchableEmail, normalizePhone } from './normalize';
import type { CustomerChangeRecord, CustomerRecord, IdentityRecord } from './records';
import { MANUAL_STORE_PREFIX } from '@crp/contracts/limits';

/**
 * Customer CSV import rows (SPEC §4, R4.1–R4.3), decided over plain data. A row targets a record by
 * customerId, else by the manual store's username, else matches by email (the manual store's
 * identity keyed by that email, then the oldest active record with it) and creates a customer of
 * the manual store when nothing matches. Replace semantics: each field the file maps takes the
 * row's value (a blank cell, `null`, clears it); fields the file does not map are never touched.
 * A row changes nothing of a customer that belongs to a connected store (R4.2) or whose changed
 * field a store owns (R2.1): it is rejected with a reason. Rows see what earlier rows did.
 */

export const manualStoreId = (accountId: string) => `${MANUAL_STORE_PREFIX}${accountId}`;
export const MANUAL_STORE_NAME = 'Manual orders';

const PROFILE_IMPORT_FIELDS = [
  'name',
  'firstName',
  'lastName',
  'company',
  'email',
  'phone',
  'birthDate',
  // Never store-written, so never locked (R2.1); replaced like the others (R4.3).
  NOTES_FIELD,
] as const;
type ProfileImportField = (typeof PROFILE_IMPORT_FIELDS)[number];
type AddressType = AddressField;
const CONSENT_FIELDS: Record<string, ConsentChannel> = { emailConsent: 'email', smsConsent: 'sms' };

/**
 * The records a chunk's rows can see, in layers: what the database holds (`loaded`), what earlier
 * rows wrote (`written`, a layer per transaction, or a dry run's would-be state per job). Emails
 * are looked up through each layer's index, newest layer first.
 */
export class ImportState {
  readonly written = new Map<string, CustomerRecord>();
  private readonly emails = new Map<string, string>();
  /** Identities created by this state (manual store, keyed by email). */
  readonly identities: IdentityRecord[] = [];
  /** Stored identities this state re-pointed (R1.4/R2.6), by id: written as updates. */
  readonly moved = new Map<string, IdentityRecord>();
  private readonly identityKeys = new Map<string, IdentityRecord>();

  constructor(private readonly below: ImportLayer) {}

  get(id: string): CustomerRecord | undefined {
    return this.written.get(id) ?? this.below.get(id);
  }

  byEmail(accountId: string, email: string): CustomerRecord | undefined {
    const id = this.emails.get(`${accountId}\u0000${email}`);
    const mine = id ? this.get(id) : undefined;
    if (mine && mine.emailNormalized === email && mine.status === 'active') return mine;
    const below = this.below.byEmail(accountId, email);
    // A record this layer changed answers for itself.
    if (below && this.written.has(below.id)) {
      const now = this.written.get(below.id)!;
      return now.emailNormalized === email && now.status === 'active' ? now : undefined;
    }
    return below;
  }

  put(c: CustomerRecord): void {
    this.written.set(c.id, c);
    if (c.emailNormalized) this.emails.set(`${c.accountId}\u0000${c.emailNormalized}`, c.id);
  }

  addIdentity(i: IdentityRecord): void {
    this.identities.push(i);
    this.identityKeys.set(`${i.accountId}\u0000${i.username}`, i);
  }

  identity(accountId: string, username: string): IdentityRecord | undefined {
    return this.identityKeys.get(`${accountId}\u0000${username}`);
  }

  /**
   * R1.4/R2.6: an identity re-pointed at the record its row landed on. One this state created is
   * changed in place (still an insert); a stored one becomes an update, by id.
   */
  moveIdentity(i: IdentityRecord): void {
    const mine = this.identities.findIndex((x) => x.id === i.id);
    if (mine >= 0) this.identities[mine] = i;
    else this.moved.set(i.id, i);
    this.identityKeys.set(`${i.accountId}\u0000${i.username}`, i);
  }

  /** A stored identity as this state re-pointed it, if it did. */
  movedIdentity(id: string): IdentityRecord | undefined {
    return this.moved.get(id);
  }

  /** Folds another layer's writes into this one (a committed transaction into a dry run's base, …). */
  absorb(other: ImportState): void {
    for (const c of other.written.values()) this.put(c);
    for (const i of other.identities) this.addIdentity(i);
    for (const i of other.moved.values()) this.moveIdentity(i);
  }
}

/** What the database holds for a batch: customers, their identities, and the email candidates. */
export interface LoadedImportData {
  customers: CustomerRecord[];
  identities: IdentityRecord[];
  /** Active records holding each normalized email (account + email). */
  emailCandidates: CustomerRecord[];
}

export function loadedLayer(data: LoadedImportData) {
  const byId = new Map(data.customers.map((c) => [c.id, c]));
  for (const c of data.emailCandidates) byId.set(c.id, c);
  const byEmail = new Map<string, CustomerRecord[]>();
  for (const c of byId.values()) {
    if (!c.emailNormalized || c.status !== 'active') continue;
    const k = `${c.accountId}\u0000${c.emailNormalized}`;
    byEmail.set(k, [...(byEmail.get(k) ?? []), c]);
  }
  return {
    get: (id: string) => byId.get(id),
    byEmail: (accountId: string, email: string) =>
      oldestFirst(byEmail.get(`${accountId}\u0000${email}`) ?? [])[0],
    /** Every loaded active record holding the email (a dry run's overlay re-ranks them). */
    allByEmail: (accountId: string, email: string) => byEmail.get(`${accountId}\u0000${email}`) ?? [],
  };
}

/** What a layer below an ImportState answers. */
export interface ImportLayer {
  get(id: string): CustomerRecord | undefined;
  byEmail(accountId: string, email: string): CustomerRecord | undefined;
}

/**
 * A dry run's would-be state (ADR 0024) laid over what the database and this batch's real rows
 * hold, as the database would look had the run's earlier chunks been applied: a record the run
 * would have written answers in its would-be version; an email is matched, as a real run's next
 * batch would match it, to the oldest active record that holds it in that view.
 */
export function dryRunLayer(
  wouldBe: Map<string, CustomerRecord>,
  live: ImportLayer,
  loaded: Pick<ReturnType<typeof loadedLayer>, 'allByEmail'>,
): ImportLayer {
  const byEmail = new Map<string, CustomerRecord[]>();
  for (const c of wouldBe.values()) {
    if (!c.emailNormalized) continue;
    const k = `${c.accountId}\u0000${c.emailNormalized}`;
    byEmail.set(k, [...(byEmail.get(k) ?? []), c]);
  }
  const get = (id: string) => wouldBe.get(id) ?? live.get(id);
  return {
    get,
    byEmail(accountId, email) {
      const seen = new Map<string, CustomerRecord>();
      const consider = (c: CustomerRecord | undefined) => {
        const now = c ? get(c.id) : undefined;
        if (now && !seen.has(now.id)) seen.set(now.id, now);
      };
      for (const c of byEmail.get(`${accountId}\u0000${email}`) ?? []) consider(c);
      consider(live.byEmail(accountId, email));
      for (const c of loaded.allByEmail(accountId, email)) consider(c);
      const held = [...seen.values()].filter(
        (c) => c.accountId === accountId && c.emailNormalized === email && c.status === 'active',
      );
      return oldestFirst(held)[0];
    },
  };
}

export interface ImportContext {
  accountId: string;
  jobId: string;
  dryRun: boolean;
  fields: CustomerImportField[];
  defaultCountry: string;
  now: Date;
  newId: (kind: 'customer' | 'identity' | 'change') => string;
  /** Identities by id, for R4.2 and for username targets (manual store). */
  identitiesOf: (customerId: string) => IdentityRecord[];
  manualIdentity: (accountId: string, username: string) => IdentityRecord | undefined;
}

export interface RowDecision {
  answer: CustomerImportRowAnswer;
  /**
   * The record to write (real runs), and whether it is new. `change` is null when no field
   * changed and only the row's manual-store identity moved to the record (R1.4/R2.6).
   */
  write: { record: CustomerRecord; created: boolean; change: CustomerChangeRecord | null } | null;
}

const reject = (row: CustomerImportRow, customerId: string | null, reason: string): RowDecision => ({
  answer: { lineNumber: row.lineNumber, outcome: 'rejected', customerId, reason, changes: null },
  write: null,
});

/** Follows merges to the surviving record. */
function survivor(state: ImportState, c: CustomerRecord | undefined): CustomerRecord | undefined {
  for (let hops = 0; c && c.status === 'merged' && c.mergedIntoId && hops < 10; hops++)
    c = state.get(c.mergedIntoId);
  return c;
}

/** The connected store a customer belongs to (R4.2): the store of its oldest identity, unless that is the manual store. */
export function connectedStoreOf(identities: IdentityRecord[]): IdentityRecord | null {
  const first = [...identities].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
  return first && first.storeType !== 'manual' ? first : null;
}

/** One row, pure: the answer and (unless rejected or unchanged) the record to write into `state`. */
export function decideImportRow(row: CustomerImportRow, state: ImportState, ctx: ImportContext): RowDecision {
  const values = row.values as Record<string, FieldValue | undefined>;
  let target: CustomerRecord | undefined;
  /** The manual-store identity the row was looked up by: it ends on the record the row lands on. */
  let via: IdentityRecord | undefined;
  if (row.customerId) {
    const found = state.get(row.customerId);
    if (!found || found.accountId !== ctx.accountId)
      return reject(row, null, `customer ${row.customerId} was not found`);
    target = survivor(state, found);
    if (!target || (target.status !== 'active' && target.status !== 'archived'))
      return reject(
        row,
        row.customerId,
        `customer ${row.customerId} is ${found.status} and cannot be imported over`,
      );
  } else if (row.username) {
    const identity =
      ctx.manualIdentity(ctx.accountId, row.username.trim().toLowerCase()) ??
      ctx.manualIdentity(ctx.accountId, row.username);
    const found = identity?.customerId ? survivor(state, state.get(identity.customerId)) : undefined;
    if (!found)
      return reject(row, null, `no customer of the manual store has the username "${row.username}"`);
    if (found.status !== 'active' && found.status !== 'archived')
      return reject(row, found.id, `customer ${found.id} is ${found.status} and cannot be imported over`);
    target = found;
    via = identity;
  } else {
    const email = 'email' in values ? matchableEmail(values.email as string | null) : null;
    if (email) {
      const identity = ctx.manualIdentity(ctx.accountId, email);
      const viaIdentity = identity?.customerId ? survivor(state, state.get(identity.customerId)) : undefined;
      // R1.4/R2.6: an identity whose record is no longer active matches again, and moves with the row.
      target = viaIdentity?.status === 'active' ? viaIdentity : state.byEmail(ctx.accountId, email);
      via = identity;
    }
  }

  if (target) {
    const store = connectedStoreOf(ctx.identitiesOf(target.id));
    if (store) {
      return reject(
        row,
        target.id,
        `customer ${target.id} belongs to store "${store.storeName}" (${store.storeType}); only manual-store customers can be imported (R4.2)`,
      );
    }
  }

  const before = target ?? null;
  const current = before ? cloneState(before) : emptyCustomer();
  const next = cloneState(current);
  const stamp: FieldSource = { source: 'csv', storeId: null, storeName: null, at: ctx.now.toISOString() };
  const changes: FieldChange[] = [];
  const logged: Array<{ field: string; from: unknown; to: unknown }> = [];
  const touched = new Set<TrackedField>();
  const warnings: string[] = [];
  const consentApplied: ConsentEvent[] = [];

  for (const field of ctx.fields) {
    const raw = values[field] === undefined ? null : values[field];
    if ((PROFILE_IMPORT_FIELDS as readonly string[]).includes(field)) {
      const f = field as ProfileImportField;
      const after = blankToNull(raw as string | null);
      const was = current[f];
      if (after === was) continue;
      next[f] = after;
      touched.add(f);
      changes.push({
        field,
        before: before ? was : null,
        after,
        clearedByBlank: after === null && was !== null,
      });
      logged.push({ field, from: was, to: after });
      continue;
    }
    const dot = field.indexOf('.');
    if (dot > 0) {
      const type = field.slice(0, dot) as AddressType;
      const part = field.slice(dot + 1) as keyof Address;
      let after = blankToNull(raw as string | null);
      if (part === 'country' && after) after = after.toUpperCase();
      const was = next[type]?.[part] ?? null;
      if (after === was) continue;
      next[type] = withPart(next[type], part, after);
      touched.add(type);
      changes.push({
        field,
        before: before ? was : null,
        after,
        clearedByBlank: after === null && was !== null,
      });
      logged.push({ field, from: was, to: after });
      continue;
    }
    if (field === 'tags') {
      const after = [...new Set(((raw as string[] | null) ?? []).map((t) => t.trim()).filter(Boolean))];
      const was = current.tags;
      if (after.length === was.length && after.every((t, i) => t === was[i])) continue;
      next.tags = after;
      changes.push({
        field,
        before: before ? was : null,
        after,
        clearedByBlank: after.length === 0 && was.length > 0,
      });
      logged.push({ field, from: was, to: after });
      continue;
    }
    const channel = CONSENT_FIELDS[field];
    if (channel) {
      const after = (raw as string | null) ?? null;
      const was = current.consent[channel]?.state ?? null;
      if (after === was) continue;
      if (after === null) delete next.consent[channel];
      else {
        const kept = {
          state: after as 'subscribed',
          changedAt: ctx.now.toISOString(),
          source: 'csv' as const,
          storeId: null,
        };
        next.consent[channel] = kept;
        consentApplied.push({ channel, ...kept });
      }
      changes.push({
        field,
        before: before ? was : null,
        after,
        clearedByBlank: after === null && was !== null,
      });
      logged.push({
        field: `marketingConsent.${channel}`,
        from: current.consent[channel] ?? null,
        to: next.consent[channel] ?? null,
      });
      continue;
    }
  }
  next.consentHistory = withHistory(next.consentHistory, consentApplied);

  // R2.1: a field a store wrote changes only through that store.
  if (before) {
    const locked = [...touched].filter((f) => current.fieldSources[f]?.source === 'store');
    if (locked.length > 0) {
      const names = locked
        .map((f) => `${f} (store ${current.fieldSources[f]!.storeName ?? current.fieldSources[f]!.storeId})`)
        .join(', ');
      return reject(row, before.id, `locked fields cannot be imported over (R2.1): ${names}`);
    }
  }
  for (const f of touched) next.fieldSources[f] = stamp;

  if (!before) {
    const given = [next.name, next.firstName, next.lastName, next.company, next.email, next.phone];
    if (!given.some((v) => v !== null))
      return reject(row, null, 'a new customer needs at least a name, a company, an email or a phone');
  }
  /** The identity to re-point at the record the row lands on (stale, or on a merged record). */
  const relink = (to: CustomerRecord) => {
    if (!via || via.customerId === to.id) return;
    state.moveIdentity({ ...via, customerId: to.id, updatedAt: ctx.now });
  };
  if (before && changes.length === 0) {
    const answer: CustomerImportRowAnswer = {
      lineNumber: row.lineNumber,
      outcome: 'unchanged',
      customerId: before.id,
      reason: null,
      changes: ctx.dryRun ? [] : null,
      ...(warnings.length ? { warnings } : {}),
    };
    if (via && via.customerId !== before.id) {
      // No field changed, but the record takes the identity: written (and announced) for that.
      const record: CustomerRecord = { ...before, version: before.version + 1, updatedAt: ctx.now };
      state.put(record);
      relink(record);
      return { answer, write: { record, created: false, change: null } };
    }
    return { answer, write: null };
  }
  if (before && touched.has('email') && before.emailNormalized !== matchableEmail(next.email)) {
    warnings.push('email is a matching key: orders will match this customer by the new address (R2.5)');
  }
  if (
    touched.has('phone') &&
    next.phone !== null &&
    normalizePhone(next.phone, ctx.defaultCountry) === null
  ) {
    warnings.push(
      `phone "${next.phone}" cannot be read as a number (default country ${ctx.defaultCountry}): kept as written, never used to match orders`,
    );
  }

  const record: CustomerRecord = before
    ? {
        ...before,
        ...next,
        emailNormalized: matchableEmail(next.email),
        phoneE164: normalizePhone(next.phone, ctx.defaultCountry),
        version: before.version + 1,
        updatedAt: ctx.now,
      }
    : {
        id: ctx.newId('customer'),
        accountId: ctx.accountId,
        status: 'active',
        mergedIntoId: null,
        ...next,
        emailNormalized: matchableEmail(next.email),
        phoneE164: normalizePhone(next.phone, ctx.defaultCountry),
        orderCount: 0,
        totalSpent: 0,
        firstOrderDate: null,
        lastOrderDate: null,
        erasedAt: null,
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
  state.put(record);
  relink(record);
  if (!before && record.emailNormalized && !ctx.manualIdentity(ctx.accountId, record.emailNormalized)) {
    // The manual store keys buyers by email (R1.2): a later manual order with this email links here.
    state.addIdentity({
      id: ctx.newId('identity'),
      accountId: ctx.accountId,
      storeId: manualStoreId(ctx.accountId),
      storeName: MANUAL_STORE_NAME,
      storeType: 'manual',
      username: record.emailNormalized,
      customerId: record.id,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
  }
  return {
    answer: {
      lineNumber: row.lineNumber,
      outcome: before ? 'updated' : 'created',
      customerId: record.id,
      reason: null,
      changes: ctx.dryRun ? changes : null,
      ...(warnings.length ? { warnings } : {}),
    },
    write: {
      record,
      created: !before,
      change: {
        id: ctx.newId('change'),
        accountId: ctx.accountId,
        customerId: record.id,
        at: ctx.now,
        actor: `import:${ctx.jobId}`,
        source: 'csv',
        kind: before ? 'edit' : 'create',
        changes: logged,
      },
    },
  };
}

function withPart(address: Address | null, part: keyof Address, value: string | null): Address | null {
  const next = {
    name: null,
    company: null,
    street1: null,
    street2: null,
    street3: null,
    city: null,
    state: null,
    postalCode: null,
    country: null,
    phone: null,
    ...(address ?? {}),
    [part]: value,
  } as Address;
  return Object.values(next).every((v) => v === null || v === '') ? null : next;
}
