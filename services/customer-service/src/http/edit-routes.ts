import { route } from '@crp/platform/http';
import { createCustomer, editCustomer } from '../app/edit-customer';
import type { WriteDeps } from '../app/write-deps';
import { actorOf } from './actor';
import { ETAG_DOC, IF_MATCH_DOC, ifMatchOf, PRECONDITION_FAILED_DOC, withETag } from './preconditions';
import type { CustomerEdit } from '../domain/edit';
import { CustomerEditBody, CustomerIdParam, CustomerWriteOut, LockedConflictOut } from './write-schemas';

/** R2.1–R2.5: creating and editing records through the API. */
export function editRoutes(deps: WriteDeps) {
  return [
    route({
      method: 'post',
      path: '/v1/customers',
      operationId: 'createCustomer',
      summary: 'Create a customer (every field it sets has the source `api`)',
      tags: ['customers'],
      body: CustomerEditBody,
      responses: {
        201: {
          description: 'Created; warnings name other records holding the same email or phone',
          schema: CustomerWriteOut,
          headers: ETAG_DOC,
        },
        400: { description: 'Nothing to identify the customer by, or an email that is not an address' },
      },
      handler: (ctx) =>
        withETag(ctx.res, () => createCustomer(deps, actorOf(ctx), ctx.body as CustomerEdit), 201),
    }),
    route({
      method: 'patch',
      path: '/v1/customers/:customerId',
      operationId: 'editCustomer',
      summary:
        'Edit unlocked fields (R2.1, R2.2); addresses shipping/billing/postal (R2.3); a new email answers a warning (R2.5); If-Match for optimistic concurrency',
      tags: ['customers'],
      params: CustomerIdParam,
      headerParams: IF_MATCH_DOC,
      body: CustomerEditBody,
      responses: {
        200: {
          description: 'The record as it now is, with warnings',
          schema: CustomerWriteOut,
          headers: ETAG_DOC,
        },
        400: { description: 'An invalid body, or an If-Match header that is not an ETag' },
        404: { description: 'No such customer in this account' },
        412: PRECONDITION_FAILED_DOC,
        409: {
          description:
            'A locked field (written by a store sync) was touched: each one named with its store; nothing changed',
          schema: LockedConflictOut,
        },
      },
      handler: (ctx) =>
        withETag(ctx.res, () =>
          editCustomer(
            deps,
            actorOf(ctx),
            ctx.params.customerId,
            ctx.body as CustomerEdit,
            ifMatchOf(ctx.req.header('if-match')),
          ),
        ),
    }),
  ];
}
