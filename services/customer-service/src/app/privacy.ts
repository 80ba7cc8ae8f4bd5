import type { EntityManager } from 'typeorm';
import { CustomerRedacted } from '@crp/contracts/events/customer-redacted';
import { newEvent } from '@crp/contracts/new-event';
import { legalBasisText, type PrivacyBasis, type PrivacyRequestType } from '@crp/contracts/privacy-request';
import { conflict, notFound } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { erasedRecord, privacyRequestProblem } from '../domain/privacy';
import type { CustomerRecord, PrivacyRequestRecord } from '../domain/records';
import { customerView } from './customer-view';
import type { CustomerRepository } from './ports';
import { type Actor, lockCustomer, nowOf, type WriteDeps, writeTransaction } from './write-deps';

export interface PrivacyRequestInput {
  type: PrivacyRequestType;
  customerId: string;
  basis: PrivacyBasis;
  note?: string | null;
  /** Carry it out now (default), or record it open (e.g. while the person's identity is checked). */
  fulfilNow?: boolean;
}

/** What a request answers; an export carries its document once, when it is fulfilled. */
export interface PrivacyResult {
  request: ReturnType<typeof requestView>;
  document?: Record<string, unknown>;
}

/**
 * POST /v1/privacy-requests (R2.10): the request is recorded with its basis, who asked and when,
 * and — unless `fulfilNow: false` — carried out in the same transaction. One open request per
 * record and type at a time; a merged record's requests belong to its survivor.
 */
export async function createPrivacyRequest(
  deps: WriteDeps,
  actor: Actor,
  input: PrivacyRequestInput,
): Promise<PrivacyResult> {
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const c = await lockCustomer(tx, repo, actor.accountId, input.customerId);
    const problem = privacyRequestProblem(c, input.type);
    if (problem) throw conflict(problem);
    const open = (await repo.openPrivacyRequests(tx, actor.accountId, [c.id])).find(
      (r) => r.type === input.type,
    );
    if (open) {
      throw conflict(
        `Customer ${c.id} already has an open ${input.type} request ${open.id}: fulfil or cancel it`,
        {
          requestId: open.id,
        },
      );
    }
    const request: PrivacyRequestRecord = {
      id: newId('prq'),
      accountId: actor.accountId,
      customerId: c.id,
      type: input.type,
      basis: input.basis,
      note: input.note?.trim() || null,
      status: 'open',
      requestedBy: actor.userId,
      requestedAt: now,
      completedAt: null,
      completedBy: null,
      outcome: null,
    };
    await repo.insertPrivacyRequest(tx, request);
    if (input.fulfilNow === false) return { request: requestView(request) };
    return fulfil(deps, tx, actor, request, c, now);
  });
}

/** POST /v1/privacy-requests/:id/fulfil: carries out an open request. */
export async function fulfilPrivacyRequest(deps: WriteDeps, actor: Actor, requestId: string) {
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const request = await openRequest(tx, deps.repo, actor.accountId, requestId);
    const c = await lockCustomer(tx, deps.repo, actor.accountId, request.customerId);
    const problem = privacyRequestProblem(c, request.type);
    if (problem) throw conflict(problem);
    return fulfil(deps, tx, actor, request, c, now);
  });
}

/** POST /v1/privacy-requests/:id/cancel: an open request is closed without being carried out. */
export async function cancelPrivacyRequest(deps: WriteDeps, actor: Actor, requestId: string) {
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const request = await openRequest(tx, deps.repo, actor.accountId, requestId);
    const done: PrivacyRequestRecord = {
      ...request,
      status: 'cancelled',
      completedAt: now,
      completedBy: actor.userId,
    };
    await deps.repo.updatePrivacyRequest(tx, done);
    return { request: requestView(done) };
  });
}

export async function getPrivacyRequest(deps: WriteDeps, accountId: string, requestId: string) {
  return deps.db.transaction(async (tx) => {
    const r = await deps.repo.privacyRequest(tx, accountId, requestId);
    if (!r) throw notFound(`Privacy request ${requestId}`);
    return requestView(r);
  });
}

