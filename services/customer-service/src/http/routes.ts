import { Type } from '@sinclair/typebox';
import type { Database } from '@crp/platform/db';
import type { CustomerRepository } from '../app/ports';
import { route } from '@crp/platform/http';
import { MATCH_POLICIES } from '../domain/matching';
import { getCustomer, listCustomers } from '../app/queries';
import { readSettings, updateSettings } from '../app/settings';

const CustomerId = Type.Object({ customerId: Type.String({ minLength: 1, maxLength: 40 }) });
const Settings = Type.Object({
  matchPolicy: Type.Union(MATCH_POLICIES.map((p) => Type.Literal(p))),
  defaultCountry: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  protectNames: Type.Boolean(),
  defaultCustomerId: Type.Union([Type.String(), Type.Null()]),
});

export function customerRoutes(db: Database, repo: CustomerRepository) {
  return [
    route({
      method: 'get',
      path: '/v1/customers',
      operationId: 'listCustomers',
      summary: 'List and search customers (R2.11), keyset-paginated by nextCursor',
      tags: ['customers'],
      query: Type.Object({
        q: Type.Optional(Type.String({ description: 'matches name, email, phone or username' })),
        email: Type.Optional(Type.String()),
        storeId: Type.Optional(Type.String()),
        tag: Type.Optional(Type.String()),
        status: Type.Optional(
          Type.Union(['active', 'archived', 'merged', 'deleted'].map((s) => Type.Literal(s))),
        ),
        cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }),
      responses: { 200: { description: '{ customers, total, nextCursor }' } },
      handler: async ({ principal, query }) => ({
        body: await listCustomers(db, repo, principal.accountId, {
          q: query.q,
          email: query.email,
          storeId: query.storeId,
          tag: query.tag,
          status: query.status,
          after: query.cursor,
          limit: query.limit,
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/customers/:customerId',
      operationId: 'getCustomer',
      summary: "One customer: ShipStation's Customer fields plus sources, consent and history",
      tags: ['customers'],
      params: CustomerId,
      responses: {
        200: { description: 'The customer' },
        404: { description: 'No such customer in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await getCustomer(db, repo, principal.accountId, params.customerId),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/settings',
      operationId: 'getSettings',
      summary:
        'Match policy (R1.4), default phone country (R1.5), protectNames (R1.10), default customer (R2.8)',
      tags: ['settings'],
      responses: { 200: { description: 'Settings', schema: Settings } },
      handler: async ({ principal }) => ({ body: await readSettings(db, repo, principal.accountId) }),
    }),
    route({
      method: 'put',
      path: '/v1/settings',
      operationId: 'updateSettings',
      summary: 'Change the account settings (admin)',
      tags: ['settings'],
      roles: ['admin'],
      body: Type.Partial(Settings, { additionalProperties: false }),
      responses: { 200: { description: 'Settings as saved', schema: Settings } },
      handler: async ({ principal, body }) => ({
        body: await updateSettings(db, repo, principal.accountId, body),
      }),
    }),
  ];
}
