import { Type } from '@sinclair/typebox';
import { MAILCHIMP_LIMITS, mailchimpConnectionProblems } from '@crp/contracts/limits';
import { Nullable } from '@crp/contracts/common';
import { notFound, validationFailed } from '@crp/platform/errors';
import { publicRoute, route } from '@crp/platform/http';
import {
  BACKLOG_CAP,
  type CleanupStatus,
  connectMailchimp,
  disconnectMailchimp,
  mailchimpStatus,
  type ConnectionDeps,
} from '../app/mailchimp/connection';
import type {
  Backlog,
  MailchimpConnectionRecord,
  MailchimpDisconnectionRecord,
} from '../app/mailchimp/ports';
import { handleWebhook, webhookKnown, type WebhookDeps } from '../app/mailchimp/webhook';

// The limits are packages/contracts' MAILCHIMP_LIMITS; the format is checked in the handler
// (mailchimpConnectionProblems) so that a 400 says what to copy from where, not a pattern.
const ConnectBody = Type.Object(
  {
    apiKey: Type.String({
      maxLength: MAILCHIMP_LIMITS.apiKeyMax,
      description:
        'Never returned or logged. A Mailchimp API key: letters and digits, a dash, the data center (e.g. `…-us21`); surrounding spaces are ignored',
    }),
    audienceId: Type.String({
      maxLength: MAILCHIMP_LIMITS.audienceIdMax,
      description: 'The Audience ID (letters, digits, `-`, `_`; e.g. `a1b2c3d4e5`), not its name',
    }),
    tagWithStore: Type.Optional(Type.Boolean({ default: true })),
    syncNotSubscribed: Type.Optional(
      Type.Union([Type.Literal('skip'), Type.Literal('transactional')], {
        description: 'customers whose email consent is not_subscribed: not sent, or sent as transactional',
      }),
    ),
  },
  { additionalProperties: false },
);

const Relation = (field: string) =>
  Type.Union([Type.Literal('eq'), Type.Literal('gte')], {
    description: `\`eq\`: ${field} is exact; \`gte\`: at least ${field} (${BACKLOG_CAP.toLocaleString('en')}), the count stops there`,
  });

const CleanupOut = Type.Union(
  [
    Type.Object({
      startedAt: Type.String({ format: 'date-time' }),
      remaining: Type.Object(
        {
          queued: Type.Integer({
            description: `queue rows of the disconnected connection still to delete (0 once a reconnect keeps them for its own sync): exact up to ${BACKLOG_CAP.toLocaleString('en')} (see queuedRelation)`,
          }),
          queuedRelation: Relation('queued'),
          links: Type.Integer({
            description: `member links still to delete: exact up to ${BACKLOG_CAP.toLocaleString('en')} (see linksRelation)`,
          }),
          linksRelation: Relation('links'),
        },
        { description: 'What the worker has still to delete, 5,000 rows a batch' },
      ),
    }),
    Type.Null(),
  ],
  {
    description:
      'The queue rows of a connection since disconnected and the member links to a previous audience (or of that connection) are still being deleted in batches beside the service; they are no longer used. null: nothing left',
  },
);

const StatusOut = Type.Object({
  connected: Type.Literal(true),
  audienceId: Type.String(),
  audienceName: Nullable(Type.String()),
  tagWithStore: Type.Boolean(),
  syncNotSubscribed: Type.String(),
  webhookPath: Type.String({ description: 'Add this URL (on this service) as the audience webhook' }),
  lastSuccessAt: Nullable(Type.String({ format: 'date-time' })),
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Type.String({ format: 'date-time' })),
  counts: Type.Object({
    synced: Type.Integer(),
    skipped: Type.Integer({
      description: 'not sent: not_subscribed with syncNotSubscribed=skip, or no email',
    }),
    failed: Type.Integer({
      description:
        'members Mailchimp refused (a 4xx for that member, e.g. an address it finds invalid): not retried until the customer changes again; lastError names the last one',
    }),
    deleted: Type.Integer({
      description: 'members permanently deleted on erasure, or archived when the record was deleted',
    }),
    webhooks: Type.Integer(),
  }),
  backlog: Type.Object({
    pending: Type.Integer({
      description: `customers waiting to be sent: exact up to ${BACKLOG_CAP.toLocaleString('en')} (see pendingRelation)`,
    }),
    pendingRelation: Relation('pending'),
    retrying: Type.Integer({
      description: `of which Mailchimp could not take yet (retried with backoff); exact up to ${BACKLOG_CAP.toLocaleString('en')} (see retryingRelation)`,
    }),
    retryingRelation: Relation('retrying'),
    oldestQueuedAt: Nullable(Type.String({ format: 'date-time' })),
  }),
  backfill: Type.Object(
    {
      done: Type.Boolean({
        description: 'every customer of the account has been queued once since the connect',
      }),
      queued: Type.Integer({ description: 'customers the backfill has queued so far' }),
      startedAt: Nullable(Type.String({ format: 'date-time' })),
      doneAt: Nullable(Type.String({ format: 'date-time' })),
    },
    {
      description:
        'After a connect every active customer with an email is queued once, in batches beside the service (not in the request)',
    },
  ),
  cleanup: CleanupOut,
});

