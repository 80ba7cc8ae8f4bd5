import { Type } from '@sinclair/typebox';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import { route } from '@crp/platform/http';
import { ingestManualOrder, ingestStoreOrder, type IngestResult } from '../app/ingest-order';
import { getOrder, listOrders } from '../app/queries';
import { createStore, listStores } from '../app/stores';
import { ShipStationOrderSchema } from './schemas';

const STORE_TYPES = ['shopify', 'ebay', 'amazon', 'woocommerce', 'bigcommerce', 'etsy', 'api'] as const;

const ingested = (r: IngestResult) => ({
  status: r.status === 'created' ? 201 : 200,
  body: { ...r.order, importStatus: r.status },
});

export function orderRoutes(db: Database, outbox: Outbox) {
  return [
    route({
      method: 'get',
      path: '/v1/stores',
      operationId: 'listStores',
      summary: "The account's stores, the built-in manual store first",
      tags: ['stores'],
      responses: { 200: { description: '{ stores }' } },
      handler: async ({ principal }) => ({ body: await listStores(db, principal.accountId) }),
    }),
    route({
      method: 'post',
      path: '/v1/stores',
      operationId: 'createStore',
      summary: 'Connect a store (sales channel) to the account (admin)',
      tags: ['stores'],
      roles: ['admin'],
      body: Type.Object(
        {
          type: Type.Union(STORE_TYPES.map((t) => Type.Literal(t))),
          name: Type.String({ minLength: 1, maxLength: 190 }),
        },
        { additionalProperties: false },
      ),
      responses: { 201: { description: 'The store' } },
      handler: async ({ principal, body }) => ({
        status: 201,
        body: await createStore(db, principal.accountId, body),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/stores/:storeId/orders',
      operationId: 'importStoreOrder',
      summary:
        "Import an order from a store, in ShipStation's Order JSON (R1.1–R1.9); idempotent per store order",
      tags: ['orders'],
      params: Type.Object({ storeId: Type.String({ minLength: 1, maxLength: 80 }) }),
      body: ShipStationOrderSchema,
      responses: {
        201: { description: 'Created; OrderImported published' },
        200: { description: 'Already known: importStatus "updated" (new revision) or "unchanged"' },
        404: { description: 'No such store in this account' },
      },
      handler: async ({ principal, params, body, correlationId }) =>
        ingested(
          await ingestStoreOrder(
            db,
            outbox,
            { accountId: principal.accountId, correlationId },
            params.storeId,
            body,
          ),
        ),
    }),
    route({
      method: 'post',
      path: '/v1/orders',
      operationId: 'createManualOrder',
      summary: 'New manual order (R3.1): needs customerEmail; lands in the manual store',
      tags: ['orders'],
      body: ShipStationOrderSchema,
      responses: {
        201: { description: 'Created; OrderImported published' },
        200: { description: 'Already known' },
      },
      handler: async ({ principal, body, correlationId }) =>
        ingested(
          await ingestManualOrder(db, outbox, { accountId: principal.accountId, correlationId }, body),
        ),
    }),
    route({
      method: 'get',
      path: '/v1/orders',
      operationId: 'listOrders',
      summary: 'List orders, keyset-paginated by nextCursor',
      tags: ['orders'],
      query: Type.Object({
        storeId: Type.Optional(Type.String()),
        cursor: Type.Optional(Type.String()),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }),
      responses: { 200: { description: '{ orders, total, nextCursor }' } },
      handler: async ({ principal, query }) => ({ body: await listOrders(db, principal.accountId, query) }),
    }),
    route({
      method: 'get',
      path: '/v1/orders/:orderId',
      operationId: 'getOrder',
      summary: 'One order',
      tags: ['orders'],
      params: Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 40 }) }),
      responses: { 200: { description: 'The order' }, 404: { description: 'No such order in this account' } },
      handler: async ({ principal, params }) => ({
        body: await getOrder(db, principal.accountId, params.orderId),
      }),
    }),
  ];
}
