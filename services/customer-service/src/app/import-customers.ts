import type { EntityManager } from 'typeorm';
import type { CustomerImportRequestedV2 } from '@crp/contracts/events/customer-import-requested';
import {
  CustomerImportRowResult,
  MAX_RESULT_EVENT_BYTES,
  type CustomerImportRowResultV2,
  type CustomerImportRowAnswer,
} from '@crp/contracts/events/customer-import-row-result';
import { deterministicEventId, newEvent, type EventContext } from '@crp/contracts/new-event';
import type { Outbox } from '@crp/messaging/outbox';
import { afterCommit } from '@crp/platform/db';
import { newId } from '@crp/platform/ids';
import {
  decideImportRow,
  ImportState,
  loadedLayer,
  manualStoreId,
  type RowDecision,
} from '../domain/import-rows';
import { matchableEmail } from '../domain/normalize';
import { settingsOrDefault, type CustomerRecord, type IdentityRecord } from '../domain/records';
import { customerUpserted } from './customer-events';
import type { CustomerRepository } from './ports';

export interface ImportDeps {
  repo: CustomerRepository;
  outbox: Outbox;
  /** A dry run's would-be state, per job, across chunks (in memory; dropped after the final chunk). */
  dryRuns: DryRunStates;
  now?: () => Date;
}

/**
 * Would-be state of the dry runs in progress: what earlier chunks of each job would have written,
 * so that a later row sees it (the contract's rule). Kept in memory, bounded in jobs; a restart
 * loses it (later rows of that preview then see only the database).
 */
export class DryRunStates {
  private readonly jobs = new Map<string, ImportState>();
  constructor(private readonly maxJobs = 20) {}
  get(jobId: string): ImportState | undefined {
    return this.jobs.get(jobId);
  }
  set(jobId: string, s: ImportState): void {
    this.jobs.delete(jobId);
    this.jobs.set(jobId, s);
    while (this.jobs.size > this.maxJobs) this.jobs.delete(this.jobs.keys().next().value!);
  }
  drop(jobId: string): void {
    this.jobs.delete(jobId);
  }
}

/**
 * CustomerImportRequested v2 chunks → customers of the manual store (SPEC §4), a whole batch in
 * the consumer's one transaction: load every record the rows can reach with one query per kind
 * of lookup (by id, by the manual store's username, by email; then their identities), decide row
 * by row over plain data (domain/import-rows.ts), write with multi-row statements, and put in the
 * outbox one CustomerUpserted (cause `import`) per changed customer and the chunk's
 * CustomerImportRowResult. A dry run writes nothing but its answers. The inbox mark commits with
 * it: a redelivered chunk is dropped, so no row is ever applied twice.
 */
