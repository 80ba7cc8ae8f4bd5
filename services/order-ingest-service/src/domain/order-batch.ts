import { createHash } from 'node:crypto';
import type { NormalizedOrder, OrderRecord } from './order';

export interface BatchItem {
  /** Position in the caller's request or page, echoed in the outcome. */
  index: number;
  order: NormalizedOrder;
}

export type ItemOutcome =
  | { index: number; orderNumber: string; status: 'created' | 'updated' | 'unchanged'; orderId: string }
  | { index: number; orderNumber: string | null; status: 'rejected'; reason: string };

export interface OrderBatchDecision {
  /** One per item, in item order. */
  outcomes: ItemOutcome[];
  /** Rows to write, one per store order in its final state: new ones, and ones stored before. */
  inserts: OrderRecord[];
  updates: OrderRecord[];
  /** Each new revision, in item order: what OrderImported announces. */
  imported: Array<{ record: OrderRecord; order: NormalizedOrder }>;
}

/** What a stored order is compared on: a re-import with the same content changes nothing (R1.9). */
export function contentHash(o: NormalizedOrder): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...o, orderDate: o.orderDate.toISOString() }))
    .digest('hex');
}

/**
 * R1.9 for a whole batch, as a pure decision over plain data: each store order is created once,
 * a re-import with the same content is `unchanged`, a changed one is a new revision. Two items of
 * one batch for the same store order are applied in turn (the second sees the first). `existing`
 * holds the stored rows of the batch's store orders (one query loads them all).
 */
export function decideOrderBatch(input: {
  accountId: string;
  storeId: string;
  items: BatchItem[];
  existing: OrderRecord[];
  now: Date;
  newId: () => string;
}): OrderBatchDecision {
  const current = new Map(input.existing.map((r) => [r.storeOrderId, r]));
  const stored = new Set(current.keys());
  const outcomes: ItemOutcome[] = [];
  const imported: OrderBatchDecision['imported'] = [];
  const touched = new Set<string>();
  for (const { index, order } of input.items) {
    const hash = contentHash(order);
    const before = current.get(order.storeOrderId);
    if (before && before.contentHash === hash) {
      outcomes.push({ index, orderNumber: order.orderNumber, status: 'unchanged', orderId: before.id });
      continue;
    }
    const record: OrderRecord = {
      id: before?.id ?? input.newId(),
      accountId: input.accountId,
      storeId: input.storeId,
      storeOrderId: order.storeOrderId,
      orderNumber: order.orderNumber,
      orderDate: order.orderDate,
      orderStatus: order.orderStatus,
      customerUsername: order.username,
      customerEmail: order.email,
      buyerName: order.buyerName,
      shipTo: order.shipTo,
      billTo: order.billTo,
      items: order.items,
      notes: order.notes,
      total: order.total,
      revision: (before?.revision ?? 0) + 1,
      contentHash: hash,
      createdAt: before?.createdAt ?? input.now,
      updatedAt: input.now,
    };
    current.set(order.storeOrderId, record);
    touched.add(order.storeOrderId);
    imported.push({ record, order });
    outcomes.push({
      index,
      orderNumber: order.orderNumber,
      status: before ? 'updated' : 'created',
      orderId: record.id,
    });
  }
  const final = [...touched].map((k) => current.get(k)!);
  return {
    outcomes,
    inserts: final.filter((r) => !stored.has(r.storeOrderId)),
    updates: final.filter((r) => stored.has(r.storeOrderId)),
    imported,
  };
}