const DisconnectedOut = Type.Object(
  {
    connected: Type.Literal(false),
    audienceId: Nullable(
      Type.String({ description: 'The audience it synced to (null: disconnected before this was kept)' }),
    ),
    audienceName: Nullable(Type.String()),
    disconnectedAt: Type.String({ format: 'date-time' }),
    cleanup: CleanupOut,
    cleanupDoneAt: Nullable(
      Type.String({
        format: 'date-time',
        description:
          'When the worker deleted the last queue row and member link the connection left; null while `cleanup` runs',
      }),
    ),
  },
  {
    description:
      'Disconnected (and not connected since): the key is gone and nothing is sent; what the connection left is deleted after the answer',
  },
);

const relation = (capped: boolean) => (capped ? ('gte' as const) : ('eq' as const));

function cleanupBody(cleanup: CleanupStatus | null) {
  if (!cleanup) return null;
  const r = cleanup.remaining;
  return {
    startedAt: cleanup.startedAt.toISOString(),
    remaining: {
      queued: r.queued,
      queuedRelation: relation(r.queuedCapped),
      links: r.links,
      linksRelation: relation(r.linksCapped),
    },
  };
}

function disconnectedBody(d: MailchimpDisconnectionRecord, cleanup: CleanupStatus | null) {
  return {
    connected: false as const,
    audienceId: d.audienceId,
    audienceName: d.audienceName,
    disconnectedAt: d.disconnectedAt.toISOString(),
    cleanup: cleanupBody(cleanup),
    cleanupDoneAt: d.cleanupDoneAt?.toISOString() ?? null,
  };
}

function statusBody(c: MailchimpConnectionRecord, backlog: Backlog, cleanup: CleanupStatus | null) {
  return {
    connected: true as const,
    audienceId: c.audienceId,
    audienceName: c.audienceName,
    tagWithStore: c.tagWithStore,
    syncNotSubscribed: c.syncNotSubscribed,
    webhookPath: `/v1/integrations/mailchimp/webhook/${c.webhookToken}`,
    lastSuccessAt: c.lastSuccessAt?.toISOString() ?? null,
    lastError: c.lastError,
    lastErrorAt: c.lastErrorAt?.toISOString() ?? null,
    counts: {
      synced: c.syncedCount,
      skipped: c.skippedCount,
      failed: c.failedCount,
      deleted: c.deletedCount,
      webhooks: c.webhookCount,
    },
    backlog: {
      pending: backlog.pending,
      pendingRelation: relation(backlog.pendingCapped),
      retrying: backlog.retrying,
      retryingRelation: relation(backlog.retryingCapped),
      oldestQueuedAt: backlog.oldest?.toISOString() ?? null,
    },
    backfill: {
      done: c.backfillDoneAt !== null,
      queued: c.backfillQueued,
      startedAt: c.backfillStartedAt?.toISOString() ?? null,
      doneAt: c.backfillDoneAt?.toISOString() ?? null,
    },
    cleanup: cleanupBody(cleanup),
  };
}

const Token = Type.Object({
  token: Type.String({ minLength: 1, maxLength: MAILCHIMP_LIMITS.webhookTokenMax }),
});

