import { Type } from '@sinclair/typebox';
import { Address, Nullable } from '@crp/contracts/common';

// The answers of the order routes, as orderView (app/order-view.ts) and the batch import build
// them: documented in /openapi.json, and checked against every answer the tests get
// (HTTP_CHECK_RESPONSES).

const DateTime = Type.String({ format: 'date-time' });

/** One order, in ShipStation's Order field names, with the store, the channel and the revision. */
export const OrderSchema = Type.Object({
  orderId: Type.String(),
  orderNumber: Type.String(),
  orderKey: Type.String({ description: 'The store order key (R1.9)' }),
  orderDate: DateTime,
  orderStatus: Nullable(Type.String()),
  customerId: Nullable(Type.String({ description: 'The customer-service record it is linked to' })),
  customerUsername: Nullable(Type.String()),
  customerEmail: Nullable(Type.String()),
  buyer: Type.Object({
    name: Nullable(Type.String()),
    firstName: Nullable(Type.String()),
    lastName: Nullable(Type.String()),
    phone: Nullable(Type.String()),
  }),
  billTo: Nullable(Type.Partial(Address)),
  shipTo: Nullable(Type.Partial(Address)),
  items: Type.Array(Type.Object({}, { additionalProperties: true })),
  orderTotal: Type.Number(),
  currency: Nullable(Type.String()),
  notes: Type.Array(Type.String()),
  carrierCode: Nullable(Type.String()),
  serviceCode: Nullable(Type.String()),
  fulfillment: Nullable(
    Type.Object({}, { additionalProperties: true, description: 'R5.4: delegated to or from a 3PL' }),
  ),
  advancedOptions: Type.Object({
    storeId: Type.String(),
    storeType: Type.Optional(Type.String()),
    storeName: Type.Optional(Type.String()),
  }),
  channel: Type.Object({
    updatedAt: Nullable(DateTime),
    essentials: Nullable(Type.Object({}, { additionalProperties: true })),
  }),
  redacted: Nullable(DateTime),
  revision: Type.Integer({ minimum: 1 }),
  createDate: DateTime,
  modifyDate: DateTime,
});

/** GET /v1/orders/:orderId: the order and its revisions. */
export const OrderDetailSchema = Type.Composite([
  OrderSchema,
  Type.Object({
    revisions: Type.Array(
      Type.Object({
        revision: Type.Integer(),
        source: Type.String(),
        channelUpdatedAt: Nullable(DateTime),
        changedFields: Type.Array(Type.String()),
        createDate: DateTime,
      }),
    ),
  }),
]);

/** A single order posted: the order as stored, how the import went, and what was not used. */
export const ImportedOrderSchema = Type.Composite([
  OrderDetailSchema,
  Type.Object({
    importStatus: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
    warnings: Type.Optional(Type.Array(Type.String())),
  }),
]);

/** An array posted: one result per order, in order, and the counts. */
export const BatchResultSchema = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({
        index: Type.Integer(),
        orderNumber: Type.String(),
        status: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]),
        orderId: Type.String(),
        note: Type.Optional(Type.String()),
        warnings: Type.Optional(Type.Array(Type.String())),
      }),
      Type.Object({
        index: Type.Integer(),
        orderNumber: Nullable(Type.String()),
        status: Type.Literal('rejected'),
        reason: Type.String(),
      }),
    ]),
  ),
  counts: Type.Object({
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    rejected: Type.Integer(),
  }),
});

/** A connected store (storeView, app/stores.ts); never its credentials. */
export const StoreSchema = Type.Object({
  storeId: Type.String(),
  channel: Type.String(),
  type: Type.String({ description: 'The same as channel (the older name)' }),
  name: Type.String(),
  status: Type.String({ description: 'active, needs_attention or disconnected' }),
  statusMessage: Nullable(Type.String()),
  settings: Type.Object({}, { additionalProperties: true }),
  hasCredentials: Type.Boolean(),
  sync: Nullable(
    Type.Object({
      watermark: Nullable(DateTime),
      lastSyncAt: Nullable(DateTime),
      nextSyncAt: Nullable(DateTime),
    }),
  ),
  webhooks: Nullable(
    Type.Object({
      url: Type.String(),
      topics: Type.Array(Type.String()),
      header: Type.Optional(Type.String()),
    }),
  ),
  createDate: DateTime,
  modifyDate: DateTime,
});

/** A store's sync job (jobView, app/sync.ts). */
export const SyncJobSchema = Type.Object({
  jobId: Type.String(),
  storeId: Type.String(),
  trigger: Type.String(),
  status: Type.String(),
  window: Type.Object({ from: Nullable(DateTime), to: Nullable(DateTime) }),
  pages: Type.Integer(),
  counts: Type.Object({
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    rejected: Type.Integer(),
  }),
  errors: Type.Array(Type.String()),
  createDate: DateTime,
  startDate: Nullable(DateTime),
  endDate: Nullable(DateTime),
});
