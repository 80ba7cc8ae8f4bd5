import { route } from '@crp/platform/http';
import { changeStatus } from '../app/lifecycle';
import { mergeCustomers, previewMerge } from '../app/merge-customers';
import type { WriteDeps } from '../app/write-deps';
import { actorOf } from './actor';
import {
  ETAG_DOC,
  IF_MATCH_DOC,
  ifMatchOf,
  MERGE_ETAG_DOC,
  MERGE_IF_MATCH_DOC,
  MERGE_PRECONDITION_FAILED_DOC,
  mergeIfMatchOf,
  mergeWithETag,
  PRECONDITION_FAILED_DOC,
  withETag,
} from './preconditions';
import type { StatusAction } from '../domain/lifecycle';
import type { MergeRequest } from '../domain/merge';
import {
  CustomerIdParam,
  CustomerOut,
  MergeBody,
  MergeOut,
  MergePreviewOut,
  MergeRefusedOut,
} from './write-schemas';

/** R2.6 (archive, restore, delete) and R2.7 (merge with a preview first). */
export function lifecycleRoutes(deps: WriteDeps) {
  const status = (action: StatusAction, method: 'post' | 'delete', path: string, summary: string) =>
    route({
      method,
      path,
      operationId: `${action}Customer`,
      summary,
      tags: ['customers'],
      params: CustomerIdParam,
      headerParams: IF_MATCH_DOC,
      ...(action === 'delete' ? { roles: ['admin' as const] } : {}),
      responses: {
        200: {
          description: 'The record with its new status (the same when it had it already)',
          schema: CustomerOut,
          headers: ETAG_DOC,
        },
        400: { description: 'An If-Match header that is not an ETag' },
        404: { description: 'No such customer in this account' },
        412: PRECONDITION_FAILED_DOC,
        409: {
          description:
            'Not possible from its status (deleted cannot be restored; merged records are changed through their survivor) or it is the default customer (R2.8)',
        },
      },
      handler: (ctx) =>
        withETag(ctx.res, () =>
          changeStatus(
            deps,
            actorOf(ctx),
            (ctx.params as { customerId: string }).customerId,
            action,
            ifMatchOf(ctx.req.header('if-match')),
          ),
        ),
    });
  return [
    route({
      method: 'post',
      path: '/v1/customers/merge/preview',
      operationId: 'previewMerge',
      summary:
        'R2.7: what a merge would give: the resulting record, every conflict with its candidates and the rule that picks the winner, and what blocks the merge',
      tags: ['customers'],
      body: MergeBody,
      responses: {
        200: {
          description:
            'The preview (nothing written), with its ETag: If-Match on the merge makes it apply only what was shown',
          schema: MergePreviewOut,
          headers: MERGE_ETAG_DOC,
        },
      },
      handler: async (ctx) => {
        const preview = await previewMerge(deps, actorOf(ctx), ctx.body as MergeRequest);
        return { body: preview, headers: { ETag: preview.etag } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/customers/merge',
      operationId: 'mergeCustomers',
      summary:
        "R2.7: merge records into a survivor in one transaction (identities, history, tags, consent move; CustomerMerged published); If-Match with the preview's ETag merges only what the preview showed",
      tags: ['customers'],
      body: MergeBody,
      headerParams: MERGE_IF_MATCH_DOC,
      responses: {
        200: {
          description: "The survivor as it now is, and how each conflict was settled; ETag: the survivor's",
          schema: MergeOut,
          headers: ETAG_DOC,
        },
        400: { description: 'An invalid body, or an If-Match header that is not an ETag' },
        409: {
          description:
            'Something blocks the merge (another account, a deleted or merged record, an open privacy request)',
          schema: MergeRefusedOut,
        },
        412: MERGE_PRECONDITION_FAILED_DOC,
      },
      handler: (ctx) =>
        mergeWithETag(ctx.res, () =>
          mergeCustomers(
            deps,
            actorOf(ctx),
            ctx.body as MergeRequest,
            mergeIfMatchOf(ctx.req.header('if-match')),
          ),
        ),
    }),
    status(
      'archive',
      'post',
      '/v1/customers/:customerId/archive',
      'R2.6: archive (orders of its identities then match again, R1.4)',
    ),
    status(
      'restore',
      'post',
      '/v1/customers/:customerId/restore',
      'R2.6: restore an archived customer (never a deleted one)',
    ),
    status(
      'delete',
      'delete',
      '/v1/customers/:customerId',
      'R2.6: delete (cannot be undone; admin). For personal data erasure use a privacy request (R2.10)',
    ),
  ];
}
