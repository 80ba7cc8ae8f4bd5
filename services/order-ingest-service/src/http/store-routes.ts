import { Type } from '@sinclair/typebox';
import { CHANNEL_FIELD_LIMITS, TEXT_LIMITS as L } from '@crp/contracts/limits';
import { validationFailed } from '@crp/platform/errors';
import { route } from '@crp/platform/http';
import type { ChannelDeps } from '../app/deps';
import {
  createStore,
  disconnectStore,
  getStore,
  listStores,
  updateStore,
  type ConnectableChannel,
} from '../app/stores';
import { getSyncJob, listSyncJobs, startSync } from '../app/sync';
import { StoreSchema, SyncJobSchema } from './order-schemas';

const CHANNELS = ['shopify', 'woocommerce', 'ebay', 'amazon', 'bigcommerce', 'etsy', 'api'] as const;
const Channel = Type.Union(CHANNELS.map((t) => Type.Literal(t)));
/** Values are checked per channel by the use case (422 naming each field); here only the shape. */
const Fields = Type.Record(
  Type.String({ maxLength: CHANNEL_FIELD_LIMITS.name }),
  Type.Union([Type.String({ maxLength: CHANNEL_FIELD_LIMITS.value }), Type.Integer(), Type.Null()]),
);
const StoreIdParam = Type.String({ minLength: 1, maxLength: L.storeId });
const StoreId = Type.Object({ storeId: StoreIdParam });

export function storeRoutes(deps: ChannelDeps) {
  const { db, repos } = deps;
  return [
    route({
      method: 'get',
      path: '/v1/stores',
      operationId: 'listStores',
      summary: "The account's stores, the built-in manual store first; status, sync state, never credentials",
      tags: ['stores'],
      query: Type.Object({ includeDisconnected: Type.Boolean({ default: false }) }),
      responses: {
        200: { description: '{ stores }', schema: Type.Object({ stores: Type.Array(StoreSchema) }) },
      },
      handler: async ({ principal, query }) => ({
        body: await listStores(db, repos, principal.accountId, query.includeDisconnected),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/stores',
      operationId: 'createStore',
      summary:
        'Connect a store (admin): {channel, name, credentials, settings}; credentials are encrypted at rest and never returned',
      tags: ['stores'],
      roles: ['admin'],
      body: Type.Object(
        {
          channel: Type.Optional(Channel),
          /** The earlier name of `channel`, still accepted. */
          type: Type.Optional(Channel),
          name: Type.String({ minLength: 1, maxLength: L.storeName }),
          credentials: Type.Optional(Fields),
          settings: Type.Optional(Fields),
        },
        { additionalProperties: false },
      ),
      responses: {
        201: { description: 'The store (a connected channel syncs at once)', schema: StoreSchema },
        422: {
          description:
            'A channel field is missing or invalid (each one named), or the site URL is not public',
        },
      },
      handler: async ({ principal, body }) => {
        const channel = (body.channel ?? body.type) as ConnectableChannel | undefined;
        if (!channel) throw validationFailed('body channel is required', ['body channel is required']);
        return {
          status: 201,
          body: await createStore(deps, principal.accountId, {
            channel,
            name: body.name,
            credentials: body.credentials,
            settings: body.settings,
          }),
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/stores/:storeId',
      operationId: 'getStore',
      summary: 'One store',
      tags: ['stores'],
      params: StoreId,
      responses: {
        200: { description: 'The store', schema: StoreSchema },
        404: { description: 'No such store in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await getStore(db, repos, principal.accountId, params.storeId),
      }),
    }),
    route({
      method: 'patch',
      path: '/v1/stores/:storeId',
      operationId: 'updateStore',
      summary:
        'Change a store (admin): name, credentials (new ones clear needs_attention), settings; a null value removes an optional field',
      tags: ['stores'],
      roles: ['admin'],
      params: StoreId,
      body: Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: L.storeName })),
          credentials: Type.Optional(Fields),
          settings: Type.Optional(Fields),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'The store', schema: StoreSchema },
        404: { description: 'No such store in this account (or it is disconnected)' },
        422: { description: 'A channel field is invalid' },
      },
      handler: async ({ principal, params, body }) => ({
        body: await updateStore(deps, principal.accountId, params.storeId, body),
      }),
    }),
    route({
      method: 'delete',
      path: '/v1/stores/:storeId',
      operationId: 'disconnectStore',
      summary: 'Disconnect a store (admin): credentials dropped, syncs and webhooks stop; its orders stay',
      tags: ['stores'],
      roles: ['admin'],
      params: StoreId,
      responses: {
        204: { description: 'Disconnected' },
        404: { description: 'No such store in this account' },
      },
      handler: async ({ principal, params }) => {
        await disconnectStore(deps, principal.accountId, params.storeId);
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/v1/stores/:storeId/sync',
      operationId: 'startStoreSync',
      summary: 'Start a sync job now (a store with a queued or running job gets that one)',
      tags: ['stores'],
      params: StoreId,
      responses: {
        202: { description: 'The job: { jobId, status, … }', schema: SyncJobSchema },
        404: { description: 'No such store in this account (or it is disconnected)' },
        409: { description: 'The store has no connector (api, and channels not built yet)' },
      },
      handler: async ({ principal, params }) => ({
        status: 202,
        body: await startSync(deps, principal.accountId, params.storeId),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/stores/:storeId/syncs',
      operationId: 'listStoreSyncs',
      summary: "The store's latest sync jobs, newest first",
      tags: ['stores'],
      params: StoreId,
      query: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
      responses: {
        200: { description: '{ syncs }', schema: Type.Object({ syncs: Type.Array(SyncJobSchema) }) },
        404: { description: 'No such store in this account' },
      },
      handler: async ({ principal, params, query }) => ({
        body: await listSyncJobs(deps, principal.accountId, params.storeId, query.limit),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/stores/:storeId/syncs/:jobId',
      operationId: 'getStoreSync',
      summary: 'One sync job: status, window, pages, counts (created/updated/unchanged/rejected), errors',
      tags: ['stores'],
      params: Type.Object({
        storeId: StoreIdParam,
        jobId: Type.String({ minLength: 1, maxLength: L.id }),
      }),
      responses: {
        200: { description: 'The job', schema: SyncJobSchema },
        404: { description: 'No such job' },
      },
      handler: async ({ principal, params }) => ({
        body: await getSyncJob(deps, principal.accountId, params.storeId, params.jobId),
      }),
    }),
  ];
}
