import { Type } from '@sinclair/typebox';
import { SEARCH_LIMITS } from '@crp/contracts/limits';
import { route } from '@crp/platform/http';
import { inviteClient } from '../app/invite-client';
import type { TplDeps } from '../app/ports';
import { getClient, listClients } from '../app/queries';
import { disconnectClient, removeClient, resendInvitation } from '../app/tpl-actions';
import {
  Client,
  ConnectionIdParams,
  Cursor,
  DEFAULT_LIMIT,
  History,
  InviteBody,
  Limit,
  NextCursor,
  Status,
  callerOf,
} from './schemas';

/** The 3PL's side of SPEC §5: its clients. Writes need the admin role. */
export function clientRoutes(deps: TplDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/clients',
      operationId: 'listClients',
      summary:
        "The 3PL's client list with each connection's status, itself included (R5.6), newest first, keyset-paginated by nextCursor",
      tags: ['clients'],
      query: Type.Object({
        status: Type.Optional(Status),
        q: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: SEARCH_LIMITS.clientQuery,
            description: 'Part of the client name, email or company name',
          }),
        ),
        cursor: Type.Optional(Cursor),
        // Optional so the OpenAPI document does not call it required; ajv still fills the default.
        limit: Limit,
      }),
      responses: {
        200: {
          description: 'One page of clients, the 3PL itself first on the first page',
          schema: Type.Object({
            clients: Type.Array(Client),
            nextCursor: NextCursor,
          }),
        },
        400: { description: 'A bad filter, limit or cursor (VALIDATION_FAILED, naming the parameter)' },
      },
      handler: async ({ principal, query }) => ({
        body: await listClients(deps, principal.accountId, {
          status: query.status,
          search: query.q,
          cursor: query.cursor,
          limit: query.limit ?? DEFAULT_LIMIT,
        }),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/clients',
      operationId: 'inviteClient',
      summary:
        'Invite a client by the email of its account (R5.1): the connection is pending, ClientInvited is published and the e-mail sent',
      tags: ['clients'],
      roles: ['admin'],
      body: InviteBody,
      responses: {
        201: { description: 'Invited (pending)', schema: Client },
        404: { description: 'No account uses this email' },
        409: { description: 'Already pending (R5.2) or already connected' },
        422: { description: 'The email is your own account' },
      },
      handler: async ({ principal, body, correlationId }) => ({
        status: 201,
        body: await inviteClient(deps, callerOf(principal, correlationId), body),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/clients/:connectionId',
      operationId: 'getClient',
      summary: 'One client connection with its history: who changed it, when, from what to what',
      tags: ['clients'],
      params: ConnectionIdParams,
      responses: {
        200: {
          description: 'The connection',
          schema: Type.Composite([Client, Type.Object({ history: History })]),
        },
        404: { description: 'Not a connection of this 3PL' },
      },
      handler: async ({ principal, params }) => ({
        body: await getClient(deps, principal.accountId, params.connectionId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/clients/:connectionId/invitation',
      operationId: 'resendInvitation',
      summary: 'Send the invitation of a pending client again: a new link, the old ones stop working',
      tags: ['clients'],
      roles: ['admin'],
      params: ConnectionIdParams,
      responses: {
        200: { description: 'Sent again', schema: Client },
        404: { description: 'Not a connection of this 3PL' },
        409: { description: 'Not pending' },
      },
      handler: async ({ principal, params, correlationId }) => ({
        body: await resendInvitation(deps, callerOf(principal, correlationId), params.connectionId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/clients/:connectionId/remove',
      operationId: 'removeClient',
      summary: 'Remove a pending client (R5.2); the answer reminds of outstanding fees and stock',
      tags: ['clients'],
      roles: ['admin'],
      params: ConnectionIdParams,
      responses: {
        200: { description: 'Removed', schema: Type.Object({ client: Client, reminder: Type.String() }) },
        404: { description: 'Not a connection of this 3PL' },
        409: { description: 'Not pending (an active client is disconnected instead)' },
      },
      handler: async ({ principal, params, correlationId }) => ({
        body: await removeClient(deps, callerOf(principal, correlationId), params.connectionId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/clients/:connectionId/disconnect',
      operationId: 'disconnectClient',
      summary: 'End an active connection (R5.2); orders already delegated stay with the 3PL',
      tags: ['clients'],
      roles: ['admin'],
      params: ConnectionIdParams,
      responses: {
        200: { description: 'Disconnected', schema: Type.Object({ client: Client }) },
        404: { description: 'Not a connection of this 3PL' },
        409: { description: 'Not active' },
      },
      handler: async ({ principal, params, correlationId }) => ({
        body: await disconnectClient(deps, callerOf(principal, correlationId), params.connectionId),
      }),
    }),
  ];
}
