import { Type } from '@sinclair/typebox';
import { route } from '@crp/platform/http';
import type { Mailbox, TplDeps } from '../app/ports';
import { devOutbox } from '../app/queries';
import { callerOf } from './schemas';

/**
 * Only in the embedded default (no SMTP, SQLite, in-process bus, not production): the e-mails
 * written to MAIL_DIR that were sent to the caller's account, so a person trying `npm start` can
 * follow an invitation link without a mail server.
 */
export function devRoutes(deps: TplDeps, mailbox: Mailbox) {
  return [
    route({
      method: 'get',
      path: '/v1/dev/outbox',
      operationId: 'devOutbox',
      summary: 'Embedded default only: e-mails sent to your account’s admin emails, newest first (MAIL_DIR)',
      tags: ['dev'],
      query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
      responses: {
        200: {
          description: 'Messages',
          schema: Type.Object({
            messages: Type.Array(
              Type.Object({
                id: Type.String(),
                to: Type.String(),
                subject: Type.String(),
                text: Type.String(),
                senderAccountId: Type.String(),
                sentAt: Type.String({ format: 'date-time' }),
                file: Type.String({ description: 'The .eml file' }),
              }),
            ),
          }),
        },
      },
      handler: async ({ principal, query, correlationId }) => ({
        body: await devOutbox(deps, mailbox, callerOf(principal, correlationId), query.limit ?? 20),
      }),
    }),
  ];
}