export async function importCustomers(
  tx: EntityManager,
  deps: ImportDeps,
  events: CustomerImportRequestedV2[],
): Promise<void> {
  const { repo } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const accounts = [...new Set(events.map((e) => e.accountId))];
  const settings = await repo.settings(tx, accounts);
  const country = (a: string) =>
    settingsOrDefault(
      a,
      settings.find((s) => s.accountId === a),
    ).defaultCountry;

  // Load.
  const rows = events.flatMap((e) => e.payload.rows.map((r) => ({ accountId: e.accountId, row: r })));
  const usernames = rows.flatMap(({ accountId, row }) => {
    const keys: string[] = [];
    if (row.username) keys.push(row.username, row.username.trim().toLowerCase());
    const email =
      !row.customerId && !row.username && 'email' in row.values ? matchableEmail(row.values.email) : null;
    if (email) keys.push(email);
    return [...new Set(keys)].map((username) => ({ accountId, storeId: manualStoreId(accountId), username }));
  });
  const manual = await repo.identitiesByKey(tx, usernames);
  const loaded = new Map<string, CustomerRecord>();
  const add = (list: CustomerRecord[]) => list.forEach((c) => loaded.set(c.id, c));
  let wanted = [
    ...rows.flatMap(({ accountId, row }) => (row.customerId ? [{ accountId, id: row.customerId }] : [])),
    ...manual.flatMap((i) => (i.customerId ? [{ accountId: i.accountId, id: i.customerId }] : [])),
  ];
  for (let round = 0; round < 10 && wanted.length > 0; round++) {
    const missing = [
      ...new Map(
        wanted.filter((r) => !loaded.has(r.id)).map((r) => [`${r.accountId}\u0000${r.id}`, r]),
      ).values(),
    ];
    if (missing.length === 0) break;
    const found = await repo.customersById(tx, missing, { lock: true });
    add(found);
    wanted = found.flatMap((c) =>
      c.status === 'merged' && c.mergedIntoId ? [{ accountId: c.accountId, id: c.mergedIntoId }] : [],
    );
  }
  const emails = rows.flatMap(({ accountId, row }) => {
    const value =
      !row.customerId && !row.username && 'email' in row.values ? matchableEmail(row.values.email) : null;
    return value ? [{ accountId, value }] : [];
  });
  const emailCandidates = await repo.activeCustomersByKey(tx, 'email', emails, { lock: true });
  add(emailCandidates);
  const identities = await repo.identitiesOf(
    tx,
    [...loaded.values()].map((c) => ({ accountId: c.accountId, customerId: c.id })),
  );
  const identitiesByCustomer = new Map<string, IdentityRecord[]>();
  for (const i of identities) {
    if (i.customerId)
      identitiesByCustomer.set(i.customerId, [...(identitiesByCustomer.get(i.customerId) ?? []), i]);
  }
  const manualByKey = new Map(manual.map((i) => [`${i.accountId}\u0000${i.username}`, i]));

  // Decide, chunk by chunk in delivery order; a dry run decides over its job's would-be state.
  const base = loadedLayer({ customers: [...loaded.values()], identities, emailCandidates });
  const live = new ImportState(base);
  const dryStaged = new Map<string, ImportState>();
  const writes = new Map<
    string,
    { record: CustomerRecord; created: boolean; cause: CustomerImportRequestedV2 }
  >();
  const changes: NonNullable<RowDecision['write']>['change'][] = [];
  const answerEvents: CustomerImportRowResultV2[] = [];
  for (const event of events) {
    const { jobId, dryRun, fields, chunk } = event.payload;
    let state = live;
    if (dryRun) {
      state = dryStaged.get(jobId) ?? new ImportState(live);
      const before = deps.dryRuns.get(jobId);
      if (!dryStaged.has(jobId) && before) state.absorb(before);
      dryStaged.set(jobId, state);
    }
    const ctx = {
      accountId: event.accountId,
      jobId,
      dryRun,
      fields,
      defaultCountry: country(event.accountId),
      now,
      newId: (kind: 'customer' | 'identity' | 'change') =>
        newId(kind === 'customer' ? 'cus' : kind === 'identity' ? 'idn' : 'chg'),
      identitiesOf: (id: string) => identitiesByCustomer.get(id) ?? [],
      manualIdentity: (accountId: string, username: string) =>
        manualByKey.get(`${accountId}\u0000${username}`) ??
        state.identity(accountId, username) ??
        live.identity(accountId, username),
    };
    const answers: CustomerImportRowAnswer[] = [];
    for (const row of event.payload.rows) {
      const d = decideImportRow(row, state, ctx);
      answers.push(d.answer);
      if (d.write && !dryRun) {
        const had = writes.get(d.write.record.id);
        writes.set(d.write.record.id, {
          record: d.write.record,
          created: had?.created ?? d.write.created,
          cause: event,
        });
        changes.push(d.write.change);
      }
    }
    if (event.payload.rows.length === 0) continue;
    const ectx: EventContext = {
      accountId: event.accountId,
      correlationId: event.correlationId,
      causationId: event.eventId,
    };
    split(answers).forEach((part, i, all) =>
      answerEvents.push(
        newEvent(
          CustomerImportRowResult,
          { ...ectx, eventId: deterministicEventId('CustomerImportRowResult', event.eventId, i + 1) },
          { jobId, chunk, part: i + 1, parts: all.length, dryRun, rows: part },
        ),
      ),
    );
  }

  // Persist.
  const all = [...writes.values()];
  await repo.insertCustomers(
    tx,
    all.filter((w) => w.created).map((w) => w.record),
  );
  await repo.updateCustomers(
    tx,
    all.filter((w) => !w.created).map((w) => w.record),
  );
  await repo.insertIdentities(tx, live.identities);
  await repo.insertChanges(tx, changes);
  for (const i of live.identities) {
    if (i.customerId)
      identitiesByCustomer.set(i.customerId, [...(identitiesByCustomer.get(i.customerId) ?? []), i]);
  }
  await deps.outbox.addMany(tx, [
    ...all.map((w) =>
      customerUpserted(
        { accountId: w.record.accountId, correlationId: w.cause.correlationId, causationId: w.cause.eventId },
        w.record,
        identitiesByCustomer.get(w.record.id) ?? [],
        'import',
        w.created,
        null,
      ),
    ),
    ...answerEvents,
  ]);
  // A dry run's would-be state moves on only if this transaction commits (a retried batch starts over).
  afterCommit(tx, () => {
    for (const event of events) {
      const { jobId, dryRun, final } = event.payload;
      if (!dryRun) continue;
      if (final) deps.dryRuns.drop(jobId);
      else {
        const s = dryStaged.get(jobId);
        if (s) deps.dryRuns.set(jobId, detach(s));
      }
    }
  });
}

/** A dry run's state keeps only its own writes (the database part is read again next time). */
function detach(s: ImportState): ImportState {
  const kept = new ImportState({ get: () => undefined, byEmail: () => undefined });
  kept.absorb(s);
  return kept;
}

/** Answers in parts of at most MAX_RESULT_EVENT_BYTES of JSON (the contract's rule). */
function split(answers: CustomerImportRowAnswer[]): CustomerImportRowAnswer[][] {
  const parts: CustomerImportRowAnswer[][] = [[]];
  let bytes = 0;
  for (const a of answers) {
    const size = JSON.stringify(a).length + 1;
    if (bytes + size > MAX_RESULT_EVENT_BYTES - 4096 && parts[parts.length - 1]!.length) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(a);
    bytes += size;
  }
  return parts;
}
