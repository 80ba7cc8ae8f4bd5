import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Address } from '../common';
import { MONEY_LIMITS, TEXT_LIMITS } from '../limits';
import { defineEvent, envelopeOf } from '../envelope';
import { ORDER_STATUS_LIST, OrderStatusOrNull } from '../order-status';

const str = (maxLength: number) => Type.Union([Type.String({ minLength: 1, maxLength }), Type.Null()]);

/** Limits of an order CSV row's values, checked by csv-import-service at the door (row errors). */
export const ORDER_IMPORT_LIMITS = {
  orderNumber: TEXT_LIMITS.orderNumber,
  storeOrderId: TEXT_LIMITS.storeOrderId,
  orderStatus: TEXT_LIMITS.orderStatus,
  currency: TEXT_LIMITS.currency,
  username: TEXT_LIMITS.username,
  email: TEXT_LIMITS.email,
  phone: TEXT_LIMITS.phone,
  name: TEXT_LIMITS.name,
  company: TEXT_LIMITS.company,
  notes: TEXT_LIMITS.note,
  sku: TEXT_LIMITS.sku,
  itemName: TEXT_LIMITS.itemName,
} as const;

export const OrderImportItem = Type.Object({
  sku: str(ORDER_IMPORT_LIMITS.sku),
  name: str(ORDER_IMPORT_LIMITS.itemName),
  quantity: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  unitPrice: Type.Union([Type.Number(), Type.Null()]),
});

/**
 * A row's order, with the status field given: consumers decode any text (what csv-import-service
 * published before the status was defined once), producers publish a status or null (ADR 0029).
 */
const rowOrder = <T extends TSchema>(orderStatus: T) =>
  Type.Object({
    orderNumber: Type.String({ minLength: 1, maxLength: ORDER_IMPORT_LIMITS.orderNumber }),
    storeOrderId: Type.Union(
      [Type.String({ minLength: 1, maxLength: ORDER_IMPORT_LIMITS.storeOrderId }), Type.Null()],
      {
        description: 'The store order key (R1.9); null: the order number is the key.',
      },
    ),
    orderDate: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        "null: the file has no date for it; order-ingest keeps a stored order's date, else uses receivedAt.",
    }),
    orderStatus,
    total: Type.Union([
      Type.Number({ minimum: MONEY_LIMITS.orderTotalMin, maximum: MONEY_LIMITS.orderTotalMax }),
      Type.Null(),
    ]),
    currency: str(ORDER_IMPORT_LIMITS.currency),
    buyer: Type.Object({
      username: str(ORDER_IMPORT_LIMITS.username),
      email: str(ORDER_IMPORT_LIMITS.email),
      phone: str(ORDER_IMPORT_LIMITS.phone),
      name: str(ORDER_IMPORT_LIMITS.name),
      company: str(ORDER_IMPORT_LIMITS.company),
    }),
    shipTo: Type.Union([Address, Type.Null()]),
    billTo: Type.Union([Address, Type.Null()]),
    items: Type.Array(OrderImportItem, { maxItems: 1 }),
    notes: str(ORDER_IMPORT_LIMITS.notes),
  });

export const OrderImportRowOrder = rowOrder(
  Type.Union([Type.String({ minLength: 1, maxLength: ORDER_IMPORT_LIMITS.orderStatus }), Type.Null()], {
    description: `csv-import-service publishes one of ${ORDER_STATUS_LIST}, or null (the row has none). An event published before that may hold the cell as written ("Awaiting Shipment", "Delivered"): order-ingest reads it with canonicalOrderStatus and answers a word that is no status as that row's reason.`,
  }),
);
export type OrderImportRowOrder = Static<typeof OrderImportRowOrder>;

const PublishedRowOrder = rowOrder(OrderStatusOrNull('null: the row has no status.'));

/**
 * How long a storeId an OrderImportRequested published before it took TEXT_LIMITS.storeId may hold
 * (csv-import-service's `import_jobs.store_id` is VARCHAR(80), and its door took 80 then). No store
 * id is that long, so order-ingest answers such rows "store … was not found" rather than
 * dead-lettering the chunk (a job whose chunk is never answered waits for ever); producers publish
 * at most TEXT_LIMITS.storeId (ADR 0029: narrowed for producers, read as published).
 */
