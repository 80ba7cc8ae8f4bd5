import { Type } from '@sinclair/typebox';
import { route } from '@crp/platform/http';
import { answerByLink, answerInSettings, disconnectAsClient, inspectLink } from '../app/client-actions';
import type { TplDeps } from '../app/ports';
import { getConnection, listConnections } from '../app/queries';
import {
  ClientConnection,
  ConfirmBody,
  ConnectionIdParams,
  Cursor,
  DEFAULT_LIMIT,
  History,
  Limit,
  NextCursor,
  Status,
  TokenAnswerBody,
  TokenBody,
  callerOf,
} from './schemas';

const Answered = Type.Object({ connection: ClientConnection });
const answerResponses = {
  200: { description: 'Answered', schema: Answered },
  403: { description: 'Only an admin of the client account may answer (R5.3)' },
  404: { description: 'No such invitation for this account' },
  409: { description: 'Not pending, or already connected to this 3PL' },
  422: { description: 'Without {"confirm": true}' },
};
const linkResponses = {
  ...answerResponses,
  401: { description: 'The token was altered or not issued here' },
  410: { description: 'The link was used, withdrawn or expired (R5.3)' },
};

/** The client's side of SPEC §5: review, accept, decline, disconnect. Admins only (R5.3). */
export function connectionRoutes(deps: TplDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/connections',
      operationId: 'listConnections',
      summary:
        "The client's logistics providers: invitations to review (pending) and connections, most recently changed first, keyset-paginated by nextCursor",
      tags: ['connections'],
      query: Type.Object({ status: Type.Optional(Status), cursor: Type.Optional(Cursor), limit: Limit }),
      responses: {
        200: {
          description: 'One page of connections, most recently changed first',
          schema: Type.Object({ connections: Type.Array(ClientConnection), nextCursor: NextCursor }),
        },
        400: { description: 'A bad filter, limit or cursor (VALIDATION_FAILED, naming the parameter)' },
      },
      handler: async ({ principal, query, correlationId }) => ({
        body: await listConnections(deps, callerOf(principal, correlationId), {
          status: query.status,
          cursor: query.cursor,
          limit: query.limit ?? DEFAULT_LIMIT,
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/connections/:connectionId',
      operationId: 'getConnection',
      summary: 'One connection of the client, with its history',
      tags: ['connections'],
      params: ConnectionIdParams,
      responses: {
        200: {
          description: 'The connection',
          schema: Type.Composite([ClientConnection, Type.Object({ history: History })]),
        },
        404: { description: 'Not a connection of this account' },
      },
      handler: async ({ principal, params, correlationId }) => ({
        body: await getConnection(deps, callerOf(principal, correlationId), params.connectionId),
      }),
    }),
    ...(['accept', 'decline'] as const).map((action) =>
      route({
        method: 'post',
        path: `/v1/connections/:connectionId/${action}`,
        operationId: `${action}Connection`,
        summary:
          action === 'accept'
            ? 'Accept a pending invitation in the settings ("review connection", R5.3); needs {"confirm": true}'
            : 'Decline a pending invitation (R5.2); needs {"confirm": true}',
        tags: ['connections'],
        roles: ['admin'],
        params: ConnectionIdParams,
        body: ConfirmBody,
        responses: answerResponses,
        handler: async ({ principal, params, body, correlationId }) => ({
          body: await answerInSettings(deps, callerOf(principal, correlationId), {
            connectionId: params.connectionId,
            action,
            confirm: body.confirm,
          }),
        }),
      }),
    ),
    route({
      method: 'post',
      path: '/v1/connections/:connectionId/disconnect',
      operationId: 'disconnectConnection',
      summary: 'End an active connection from the client side (R5.2)',
      tags: ['connections'],
      roles: ['admin'],
      params: ConnectionIdParams,
      responses: {
        200: { description: 'Disconnected', schema: Answered },
        404: { description: 'Not a connection of this account' },
        409: { description: 'Not active' },
      },
      handler: async ({ principal, params, correlationId }) => ({
        body: await disconnectAsClient(deps, callerOf(principal, correlationId), params.connectionId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/invitations/inspect',
      operationId: 'inspectInvitation',
      summary: "What an e-mail's link invites to (who, until when), without using it up",
      tags: ['invitations'],
      roles: ['admin'],
      body: TokenBody,
      responses: {
        200: {
          description: 'The invitation',
          schema: Type.Object({
            connection: ClientConnection,
            invitationExpiresAt: Type.String({ format: 'date-time' }),
            canAnswer: Type.Boolean(),
          }),
        },
        401: linkResponses[401],
        404: linkResponses[404],
        410: linkResponses[410],
      },
      handler: async ({ principal, body, correlationId }) => ({
        body: await inspectLink(deps, callerOf(principal, correlationId), body.token),
      }),
    }),
    ...(['accept', 'decline'] as const).map((action) =>
      route({
        method: 'post',
        path: `/v1/invitations/${action}`,
        operationId: `${action}Invitation`,
        summary: `${action === 'accept' ? 'Accept' : 'Decline'} through the e-mail's link (R5.3): single-use, expiring token; needs {"confirm": true}`,
        tags: ['invitations'],
        roles: ['admin'],
        body: TokenAnswerBody,
        responses: linkResponses,
        handler: async ({ principal, body, correlationId }) => ({
          body: await answerByLink(deps, callerOf(principal, correlationId), {
            token: body.token,
            action,
            confirm: body.confirm,
          }),
        }),
      }),
    ),
  ];
}