export async function listPrivacyRequests(
  deps: WriteDeps,
  accountId: string,
  q: { customerId?: string; status?: string; cursor?: string; limit: number },
) {
  return deps.db.transaction(async (tx) => {
    const rows = await deps.repo.listPrivacyRequests(tx, accountId, {
      customerId: q.customerId,
      status: q.status,
      before: q.cursor,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      requests: page.map(requestView),
      nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
    };
  });
}

async function openRequest(tx: EntityManager, repo: CustomerRepository, accountId: string, id: string) {
  const r = await repo.privacyRequest(tx, accountId, id, { lock: true });
  if (!r) throw notFound(`Privacy request ${id}`);
  if (r.status !== 'open')
    throw conflict(`Privacy request ${id} is ${r.status}: only an open request can change`);
  return r;
}

async function fulfil(
  deps: WriteDeps,
  tx: EntityManager,
  actor: Actor,
  request: PrivacyRequestRecord,
  c: CustomerRecord,
  now: Date,
): Promise<PrivacyResult> {
  const { repo } = deps;
  // The record and every record merged into it (they hold the same person's data).
  const records = [c];
  for (let frontier = [c.id], depth = 0; frontier.length && depth < 10; depth++) {
    const found = await repo.mergedInto(tx, actor.accountId, frontier);
    records.push(...found);
    frontier = found.map((f) => f.id);
  }
  const ids = records.map((r) => r.id);
  const refs = ids.map((customerId) => ({ accountId: actor.accountId, customerId }));
  const identities = await repo.identitiesOf(tx, refs);
  if (request.type === 'export') {
    const document = {
      generatedAt: now.toISOString(),
      request: requestView(request),
      customer: exportRecord(c),
      mergedRecords: records.slice(1).map(exportRecord),
      identities: identities.map((i) => ({
        customerId: i.customerId,
        storeId: i.storeId,
        storeName: i.storeName,
        storeType: i.storeType,
        username: i.username,
        linkedAt: i.createdAt.toISOString(),
      })),
      orders: (await repo.allOrdersOf(tx, actor.accountId, ids)).map((o) => ({
        customerId: o.customerId,
        orderId: o.orderId,
        storeId: o.storeId,
        storeOrderId: o.storeOrderId,
        orderNumber: o.orderNumber,
        orderDate: o.orderDate.toISOString(),
        total: o.total,
        currency: o.currency,
      })),
      changes: (await repo.changesOf(tx, actor.accountId, ids)).map((ch) => ({
        customerId: ch.customerId,
        at: ch.at.toISOString(),
        by: ch.actor,
        source: ch.source,
        kind: ch.kind,
        changes: ch.changes,
      })),
      possibleDuplicates: (
        await Promise.all(ids.map((id) => repo.possibleDuplicatesOf(tx, actor.accountId, id)))
      ).flat(),
    };
    const done: PrivacyRequestRecord = {
      ...request,
      status: 'completed',
      completedAt: now,
      completedBy: actor.userId,
      outcome: { customerIds: ids, orders: document.orders.length, identities: identities.length },
    };
    await repo.updatePrivacyRequest(tx, done);
    return { request: requestView(done), document };
  }

  // Erase: the records become tombstones; identities, change log and duplicate pairs go; the order
  // history rows stay (store, order number, date, total: no personal data) and so do the totals.
  const erased = records.map((r) => erasedRecord(r, now));
  await repo.updateCustomers(tx, erased);
  await repo.deleteIdentities(tx, actor.accountId, ids);
  await repo.deleteChanges(tx, actor.accountId, ids);
  await repo.dropDuplicates(tx, actor.accountId, ids);
  await repo.insertChanges(
    tx,
    ids.map((customerId) => ({
      id: newId('chg'),
      accountId: actor.accountId,
      customerId,
      at: now,
      actor: actor.userId,
      source: 'manual' as const,
      kind: 'erase' as const,
      changes: [{ field: 'privacyRequest', from: null, to: request.id }],
    })),
  );
  const settings = (await repo.settings(tx, [actor.accountId]))[0];
  if (settings?.defaultCustomerId && ids.includes(settings.defaultCustomerId)) {
    await repo.saveSettings(tx, { ...settings, defaultCustomerId: null, updatedAt: now });
  }
  const legalBasis = legalBasisText(request.basis, 'erase');
  await deps.outbox.addMany(
    tx,
    erased.map((r) =>
      newEvent(
        CustomerRedacted,
        { accountId: actor.accountId, correlationId: actor.correlationId },
        {
          customerId: r.id,
          requestId: request.id,
          legalBasis,
          identities: identities
            .filter((i) => i.customerId === r.id)
            .map((i) => ({ storeId: i.storeId, username: i.username })),
        },
      ),
    ),
  );
  const done: PrivacyRequestRecord = {
    ...request,
    status: 'completed',
    completedAt: now,
    completedBy: actor.userId,
    outcome: { erasedCustomerIds: ids, identitiesRemoved: identities.length, legalBasis },
  };
  await repo.updatePrivacyRequest(tx, done);
  return { request: requestView(done) };
}

/** Everything held on one record, with the source and time of each field. */
function exportRecord(c: CustomerRecord) {
  const { consentHistory, ...view } = { ...customerView(c, []), consentHistory: c.consentHistory };
  return {
    ...view,
    marketplaceUsernames: undefined,
    consentHistory,
    addressOrderDate: c.addressOrderDate?.toISOString() ?? null,
  };
}

export function requestView(r: PrivacyRequestRecord) {
  return {
    requestId: r.id,
    customerId: r.customerId,
    type: r.type,
    basis: r.basis,
    legalBasis: legalBasisText(r.basis, r.type),
    note: r.note,
    status: r.status,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    completedBy: r.completedBy,
    outcome: r.outcome,
  };
}