const STORE_ID_PUBLISHED_BEFORE = 80;

const requestedPayload = <T extends TSchema>(order: T, storeIdMax: number) =>
  Type.Object({
    jobId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }),
    chunk: Type.Integer({ minimum: 1 }),
    final: Type.Boolean({ description: 'The last chunk of the job (it may have no rows).' }),
    storeId: Type.Union([Type.String({ minLength: 1, maxLength: storeIdMax }), Type.Null()], {
      description: "The store the orders belong to; null: the account's manual store.",
    }),
    linkCustomers: Type.Boolean({
      description:
        'R3.2: true only when a column is mapped to the buyer username. false: the orders are imported without customer links (their OrderImported carries no buyer key).',
    }),
    receivedAt: Type.String({ format: 'date-time', description: 'When the file was uploaded.' }),
    rows: Type.Array(
      Type.Object({
        lineNumber: Type.Integer({ minimum: 2 }),
        order,
      }),
      { maxItems: 1000 },
    ),
  });

export const OrderImportRequestedV1 = envelopeOf(
  'OrderImportRequested',
  1,
  requestedPayload(OrderImportRowOrder, STORE_ID_PUBLISHED_BEFORE),
);
export type OrderImportRequestedV1 = Static<typeof OrderImportRequestedV1>;

export const OrderImportRequested = defineEvent({
  eventType: 'OrderImportRequested',
  eventVersion: 1,
  topic: 'OrderImportRequested',
  schema: OrderImportRequestedV1,
  publishSchema: envelopeOf(
    'OrderImportRequested',
    1,
    requestedPayload(PublishedRowOrder, TEXT_LIMITS.storeId),
    'published',
  ),
  description: `Rows of an order CSV import (R3.2), in chunks, for order-ingest-service to import as orders of one store through its batch ingest (R1.9: once per store order; a changed re-import is a new revision). Published by csv-import-service; order-ingest answers each chunk with OrderImportRowResult and announces each new order revision as OrderImported (source "csv") for customer-service (ADR 0013).

Key accountId: one account's chunks arrive in order. eventId is deterministic per (jobId, chunk): a chunk published again is dropped by the inbox. Rows are applied in file order; two rows of one store order: the later one is a new revision of the same order.

Without linkCustomers the OrderImported of these orders carries no buyer username, email or phone, so customer-service links none of them (R3.2); the order itself keeps its email. A row order-ingest cannot take (unknown store, unreadable date) is answered "rejected" with a reason.`,
  partitionKey: (e) => e.accountId,
  example: {
    eventId: '3c4d5e6f-7081-5a92-8b3c-4d5e6f708192',
    eventType: 'OrderImportRequested',
    eventVersion: 1,
    occurredAt: '2026-11-23T13:00:00.000Z',
    accountId: 'acme',
    correlationId: 'job-imp_02',
    causationId: null,
    payload: {
      jobId: 'imp_02',
      chunk: 1,
      final: true,
      storeId: null,
      linkCustomers: true,
      receivedAt: '2026-11-23T12:59:58.000Z',
      rows: [
        {
          lineNumber: 2,
          order: {
            orderNumber: 'ORD-101',
            storeOrderId: null,
            orderDate: null,
            orderStatus: null,
            total: 45,
            currency: null,
            buyer: {
              username: 'maria@example.com',
              email: 'maria@example.com',
              phone: null,
              name: 'Maria Garcia',
              company: null,
            },
            shipTo: {
              name: 'Maria Garcia',
              company: null,
              street1: '1600 Pennsylvania Ave NW',
              street2: null,
              street3: null,
              city: 'Washington',
              state: 'DC',
              postalCode: '20500',
              country: 'US',
              phone: null,
            },
            billTo: null,
            items: [],
            notes: null,
          },
        },
      ],
    },
  },
});
