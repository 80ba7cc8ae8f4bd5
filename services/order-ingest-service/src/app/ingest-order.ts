import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OrderImported } from '@crp/contracts/events/order-imported';
import { newEvent } from '@crp/contracts/new-event';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { isDuplicateKey } from '@crp/platform/db';
import { AppError, validationFailed } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import {
  OrderFormatError,
  normalizeShipStationOrder,
  type NormalizedOrder,
  type ShipStationOrder,
} from '../domain/shipstation-order';
import { OrderEntity, type OrderRow, type StoreRow } from '../infra/db/entities';
import { findStore, manualStore } from './stores';
import { orderView } from './order-view';

export type IngestResult = {
  status: 'created' | 'updated' | 'unchanged';
  order: ReturnType<typeof orderView>;
};

interface Ctx {
  accountId: string;
  correlationId: string;
}

/** POST /v1/stores/:storeId/orders — an order from a connected store, in ShipStation's format. */
export function ingestStoreOrder(
  db: Database,
  outbox: Outbox,
  ctx: Ctx,
  storeId: string,
  body: ShipStationOrder,
) {
  return db.transaction(async (tx) => {
    const store = await findStore(tx, ctx.accountId, storeId);
    return ingest(tx, outbox, ctx, store, body);
  });
}

/** POST /v1/orders — R3.1: a manual order must carry an email; it lands in the manual store. */
export function ingestManualOrder(db: Database, outbox: Outbox, ctx: Ctx, body: ShipStationOrder) {
  if (!body.customerEmail || !body.customerEmail.trim()) {
    throw validationFailed('A manual order needs customerEmail (R3.1): it links the order to a customer', [
      'body customerEmail is required',
    ]);
  }
  return db.transaction(async (tx) => ingest(tx, outbox, ctx, await manualStore(tx, ctx.accountId), body));
}

async function ingest(
  tx: EntityManager,
  outbox: Outbox,
  ctx: Ctx,
  store: StoreRow,
  body: ShipStationOrder,
): Promise<IngestResult> {
  let order: NormalizedOrder;
  try {
    order = normalizeShipStationOrder(body, store.type);
  } catch (err) {
    if (err instanceof OrderFormatError) throw validationFailed(err.message, [err.message]);
    throw err;
  }
  const repo = tx.getRepository(OrderEntity);
  const hash = contentHash(order);
  const existing = await repo.findOne({
    where: { accountId: ctx.accountId, storeId: store.id, storeOrderId: order.storeOrderId },
  });
  // R1.9: the same store order again changes nothing; a changed one updates it (new revision).
  if (existing && existing.contentHash === hash)
    return { status: 'unchanged', order: orderView(existing, store) };

  const now = new Date();
  const row: OrderRow = {
    id: existing?.id ?? newId('ord'),
    accountId: ctx.accountId,
    storeId: store.id,
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
    revision: (existing?.revision ?? 0) + 1,
    contentHash: hash,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (existing) {
    const { id, accountId, ...rest } = row;
    // TypeORM's deep-partial type cannot follow the recursive JSON type of `items`.
    await repo.update({ id, accountId }, rest as unknown as Parameters<typeof repo.update>[1]);
  } else {
    try {
      await repo.insert(row as unknown as Parameters<typeof repo.insert>[0]);
    } catch (err) {
      // Two imports of one new order raced; the other won. The client may simply retry.
      if (isDuplicateKey(err))
        throw new AppError('CONFLICT', 'This order is being imported concurrently; retry', 409, true);
      throw err;
    }
  }
  await outbox.add(
    tx,
    newEvent(OrderImported, ctx, {
      order: {
        orderId: row.id,
        storeId: store.id,
        storeType: store.type,
        storeName: store.name,
        storeOrderId: row.storeOrderId,
        orderNumber: row.orderNumber,
        orderDate: row.orderDate.toISOString(),
        orderStatus: row.orderStatus,
        total: row.total,
        currency: null,
        revision: row.revision,
      },
      buyer: {
        username: order.username,
        email: order.email,
        phone: order.phone,
        name: order.buyerName,
        firstName: null,
        lastName: null,
        company: order.company,
        birthDate: null,
        marketingConsent: {},
      },
      shipTo: order.shipTo,
      billTo: order.billTo,
      tags: [],
      source: store.type === 'manual' ? 'manual' : 'store',
    }),
  );
  return { status: existing ? 'updated' : 'created', order: orderView(row, store) };
}

function contentHash(o: NormalizedOrder): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...o, orderDate: o.orderDate.toISOString() }))
    .digest('hex');
}
