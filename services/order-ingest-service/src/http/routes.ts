import { Type } from '@sinclair/typebox';
import type { Database } from '@crp/platform/db';
import { TEXT_LIMITS as L } from '@crp/contracts/limits';
import { validationFailed } from '@crp/platform/errors';
import { problemsWith, route } from '@crp/platform/http';
import { importOne, importShipStationOrders, type IngestDeps } from '../app/ingest-orders';
import { getOrder, listOrders } from '../app/queries';
import type { ShipStationOrder } from '../domain/shipstation-order';
import { MAX_ORDERS_PER_REQUEST, OrderListQuery, OrderListSchema, ShipStationOrderSchema } from './schemas';
import { BatchResultSchema, ImportedOrderSchema, OrderDetailSchema } from './order-schemas';

/** One order object, or an array of up to MAX_ORDERS_PER_REQUEST of them. */
const OrdersBody = Type.Union([
  ShipStationOrderSchema,
  Type.Array(ShipStationOrderSchema, { minItems: 1, maxItems: MAX_ORDERS_PER_REQUEST }),
]);

type Ctx = { accountId: string; correlationId: string };

/**
 * A single order answers 201/200 with the order, or 400 naming what is wrong. An array is checked
 * order by order (one bad order never refuses the others) and answers 200 with one result per
 * order: `{ results: [{ index, orderNumber, status, orderId | reason }], counts }`.
 */
async function importOrders(db: Database, deps: IngestDeps, ctx: Ctx, storeId: string | null, body: unknown) {
  if (!Array.isArray(body)) {
    const problems = problemsWith(ShipStationOrderSchema, body);
    if (problems.length) throw validationFailed(`Invalid body: ${problems.join('; ')}`, problems);
    const one = await importOne(db, deps, ctx, storeId, body as ShipStationOrder);
    const order = await getOrder(db, deps.repos, ctx.accountId, one.orderId);
    return {
      status: one.status === 'created' ? 201 : 200,
      body: { ...order, importStatus: one.status, ...(one.warnings ? { warnings: one.warnings } : {}) },
    };
  }
  if (body.length === 0 || body.length > MAX_ORDERS_PER_REQUEST) {
    throw validationFailed(
      `Send between 1 and ${MAX_ORDERS_PER_REQUEST} orders in one request (got ${body.length})`,
    );
  }
  const accepted: Array<{ index: number; body: ShipStationOrder }> = [];
  const rejected: Array<{ index: number; orderNumber: string | null; reason: string }> = [];
  body.forEach((item: unknown, index) => {
    const problems = problemsWith(ShipStationOrderSchema, item, `orders[${index}]`);
    if (problems.length === 0) accepted.push({ index, body: item as ShipStationOrder });
    else {
      const n = (item as { orderNumber?: unknown } | null)?.orderNumber;
      rejected.push({ index, orderNumber: typeof n === 'string' ? n : null, reason: problems.join('; ') });
    }
  });
  return { body: await importShipStationOrders(db, deps, ctx, storeId, accepted, rejected) };
}

export function orderRoutes(db: Database, deps: IngestDeps) {
  const { repos } = deps;
  return [
    route({
      method: 'post',
      path: '/v1/stores/:storeId/orders',
      operationId: 'importStoreOrders',
      summary:
        "Import orders from a store in ShipStation's Order JSON (R1.1–R1.9): one object, or an array of up to 5,000 answered per order; idempotent per store order",
      tags: ['orders'],
      params: Type.Object({ storeId: Type.String({ minLength: 1, maxLength: L.storeId }) }),
      bodyDoc: OrdersBody,
      bodyLimit: '32mb',
      responses: {
        201: { description: 'One order, created; OrderImported published', schema: ImportedOrderSchema },
        200: {
          description:
            'One order already known ("updated": new revision, or "unchanged"); or, for an array, { results: [{ index, orderNumber, status, orderId | reason }], counts }',
          schema: Type.Union([ImportedOrderSchema, BatchResultSchema]),
        },
        404: { description: 'No such store in this account' },
      },
      handler: async ({ principal, params, body, correlationId }) =>
        importOrders(db, deps, { accountId: principal.accountId, correlationId }, params.storeId, body),
    }),
    route({
      method: 'post',
      path: '/v1/orders',
      operationId: 'createManualOrders',
      summary:
        'New manual order (R3.1): needs customerEmail; lands in the manual store. One object, or an array answered per order',
      tags: ['orders'],
      bodyDoc: OrdersBody,
      bodyLimit: '32mb',
      responses: {
        201: { description: 'Created; OrderImported published', schema: ImportedOrderSchema },
        200: {
          description: 'Already known, or the per-order results of an array',
          schema: Type.Union([ImportedOrderSchema, BatchResultSchema]),
        },
      },
      handler: async ({ principal, body, correlationId }) =>
        importOrders(db, deps, { accountId: principal.accountId, correlationId }, null, body),
    }),
    route({
      method: 'get',
      path: '/v1/orders',
      operationId: 'listOrders',
      summary:
        'List orders (filters: storeId, customerId, status, updatedSince), keyset-paginated by nextCursor',
      tags: ['orders'],
      query: OrderListQuery,
      responses: {
        200: {
          description:
            '{ orders, total, totalRelation, nextCursor }: by id; with updatedSince, by (modifyDate, id) so a changed order moves to the end',
          schema: OrderListSchema,
        },
        400: {
          description:
            'A query parameter no order can match (a status not in the list, an id of another form, a date without its offset, limit out of 1–500) or not known here, named in `details`',
        },
      },
      handler: async ({ principal, query }) => ({
        body: await listOrders(db, repos, principal.accountId, query),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/orders/:orderId',
      operationId: 'getOrder',
      summary: "One order, with its channel's essentials and its revision history",
      tags: ['orders'],
      params: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: L.id }) }),
      responses: {
        200: { description: 'The order and its revisions', schema: OrderDetailSchema },
        404: { description: 'No such order in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await getOrder(db, repos, principal.accountId, params.orderId),
      }),
    }),
  ];
}
