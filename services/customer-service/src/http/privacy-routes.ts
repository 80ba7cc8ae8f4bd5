import { Type } from '@sinclair/typebox';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import type { Response } from 'express';
import { route } from '@crp/platform/http';
import {
  cancelPrivacyRequest,
  createPrivacyRequest,
  fulfilPrivacyRequest,
  getPrivacyRequest,
  listPrivacyRequests,
  type PrivacyExport,
  type PrivacyRequestInput,
  type PrivacyResult,
} from '../app/privacy';
import type { WriteDeps } from '../app/write-deps';
import { actorOf } from './actor';
import { exportStream } from './export-stream';
import {
  PrivacyListOut,
  PrivacyListQuery,
  PrivacyRequestBody,
  PrivacyRequestOut,
  PrivacyResultOut,
} from './write-schemas';

const RequestId = Type.Object({ requestId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }) });

/** How long an export's answer may make no progress (its reader not reading) before it is cut. */
export const PRIVACY_EXPORT_IDLE_MS = 60_000;

/**
 * A fulfilled export is sent as it is read (ADR 0030): the same JSON `{ request, document }`,
 * streamed with backpressure; any other answer is a plain JSON body. A reader that stops reading
 * for `idleMs` loses the connection, and the export its snapshot (a pooled connection, a read view).
 */
function answer(status: number, result: PrivacyResult | PrivacyExport, res: Response, idleMs: number) {
  if (!('chunks' in result)) return { status, body: result };
  res.setTimeout(idleMs, () => res.destroy());
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    stream: exportStream(result.chunks),
  };
}

/** R2.10: privacy requests (export, erase), each recorded with its legal basis, who and when. Admins only. */
export function privacyRoutes(deps: WriteDeps, opts: { exportIdleMs?: number } = {}) {
  const idleMs = opts.exportIdleMs ?? PRIVACY_EXPORT_IDLE_MS;
  return [
    route({
      method: 'post',
      path: '/v1/privacy-requests',
      operationId: 'createPrivacyRequest',
      summary:
        'R2.10: export everything held on a customer (one JSON document, streamed from a consistent snapshot) or erase it (personal data removed here and, through CustomerRedacted, in every service; a tombstone stays)',
      tags: ['privacy'],
      roles: ['admin'],
      body: PrivacyRequestBody,
      responses: {
        201: {
          description:
            'Recorded (and fulfilled unless fulfilNow is false). A fulfilled export is sent as it is read from one consistent snapshot (chunked, no-store; ADR 0030)',
          schema: PrivacyResultOut,
        },
        404: { description: 'No such customer in this account' },
        409: {
          description: 'Already erased, merged into another record, or an open request of that type exists',
        },
        503: {
          description: 'An export: as many exports are being sent already as the service sends at once',
        },
      },
      handler: async (ctx) =>
        answer(
          201,
          await createPrivacyRequest(deps, actorOf(ctx), ctx.body as PrivacyRequestInput),
          ctx.res,
          idleMs,
        ),
    }),
    route({
      method: 'get',
      path: '/v1/privacy-requests',
      operationId: 'listPrivacyRequests',
      summary: 'The account’s privacy requests, newest first (keyset-paginated by nextCursor)',
      tags: ['privacy'],
      roles: ['admin'],
      query: PrivacyListQuery,
      responses: { 200: { description: '{ requests, nextCursor }', schema: PrivacyListOut } },
      handler: async (ctx) => ({
        body: await listPrivacyRequests(deps, ctx.principal.accountId, ctx.query as never),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/privacy-requests/:requestId',
      operationId: 'getPrivacyRequest',
      summary: 'One privacy request',
      tags: ['privacy'],
      roles: ['admin'],
      params: RequestId,
      responses: {
        200: { description: 'The request', schema: PrivacyRequestOut },
        404: { description: 'Not found' },
      },
      handler: async (ctx) => ({
        body: await getPrivacyRequest(deps, ctx.principal.accountId, ctx.params.requestId),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/privacy-requests/:requestId/fulfil',
      operationId: 'fulfilPrivacyRequest',
      summary: 'Carry out an open request (an export answers its document)',
      tags: ['privacy'],
      roles: ['admin'],
      params: RequestId,
      responses: {
        200: {
          description: 'Completed; an export answers its document, streamed as for POST /v1/privacy-requests',
          schema: PrivacyResultOut,
        },
        404: { description: 'No such request in this account' },
        409: { description: 'Not open any more' },
        503: {
          description: 'An export: as many exports are being sent already as the service sends at once',
        },
      },
      handler: async (ctx) =>
        answer(200, await fulfilPrivacyRequest(deps, actorOf(ctx), ctx.params.requestId), ctx.res, idleMs),
    }),
    route({
      method: 'post',
      path: '/v1/privacy-requests/:requestId/cancel',
      operationId: 'cancelPrivacyRequest',
      summary: 'Close an open request without carrying it out',
      tags: ['privacy'],
      roles: ['admin'],
      params: RequestId,
      responses: {
        200: { description: 'Cancelled', schema: Type.Object({ request: PrivacyRequestOut }) },
        404: { description: 'No such request in this account' },
        409: { description: 'Not open any more' },
      },
      handler: async (ctx) => ({
        body: await cancelPrivacyRequest(deps, actorOf(ctx), ctx.params.requestId),
      }),
    }),
  ];
}
