import type { EntityManager } from 'typeorm';
import type { OrderImportRequestedV1 } from '@crp/contracts/events/order-import-requested';
import {
  OrderImportRowResult,
  type OrderImportRowAnswer,
} from '@crp/contracts/events/order-import-row-result';
import { MAX_RESULT_EVENT_BYTES } from '@crp/contracts/events/customer-import-row-result';
import type { AnyEvent } from '@crp/contracts/registry';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import { Outbox } from '@crp/messaging/outbox';
import { csvOrderToNormalized } from '../domain/csv-order';
import type { BatchItem } from '../domain/order-batch';
import { ingestBatch } from './ingest-orders';
import type { Repositories } from './ports';

export interface CsvOrderDeps {
  outbox: Outbox;
  repos: Repositories;
}

/**
 * OrderImported of CSV orders says so (`source: csv`), and without a username mapping carries no
 * buyer key at all, so customer-service links none of them (R3.2, R1.1). The order keeps its
 * email; only the announcement leaves the buyer out.
 */
class CsvOrderOutbox extends Outbox {
  constructor(
    private readonly inner: Outbox,
    private readonly link: boolean,
  ) {
    super();
  }

  override async addMany(tx: EntityManager, events: readonly AnyEvent[]): Promise<void> {
    await this.inner.addMany(
      tx,
      events.map((e) => {
        if (e.eventType !== 'OrderImported') return e;
        const buyer = this.link
          ? e.payload.buyer
          : { ...e.payload.buyer, username: null, email: null, phone: null };
        return { ...e, payload: { ...e.payload, source: 'csv' as const, buyer } };
      }),
    );
  }
}

/**
 * Rows of order CSV imports (OrderImportRequested, ADR 0013), in the consumer's transaction: per
 * chunk, the store (the manual one unless named), the stored orders of the chunk (one locked
 * query, for the dates of re-imported rows that have none), then the batch ingest every order
 * takes (R1.9), and one answer per row back to csv-import-service (OrderImportRowResult).
 */
export async function importCsvOrders(
  events: OrderImportRequestedV1[],
  tx: EntityManager,
  deps: CsvOrderDeps,
): Promise<void> {
  for (const event of events) {
    const { jobId, chunk, rows, storeId, linkCustomers, receivedAt } = event.payload;
    if (rows.length === 0) continue;
    const accountId = event.accountId;
    const store = storeId
      ? await deps.repos.stores.find(tx, accountId, storeId)
      : await deps.repos.stores.manual(tx, accountId);
    let answers: OrderImportRowAnswer[];
    if (!store) {
      answers = rows.map((r) => ({
        lineNumber: r.lineNumber,
        outcome: 'rejected',
        orderId: null,
        reason: `store ${storeId} was not found`,
      }));
    } else {
      const stored = await deps.repos.orders.lockByStoreOrderIds(
        tx,
        accountId,
        store.id,
        rows.map((r) => r.order.storeOrderId ?? r.order.orderNumber),
      );
      const dates = new Map(stored.map((o) => [o.storeOrderId, o.orderDate]));
      const items: BatchItem[] = rows.map((r, index) => ({
        index,
        order: csvOrderToNormalized(r.order, {
          link: linkCustomers,
          storedDate: dates.get(r.order.storeOrderId ?? r.order.orderNumber) ?? null,
          receivedAt: new Date(receivedAt),
        }),
      }));
      const outcomes = await ingestBatch(
        tx,
        { outbox: new CsvOrderOutbox(deps.outbox, linkCustomers), repos: deps.repos },
        { accountId, correlationId: event.correlationId },
        store,
        items,
      );
      answers = outcomes.map((o) => ({
        lineNumber: rows[o.index]!.lineNumber,
        outcome: o.status,
        orderId: o.status === 'rejected' ? null : o.orderId,
        reason: o.status === 'rejected' ? o.reason : null,
      }));
    }
    const parts = split(answers);
    await deps.outbox.addMany(
      tx,
      parts.map((part, i) =>
        newEvent(
          OrderImportRowResult,
          {
            accountId,
            correlationId: event.correlationId,
            causationId: event.eventId,
            eventId: deterministicEventId('OrderImportRowResult', event.eventId, i + 1),
          },
          { jobId, chunk, part: i + 1, parts: parts.length, rows: part },
        ),
      ),
    );
  }
}

/** Answers in parts under the contract's size limit. */
function split(answers: OrderImportRowAnswer[]): OrderImportRowAnswer[][] {
  const parts: OrderImportRowAnswer[][] = [[]];
  let bytes = 0;
  for (const a of answers) {
    const size = JSON.stringify(a).length + 1;
    if (bytes + size > MAX_RESULT_EVENT_BYTES - 2048 && parts[parts.length - 1]!.length) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(a);
    bytes += size;
  }
  return parts;
}
