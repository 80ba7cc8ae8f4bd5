import { Type } from '@sinclair/typebox';
import type { Database } from '@crp/platform/db';
import { route } from '@crp/platform/http';
import { CONNECTION_STATUSES } from '../domain/connection';
import { listClients } from '../app/queries';

const Status = Type.Union(CONNECTION_STATUSES.map((s) => Type.Literal(s)));
const Client = Type.Object({
  connectionId: Type.String(),
  clientAccountId: Type.Union([Type.String(), Type.Null()], { description: 'null until the client accepts' }),
  clientEmail: Type.String(),
  clientName: Type.String({ description: "The 3PL's nickname for the client" }),
  companyName: Type.String({ description: 'The name the client sees' }),
  status: Status,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const DEFAULT_LIMIT = 50;

export function connectionRoutes(db: Database) {
  return [
    route({
      method: 'get',
      path: '/v1/clients',
      operationId: 'listClients',
      summary: "The 3PL's client list with each connection's status (R5.6), newest first",
      tags: ['clients'],
      query: Type.Object({
        status: Type.Optional(Status),
        // Optional so the OpenAPI document does not call it required; ajv still fills the default.
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_LIMIT })),
      }),
      responses: {
        200: { description: 'The clients', schema: Type.Object({ clients: Type.Array(Client) }) },
      },
      handler: async ({ principal, query }) => ({
        body: await listClients(db, principal.accountId, {
          status: query.status,
          limit: query.limit ?? DEFAULT_LIMIT,
        }),
      }),
    }),
  ];
}