/** Issue #19: connecting Mailchimp, its status, and its webhook. */
export function mailchimpRoutes(deps: ConnectionDeps & WebhookDeps) {
  return [
    route({
      method: 'put',
      path: '/v1/integrations/mailchimp',
      operationId: 'connectMailchimp',
      summary:
        'Connect Mailchimp (admin): the key and audience are checked with Mailchimp, the key stored encrypted',
      tags: ['integrations'],
      roles: ['admin'],
      body: ConnectBody,
      responses: {
        200: {
          description:
            'Connected; the backfill has started: every customer with an email is queued once, in batches after the answer (`backfill` shows its progress)',
          schema: StatusOut,
        },
        400: { description: 'The key or the audience id cannot be one (each reason in details)' },
        422: { description: "Mailchimp refused the key or the audience (Mailchimp's reason)" },
        503: { description: 'Mailchimp could not be reached to check the key' },
      },
      handler: async ({ principal, body }) => {
        const input = { ...body, apiKey: body.apiKey.trim(), audienceId: body.audienceId.trim() };
        const problems = mailchimpConnectionProblems(input);
        if (problems.length > 0)
          throw validationFailed(`Invalid Mailchimp connection: ${problems.join('; ')}`, problems);
        const r = await connectMailchimp(deps, principal.accountId, input);
        return { body: statusBody(r.connection, r.backlog, r.cleanup) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/integrations/mailchimp',
      operationId: 'getMailchimp',
      summary:
        'The Mailchimp connection (never the key) and its sync status: last success, last error, counts, backlog',
      tags: ['integrations'],
      responses: {
        200: {
          description:
            'Connected (`connected: true`): the connection and its status. Disconnected and not connected since (`connected: false`): when, and the cleanup of what the connection left (its progress; `cleanupDoneAt` once it ended)',
          schema: Type.Union([StatusOut, DisconnectedOut]),
        },
        404: { description: 'Mailchimp was never connected' },
      },
      handler: async ({ principal }) => {
        const s = await mailchimpStatus(deps, principal.accountId);
        if (!s) throw notFound('Mailchimp connection');
        return {
          body: s.connected
            ? statusBody(s.connection, s.backlog, s.cleanup)
            : disconnectedBody(s.disconnection, s.cleanup),
        };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/integrations/mailchimp',
      operationId: 'disconnectMailchimp',
      summary:
        'Disconnect Mailchimp (admin): the key is removed and the sync stops at once; the queue and the member links are deleted in batches beside the service (not in the request)',
      tags: ['integrations'],
      roles: ['admin'],
      responses: {
        200: {
          description:
            'Disconnected; `GET` shows the cleanup of its queue rows and member links, deleted after the answer',
          schema: Type.Object({ connected: Type.Literal(false) }),
        },
        404: { description: 'Mailchimp is not connected' },
      },
      handler: async ({ principal }) => {
        if (!(await disconnectMailchimp(deps, principal.accountId))) throw notFound('Mailchimp connection');
        return { body: { connected: false } };
      },
    }),
    publicRoute({
      method: 'get',
      path: '/v1/integrations/mailchimp/webhook/:token',
      operationId: 'validateMailchimpWebhook',
      summary: 'Mailchimp checks the webhook URL with a GET before saving it',
      tags: ['integrations'],
      params: Token,
      responses: {
        200: { description: 'Known token', schema: Type.Object({ ok: Type.Boolean() }) },
        404: { description: 'Unknown token' },
      },
      handler: async ({ params }) => {
        if (!(await webhookKnown(deps, params.token))) throw notFound('Mailchimp webhook');
        return { status: 200, body: { ok: true } };
      },
    }),
    publicRoute({
      method: 'post',
      path: '/v1/integrations/mailchimp/webhook/:token',
      operationId: 'mailchimpWebhook',
      summary:
        'Mailchimp webhook (form-encoded): unsubscribe and cleaned make the email consent unsubscribed, upemail moves an editable email; source mailchimp, logged in the change log',
      tags: ['integrations'],
      params: Token,
      bodyContentType: 'application/x-www-form-urlencoded',
      bodyLimit: '64kb',
      responses: {
        200: {
          description: 'Received: how many records changed (email consent, or email on upemail)',
          schema: Type.Object({ applied: Type.Integer(), type: Type.String() }),
        },
        404: { description: 'Unknown token' },
      },
      handler: async ({ params, rawBody, correlationId }) => ({
        status: 200,
        body: await handleWebhook(deps, params.token, rawBody, correlationId),
      }),
    }),
  ];
}
