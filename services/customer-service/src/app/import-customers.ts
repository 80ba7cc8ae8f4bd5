import type { EntityManager } from 'typeorm';
import type {
  CustomerImportRequestedV2,
  CustomerImportRow,
} from '@crp/contracts/events/customer-import-requested';
import {
  CustomerImportRowResult,
  MAX_RESULT_EVENT_BYTES,
  type CustomerImportRowResultV2,
  type CustomerImportRowAnswer,
} from '@crp/contracts/events/customer-import-row-result';
import { deterministicEventId, newEvent, type EventContext } from '@crp/contracts/new-event';
import type { Outbox } from '@crp/messaging/outbox';
import { newId } from '@crp/platform/ids';
import {
  decideImportRow,
  dryRunLayer,
  ImportState,
  loadedLayer,
  manualStoreId,
  type RowDecision,
} from '../domain/import-rows';
import { matchableEmail } from '../domain/normalize';
import { settingsOrDefault, type CustomerRecord, type IdentityRecord } from '../domain/records';
import { customerUpserted } from './customer-events';
import type { CustomerRepository, DryRunKey, DryRunRepository } from './ports';

export interface ImportDeps {
  repo: CustomerRepository;
  outbox: Outbox;
  /** A dry run's would-be state, per job, across chunks: in tables (ADR 0024), read and written per batch. */
  dryRuns: DryRunRepository;
  now?: () => Date;
}

