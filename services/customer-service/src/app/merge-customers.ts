import type { EntityManager } from 'typeorm';
import { CustomerMerged } from '@crp/contracts/events/customer-merged';
import { newEvent } from '@crp/contracts/new-event';
import { conflict, validationFailed } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { MERGE_CHOICE_FIELDS, planMerge, type MergePlan, type MergeRequest } from '../domain/merge';
import { settingsOrDefault, type CustomerRecord } from '../domain/records';
import { customerUpserted } from './customer-events';
import { customerView } from './customer-view';
import { checkMergeIfMatch, type IfMatch, mergeETagOf } from './preconditions';
import { type Actor, nowOf, type WriteDeps, writeTransaction } from './write-deps';

/** At most this many records merged into a survivor at once. */
export const MAX_MERGED = 20;

/**
 * POST /v1/customers/merge/preview (R2.7): the resulting record, every conflict with its
 * candidates, the winner and its rule, and the blockers — nothing written. `etag` names the
 * version of every record the preview was made of (mergeETagOf): sent back as If-Match, the merge
 * happens only if none of them has changed since.
 */
export async function previewMerge(deps: WriteDeps, actor: Actor, req: MergeRequest) {
  checkRequest(req);
  const now = nowOf(deps);
  return deps.db.transaction(async (tx) => {
    const { plan, records } = await loadAndPlan(deps, tx, actor.accountId, req, now, false);
    return { ...previewBody(req, plan), etag: mergeETagOf(req, records) };
  });
}

/**
 * POST /v1/customers/merge (R2.7): the same plan, decided over the records locked for the
 * transaction, then applied in that one transaction: survivor fields, identities and order history
 * moved, totals recounted, possible-duplicate pairs re-pointed, merged records pointing at the
 * survivor, the default customer following it (R2.8), change-log rows, CustomerMerged and
 * CustomerUpserted in the outbox. Refused whole (409, the blockers listed) when anything blocks.
 * With `ifMatch` (the preview's ETag), refused whole (412, naming each record that changed) when
 * a record's version, read under its row lock, is no longer the one the preview showed.
 */
export async function mergeCustomers(deps: WriteDeps, actor: Actor, req: MergeRequest, ifMatch?: IfMatch) {
  checkRequest(req);
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const { accountId } = actor;
    const { plan, records } = await loadAndPlan(deps, tx, accountId, req, now, true);
    checkMergeIfMatch(ifMatch, req, records);
    if (!plan.mergeable || !plan.survivor) {
      throw conflict(`These records cannot be merged: ${plan.blockers.map((b) => b.reason).join('; ')}`, {
        blockers: plan.blockers,
      });
    }
    const survivor = plan.survivor;
    await repo.updateCustomers(tx, [survivor, ...plan.merged]);
    await repo.updateIdentities(tx, plan.identityMoves);
    await repo.moveHistory(tx, accountId, req.mergedIds, survivor.id);
    await repo.recountTotals(
      tx,
      [survivor.id, ...req.mergedIds].map((customerId) => ({ accountId, customerId })),
    );
    await repo.moveDuplicates(tx, accountId, req.mergedIds, survivor.id);
    const settings = (await repo.settings(tx, [accountId]))[0];
    if (settings?.defaultCustomerId && req.mergedIds.includes(settings.defaultCustomerId)) {
      await repo.saveSettings(tx, { ...settings, defaultCustomerId: survivor.id, updatedAt: now });
    }
    await repo.insertChanges(tx, [
      {
        id: newId('chg'),
        accountId,
        customerId: survivor.id,
        at: now,
        actor: actor.userId,
        source: 'manual',
        kind: 'merge',
        changes: [
          { field: 'mergedIds', from: null, to: req.mergedIds },
          ...plan.conflicts.map((c) => ({
            field: c.field,
            from: c.candidates.find((x) => x.customerId === survivor.id)?.value ?? null,
            to: c.candidates.find((x) => x.customerId === c.winner)?.value ?? null,
          })),
        ],
      },
      ...plan.merged.map((m) => ({
        id: newId('chg'),
        accountId,
        customerId: m.id,
        at: now,
        actor: actor.userId,
        source: 'manual' as const,
        kind: 'merged_into' as const,
        changes: [
          { field: 'status', from: 'active', to: 'merged' },
          { field: 'mergedIntoId', from: null, to: survivor.id },
        ],
      })),
    ]);
    const [after] = await repo.customersById(tx, [{ accountId, id: survivor.id }]);
    const identities = await repo.identitiesOf(tx, [{ accountId, customerId: survivor.id }]);
    const ctx = { accountId, correlationId: actor.correlationId };
    await deps.outbox.add(
      tx,
      newEvent(CustomerMerged, ctx, {
        survivorId: survivor.id,
        mergedIds: req.mergedIds,
        mergedBy: actor.userId,
      }),
      customerUpserted(ctx, after!, identities, 'merge', false, null),
      ...plan.merged.map((m) => customerUpserted(ctx, m, [], 'merge', false, null)),
    );
    return {
      survivor: customerView(after!, identities),
      mergedIds: req.mergedIds,
      conflicts: plan.conflicts,
      moves: plan.moves,
    };
  });
}

