import type { EntityManager } from 'typeorm';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { notFound, validationFailed } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { decideOrderBatch, type BatchItem, type ItemOutcome } from '../domain/order-batch';
import {
  orderLimitProblem,
  orderWarnings,
  type NormalizedOrder,
  type RevisionSource,
  type StoreRecord,
} from '../domain/order';
import {
  OrderFormatError,
  normalizeShipStationOrder,
  type ShipStationOrder,
} from '../domain/shipstation-order';
import { CHANNEL_SPECS } from '../domain/store-channels';
import { delegateImportedOrders } from './delegate-orders';
import { orderImportedEvent, type Ctx } from './order-events';
import type { Repositories } from './ports';

export interface IngestDeps {
  outbox: Outbox;
  repos: Repositories;
}

/**
 * The one way orders enter (HTTP, store syncs, webhooks): a batch of normalized orders of one
 * store, inside the caller's transaction. Load (one query for every store order of the batch,
 * locked) → decide (pure, domain/order-batch.ts) → persist (multi-row insert and update, one
 * multi-row outbox insert of OrderImported).
 */
export async function ingestBatch(
  tx: EntityManager,
  deps: IngestDeps,
  ctx: Ctx,
  store: StoreRecord,
  items: BatchItem[],
  source: RevisionSource = store.type === 'manual' ? 'manual' : 'api',
): Promise<ItemOutcome[]> {
  if (items.length === 0) return [];
  // What is accepted is stored: an order the columns cannot hold is a row-level reason.
  const rejected: ItemOutcome[] = [];
  const fit: BatchItem[] = [];
  for (const item of items) {
    const problem = orderLimitProblem(item.order);
    if (problem)
      rejected.push({
        index: item.index,
        orderNumber: item.order.orderNumber,
        status: 'rejected',
        reason: problem,
      });
    else fit.push(item);
  }
  if (fit.length === 0) return rejected;
  const existing = await deps.repos.orders.lockByStoreOrderIds(
    tx,
    ctx.accountId,
    store.id,
    fit.map((i) => i.order.storeOrderId),
  );
  // R1.2: a channel whose buyer keys are renamable usernames (eBay): the batch's keys' aliases.
  const renames = store.type !== 'manual' && CHANNEL_SPECS[store.type].buyerKeyRenames === true;
  const aliases = renames
    ? await deps.repos.buyerAliases.find(
        tx,
        ctx.accountId,
        store.id,
        fit.flatMap((i) => (i.order.username ? [i.order.username] : [])),
      )
    : undefined;
  const decision = decideOrderBatch({
    accountId: ctx.accountId,
    storeId: store.id,
    items: fit,
    existing,
    now: new Date(),
    newId: () => newId('ord'),
    source,
    aliases,
  });
  await deps.repos.buyerAliases.insert(tx, decision.aliases);
  await deps.repos.orders.insert(tx, decision.inserts);
  await deps.repos.orders.update(tx, decision.updates);
  await deps.repos.orders.insertRevisions(tx, decision.revisions);
  await deps.outbox.addMany(
    tx,
    decision.imported.map(({ record, order }) => orderImportedEvent(ctx, store, record, order)),
  );
  // R5.4: "set fulfillment provider" rules, for the whole batch, in this same transaction.
  const tagsOf = new Map(items.map((i) => [i.index, i.order.tags]));
  const delegation = { delegation: deps.repos.delegation, outbox: deps.outbox, now: () => new Date() };
  await delegateImportedOrders(
    tx,
    delegation,
    ctx,
    decision.outcomes.flatMap((o) =>
      o.status === 'rejected'
        ? []
        : [{ ...o, accountId: ctx.accountId, storeId: store.id, tags: tagsOf.get(o.index) ?? [] }],
    ),
  );
  const orderOf = new Map(fit.map((i) => [i.index, i.order]));
  const outcomes = decision.outcomes.map((o) => {
    const warnings = o.status === 'rejected' ? [] : orderWarnings(orderOf.get(o.index)!);
    return warnings.length ? { ...o, warnings } : o;
  });
  return [...rejected, ...outcomes].sort((a, b) => a.index - b.index);
}

/**
 * Every transaction that runs ingestBatch: READ COMMITTED, so its locking read of the batch's store
 * orders locks the rows found and no gaps (concurrent imports of other stores never deadlock on
 * inserts), and run again on the rare deadlock that remains.
 */
export const INGEST_TX = { readCommitted: true, retryOnLockConflict: 3 } as const;

export interface BatchReport {
  results: ItemOutcome[];
  counts: Record<ItemOutcome['status'], number>;
}

/**
 * ShipStation-format orders of one store, already schema-checked one by one by the caller
 * (`rejected` holds the ones that were not): normalized, then the valid ones in one transaction.
 * Each order gets its own outcome; a bad order never refuses the others.
 */
export async function importShipStationOrders(
  db: Database,
  deps: IngestDeps,
  ctx: Ctx,
  storeId: string | null,
  accepted: Array<{ index: number; body: ShipStationOrder }>,
  rejected: Array<{ index: number; orderNumber: string | null; reason: string }>,
): Promise<BatchReport> {
  const outcomes: ItemOutcome[] = rejected.map((r) => ({ ...r, status: 'rejected' as const }));
  const report = await db.transaction(async (tx) => {
    const store = storeId
      ? await deps.repos.stores.find(tx, ctx.accountId, storeId)
      : await deps.repos.stores.manual(tx, ctx.accountId);
    if (!store) throw notFound(`Store ${storeId}`);
    const items: BatchItem[] = [];
    for (const { index, body } of accepted) {
      const problem = store.type === 'manual' ? manualOrderProblem(body) : null;
      if (problem) {
        outcomes.push({ index, orderNumber: body.orderNumber, status: 'rejected', reason: problem });
        continue;
      }
      let order: NormalizedOrder;
      try {
        order = normalizeShipStationOrder(body, store.type);
      } catch (err) {
        if (!(err instanceof OrderFormatError)) throw err;
        outcomes.push({ index, orderNumber: body.orderNumber, status: 'rejected', reason: err.message });
        continue;
      }
      items.push({ index, order });
    }
    return ingestBatch(tx, deps, ctx, store, items);
  }, INGEST_TX);
  outcomes.push(...report);
  outcomes.sort((a, b) => a.index - b.index);
  const counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const o of outcomes) counts[o.status] += 1;
  return { results: outcomes, counts };
}

/** R3.1: a manual order must carry an email; it links the order to a customer. */
export function manualOrderProblem(body: ShipStationOrder): string | null {
  return body.customerEmail && body.customerEmail.trim()
    ? null
    : 'A manual order needs customerEmail (R3.1): it links the order to a customer';
}

/** One order, for the single-object requests: a rejection is the request's 400. */
export async function importOne(
  db: Database,
  deps: IngestDeps,
  ctx: Ctx,
  storeId: string | null,
  body: ShipStationOrder,
): Promise<Exclude<ItemOutcome, { status: 'rejected' }>> {
  const { results } = await importShipStationOrders(db, deps, ctx, storeId, [{ index: 0, body }], []);
  const result = results[0]!;
  if (result.status === 'rejected') throw validationFailed(result.reason, [result.reason]);
  return result;
}