/**
 * CustomerImportRequested v2 chunks → customers of the manual store (SPEC §4), a whole batch in
 * the consumer's one transaction: load every record the rows can reach with one query per kind
 * of lookup (by id, by the manual store's username, by email; then their identities), decide row
 * by row over plain data (domain/import-rows.ts), write with multi-row statements, and put in the
 * outbox one CustomerUpserted (cause `import`) per changed customer and the chunk's
 * CustomerImportRowResult. The inbox mark commits with it: a redelivered chunk is dropped, so no
 * row is ever applied twice.
 *
 * A dry run writes no customer: its decisions go to its would-be state (ADR 0024), tables keyed
 * by (account, job), read for the batch's keys with one query per kind of lookup (records by id,
 * records by would-be email, identities by username) and written back with multi-row upserts in
 * the same transaction, so memory holds one batch whatever the file's size, and a retried batch
 * or a restarted service sees exactly what the committed chunks would have done.
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
  const rows = events.flatMap((e) =>
    e.payload.rows.map((r) => ({
      accountId: e.accountId,
      jobId: e.payload.jobId,
      dryRun: e.payload.dryRun,
      row: r,
    })),
  );
  const rowEmail = (row: CustomerImportRow) =>
    !row.customerId && !row.username && 'email' in row.values ? matchableEmail(row.values.email) : null;
  /** The manual store's usernames a row can reach: its username (as given and folded), else its email. */
  const usernamesOf = (row: CustomerImportRow) => {
    const keys: string[] = [];
    if (row.username) keys.push(row.username, row.username.trim().toLowerCase());
    const email = rowEmail(row);
    if (email) keys.push(email);
    return [...new Set(keys)];
  };
  const usernames = rows.flatMap(({ accountId, row }) =>
    usernamesOf(row).map((username) => ({ accountId, storeId: manualStoreId(accountId), username })),
  );
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
    const value = rowEmail(row);
    return value ? [{ accountId, value }] : [];
  });
  const emailCandidates = await repo.activeCustomersByKey(tx, 'email', emails, { lock: true });
  add(emailCandidates);

  // The dry runs' would-be state for this batch's keys (ADR 0024), one query per kind of lookup:
  // identities the runs would have created, records by would-be email, records by id (everything
  // loaded above, the targets of those identities, the rows' customer ids).
  const wouldBe = new Map<string, WouldBe>();
  const wouldBeOf = (k: DryRunKey): WouldBe => {
    const key = `${k.accountId}\u0000${k.jobId}`;
    let w = wouldBe.get(key);
    if (!w) wouldBe.set(key, (w = { records: new Map(), identities: new Map() }));
    return w;
  };
  const dry = rows.filter((r) => r.dryRun);
  if (dry.length > 0) {
    const found = await deps.dryRuns.identitiesByUsername(
      tx,
      dry.flatMap(({ accountId, jobId, row }) =>
        usernamesOf(row).map((username) => ({ accountId, jobId, username })),
      ),
    );
    for (const i of found) wouldBeOf(i).identities.set(i.identity.username, i.identity);
    const byEmail = await deps.dryRuns.customersByEmail(
      tx,
      dry.flatMap(({ accountId, jobId, row }) => {
        const email = rowEmail(row);
        return email ? [{ accountId, jobId, email }] : [];
      }),
    );
    for (const c of byEmail) wouldBeOf(c).records.set(c.record.id, c.record);
    const ids = new Map<string, DryRunKey & { customerId: string }>();
    const want = (accountId: string, jobId: string, customerId: string) => {
      if (!wouldBeOf({ accountId, jobId }).records.has(customerId))
        ids.set(`${accountId}\u0000${jobId}\u0000${customerId}`, { accountId, jobId, customerId });
    };
    const jobs = new Map(
      dry.map(({ accountId, jobId }) => [`${accountId}\u0000${jobId}`, { accountId, jobId }]),
    );
    for (const { accountId, jobId } of jobs.values()) {
      for (const c of loaded.values()) if (c.accountId === accountId) want(accountId, jobId, c.id);
      for (const i of wouldBeOf({ accountId, jobId }).identities.values())
        if (i.customerId) want(accountId, jobId, i.customerId);
    }
    for (const { accountId, jobId, row } of dry) if (row.customerId) want(accountId, jobId, row.customerId);
    for (const c of await deps.dryRuns.customersById(tx, [...ids.values()]))
      wouldBeOf(c).records.set(c.record.id, c.record);
  }
  const identityRefs = new Map<string, { accountId: string; customerId: string }>();
  for (const c of [...loaded.values(), ...[...wouldBe.values()].flatMap((w) => [...w.records.values()])])
    identityRefs.set(`${c.accountId}\u0000${c.id}`, { accountId: c.accountId, customerId: c.id });
  const identities = await repo.identitiesOf(tx, [...identityRefs.values()]);
  const identitiesByCustomer = new Map<string, IdentityRecord[]>();
  for (const i of identities) {
    if (i.customerId)
      identitiesByCustomer.set(i.customerId, [...(identitiesByCustomer.get(i.customerId) ?? []), i]);
  }
  const manualByKey = new Map(manual.map((i) => [`${i.accountId}\u0000${i.username}`, i]));

  // Decide, chunk by chunk in delivery order; a dry run decides over its job's would-be state.
  const base = loadedLayer({ customers: [...loaded.values()], identities, emailCandidates });
  const live = new ImportState(base);
  const dryStaged = new Map<string, { key: DryRunKey; state: ImportState; final: boolean }>();
  const writes = new Map<
    string,
    { record: CustomerRecord; created: boolean; cause: CustomerImportRequestedV2 }
  >();
  const changes: NonNullable<NonNullable<RowDecision['write']>['change']>[] = [];
  const answerEvents: CustomerImportRowResultV2[] = [];
  for (const event of events) {
    const { jobId, dryRun, fields, chunk, final } = event.payload;
    let state = live;
    let before: WouldBe | undefined;
    if (dryRun) {
      const key = { accountId: event.accountId, jobId };
      before = wouldBeOf(key);
      let staged = dryStaged.get(`${event.accountId}\u0000${jobId}`);
      if (!staged) {
        staged = { key, state: new ImportState(dryRunLayer(before.records, live, base)), final: false };
        dryStaged.set(`${event.accountId}\u0000${jobId}`, staged);
      }
      staged.final ||= final;
      state = staged.state;
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
      manualIdentity: (accountId: string, username: string) => {
        const wouldBe = accountId === event.accountId ? before?.identities.get(username) : undefined;
        const found =
          manualByKey.get(`${accountId}\u0000${username}`) ??
          state.identity(accountId, username) ??
          wouldBe ??
          live.identity(accountId, username);
        if (!found) return undefined;
        // A stored identity as this batch (or the dry run's earlier chunks) re-pointed it (R1.4/R2.6).
        return (
          state.movedIdentity(found.id) ??
          (wouldBe?.id === found.id ? wouldBe : undefined) ??
          live.movedIdentity(found.id) ??
          found
        );
      },
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
        if (d.write.change) changes.push(d.write.change);
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
  // R1.4/R2.6: identities re-pointed at the record their row landed on, one multi-row write.
  const moved = [...live.moved.values()];
  await repo.updateIdentities(tx, moved);
  await repo.insertChanges(tx, changes);
  const movedIds = new Set(moved.map((i) => i.id));
  for (const [customerId, list] of identitiesByCustomer)
    identitiesByCustomer.set(
      customerId,
      list.filter((i) => !movedIds.has(i.id)),
    );
  for (const i of [...live.identities, ...moved]) {
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
  // A dry run's would-be state moves on with this transaction (a retried batch starts over); a
  // job whose final chunk came keeps nothing: the sweep deletes what it had (ADR 0024).
  const staged = [...dryStaged.values()];
  const going = staged.filter((d) => !d.final);
  await deps.dryRuns.saveCustomers(
    tx,
    going.flatMap((d) => [...d.state.written.values()].map((record) => ({ ...d.key, record }))),
  );
  await deps.dryRuns.saveIdentities(
    tx,
    going.flatMap((d) =>
      [...d.state.identities, ...d.state.moved.values()].map((identity) => ({ ...d.key, identity })),
    ),
  );
  await deps.dryRuns.touchJobs(
    tx,
    staged.map((d) => ({ ...d.key, at: now, ended: d.final })),
  );
}

/** What a dry run would have written before this batch, as far as the batch's keys reach. */
interface WouldBe {
  records: Map<string, CustomerRecord>;
  identities: Map<string, IdentityRecord>;
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