async function loadAndPlan(
  deps: WriteDeps,
  tx: EntityManager,
  accountId: string,
  req: MergeRequest,
  now: Date,
  lock: boolean,
): Promise<{ plan: MergePlan; records: CustomerRecord[] }> {
  const { repo } = deps;
  const ids = [req.survivorId, ...req.mergedIds];
  const settings = settingsOrDefault(accountId, (await repo.settings(tx, [accountId]))[0]);
  const records = await repo.customersById(
    tx,
    ids.map((id) => ({ accountId, id })),
    { lock },
  );
  const identities = await repo.identitiesOf(
    tx,
    records.map((r) => ({ accountId, customerId: r.id })),
  );
  const open = await repo.openPrivacyRequests(tx, accountId, ids);
  const plan = planMerge(
    req,
    { accountId, defaultCountry: settings.defaultCountry, records, identities, openPrivacyRequests: open },
    now,
  );
  return { plan, records: records.filter((r) => r.accountId === accountId) };
}

function previewBody(req: MergeRequest, plan: MergePlan) {
  const s = plan.survivor;
  if (!s)
    return {
      mergeable: false,
      survivorId: req.survivorId,
      mergedIds: req.mergedIds,
      result: null,
      conflicts: [],
      blockers: plan.blockers,
      moves: plan.moves,
    };
  // The totals as they will be once the merged records' orders have moved (R1.11).
  const all = [s, ...plan.merged];
  const dates = (pick: (r: (typeof all)[number]) => Date | null) =>
    all
      .map(pick)
      .filter((d): d is Date => d !== null)
      .map((d) => d.getTime());
  const first = dates((r) => r.firstOrderDate);
  const last = dates((r) => r.lastOrderDate);
  const result = {
    ...s,
    orderCount: all.reduce((n, r) => n + r.orderCount, 0),
    totalSpent: Math.round(all.reduce((n, r) => n + r.totalSpent, 0) * 100) / 100,
    firstOrderDate: first.length ? new Date(Math.min(...first)) : null,
    lastOrderDate: last.length ? new Date(Math.max(...last)) : null,
  };
  return {
    mergeable: plan.mergeable,
    survivorId: req.survivorId,
    mergedIds: req.mergedIds,
    result: customerView(result, [...plan.survivorIdentities, ...plan.identityMoves]),
    conflicts: plan.conflicts,
    blockers: plan.blockers,
    moves: plan.moves,
  };
}

function checkRequest(req: MergeRequest) {
  const problems: string[] = [];
  if (req.mergedIds.includes(req.survivorId)) problems.push('survivorId is also in mergedIds');
  if (new Set(req.mergedIds).size !== req.mergedIds.length) problems.push('mergedIds names a record twice');
  if (req.mergedIds.length > MAX_MERGED) problems.push(`at most ${MAX_MERGED} records can be merged at once`);
  const group = new Set([req.survivorId, ...req.mergedIds]);
  for (const [field, id] of Object.entries(req.choices ?? {})) {
    if (!MERGE_CHOICE_FIELDS.includes(field))
      problems.push(`choices.${field}: not a field to choose (${MERGE_CHOICE_FIELDS.join(', ')})`);
    else if (!group.has(id)) problems.push(`choices.${field}: ${id} is not one of the records being merged`);
  }
  if (problems.length) throw validationFailed(`Invalid merge request: ${problems.join('; ')}`, problems);
}
