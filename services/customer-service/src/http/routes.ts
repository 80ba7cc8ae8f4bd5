import { Type } from '@sinclair/typebox';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import type { Database } from '@crp/platform/db';
import type { CustomerRepository, DuplicateRepository } from '../app/ports';
import { DUPLICATES_CAP, duplicateGroups, duplicatesOf } from '../app/duplicates';
import { route } from '@crp/platform/http';
import { MATCH_POLICIES } from '../domain/matching';
import { getCustomer, listCustomers } from '../app/queries';
import { exportChunks } from '../app/export-customers';
import {
  CustomerCsvSchema,
  CustomerDuplicatesSchema,
  CustomerListSchema,
  CustomerSchema,
  DuplicateGroupsSchema,
} from './customer-schemas';
import { exportFileName, exportStream } from './export-stream';
import { ExportQuery, keepPlus, ListQuery } from './search-query';
import { readSettings, updateSettings } from '../app/settings';
import { ETAG_DOC, etagHeader } from './preconditions';

const CustomerId = Type.Object({ customerId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }) });
const Settings = Type.Object({
  matchPolicy: Type.Union(MATCH_POLICIES.map((p) => Type.Literal(p))),
  defaultCountry: Type.String({ pattern: '^[A-Za-z]{2}$' }),
  protectNames: Type.Boolean(),
  defaultCustomerId: Type.Union([Type.String(), Type.Null()]),
});

export function customerRoutes(db: Database, repo: CustomerRepository, duplicates: DuplicateRepository) {
  return [
    route({
      method: 'get',
      path: '/v1/customers',
      operationId: 'listCustomers',
      summary: 'List and search customers (R2.11), keyset-paginated by nextCursor',
      tags: ['customers'],
      query: ListQuery,
      responses: {
        200: { description: 'One page in id (creation) order', schema: CustomerListSchema },
        400: { description: 'An unknown query parameter, or a value that can never match (named)' },
      },
      handler: async ({ principal, query, req }) => ({
        body: await listCustomers(db, repo, principal.accountId, keepPlus(req, query)),
      }),
    }),
    // Before /v1/customers/:customerId, which would otherwise take "export" for an id.
    route({
      method: 'get',
      path: '/v1/customers/export',
      operationId: 'exportCustomers',
      summary:
        'Export the customers matching the filters as CSV or JSON (R2.11), streamed: constant memory whatever the size',
      tags: ['customers'],
      query: ExportQuery,
      responses: {
        200: {
          description:
            'format=csv: text/csv (UTF-8 with BOM, documented header row); format=json: an array of customers',
          schema: Type.Array(CustomerSchema),
          content: { 'text/csv': CustomerCsvSchema },
        },
        400: { description: 'An unknown query parameter, or a value that can never match (named)' },
      },
      handler: async ({ principal, query, req }) => {
        const { format, ...filters } = query;
        const chunks = await exportChunks(db, repo, principal.accountId, keepPlus(req, filters), format);
        return {
          headers: {
            'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
            'Content-Disposition': `attachment; filename="${exportFileName(format)}"`,
            'Cache-Control': 'no-store',
          },
          stream: exportStream(chunks),
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers/:customerId',
      operationId: 'getCustomer',
      summary: "One customer: ShipStation's Customer fields plus sources, consent and history",
      tags: ['customers'],
      params: CustomerId,
      responses: {
        200: {
          description: 'The customer, with its order history and possible duplicates',
          schema: CustomerSchema,
          headers: ETAG_DOC,
        },
        404: { description: 'No such customer in this account' },
      },
      handler: async ({ principal, params, req }) => {
        const body = await getCustomer(db, repo, principal.accountId, params.customerId);
        // The ETag names the record's version, for If-Match on writes. The answer also lists possible
        // duplicates, which another record's write can add without moving this version: express
        // must not answer a matching If-None-Match with 304 and leave the caller a stale list.
        delete req.headers['if-none-match'];
        return { body, headers: etagHeader(body) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers/:customerId/duplicates',
      operationId: 'customerDuplicates',
      summary: `Other active records that may be this customer: R1.6 possible duplicates and likely duplicates that share no key, each with its reasons and confidence (never merged automatically); the ${DUPLICATES_CAP} surest, \`truncated\` when more qualify`,
      tags: ['duplicates'],
      params: CustomerId,
      responses: {
        200: { description: 'Surest first', schema: CustomerDuplicatesSchema },
        404: { description: 'No such customer in this account' },
      },
      handler: async ({ principal, params }) => ({
        body: await duplicatesOf(db, { repo, duplicates }, principal.accountId, params.customerId),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/duplicates',
      operationId: 'listDuplicateGroups',
      summary: `The account's groups of likely duplicates: each anchored at the record orders link to (R1.6) or the older record of a suggested pair, keyset-paginated; a group lists its ${DUPLICATES_CAP} surest duplicates, \`truncated\` when more qualify`,
      tags: ['duplicates'],
      query: Type.Object({
        cursor: Type.Optional(
          Type.String({ maxLength: TEXT_LIMITS.id, description: 'nextCursor of the previous page' }),
        ),
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
      }),
      responses: { 200: { description: 'Groups in anchor id order', schema: DuplicateGroupsSchema } },
      handler: async ({ principal, query }) => ({
        body: await duplicateGroups(db, { repo, duplicates }, principal.accountId, query),
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
      responses: {
        200: { description: 'Settings as saved', schema: Settings },
        400: {
          description:
            'A value that fails its schema, a defaultCountry phone numbers cannot be read for, or a defaultCustomerId that is not an active customer of this account',
        },
      },
      handler: async ({ principal, body }) => ({
        body: await updateSettings(db, repo, principal.accountId, body),
      }),
    }),
  ];
}
