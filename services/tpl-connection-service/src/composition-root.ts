import { assembleService, type Overrides, type ServiceDeps } from '@crp/service-kit/assemble';
import { createDirectoryRecorder } from './app/directory';
import type { Mailer, TplDeps } from './app/ports';
import { sendInvitationEmail } from './app/send-invitation-email';
import { SERVICE, isEmbeddedDefault, type Config } from './config';
import { carrierAccountRoutes } from './http/carrier-account-routes';
import { clientRoutes } from './http/client-routes';
import { connectionRoutes } from './http/connection-routes';
import { devRoutes } from './http/dev-routes';
import { recordingCallers } from './http/record-callers';
import { connectionEntities } from './infra/db/entities';
import { migrations } from './infra/db/migrations';
import { repositories } from './infra/db/repositories';
import { createMailer } from './infra/mail/mailer';
import { createInvitationTokens } from './infra/tokens/invitation-tokens';

/** What `npm run migrate` needs: the schema, without config. */
export const definition = {
  service: SERVICE,
  version: '0.2.0',
  description: '3PL client connections, invitations and carrier accounts (SPEC §5).',
  entities: connectionEntities,
  migrations,
};

/** Test seams beyond the kit's overrides: a clock (link expiry) and a mailer (a failing SMTP). */
export interface TplOverrides extends Overrides {
  now?: () => Date;
  mailer?: Mailer;
}

/** Wires tpl-connection-service. Nothing listens here: main.ts does, tests use supertest on `app`. */
export function createTplConnectionService(config: Config, overrides: TplOverrides = {}) {
  const now = overrides.now ?? (() => new Date());
  const mail = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, dir: config.MAIL_DIR });
  const tokens = createInvitationTokens(config.INVITATION_TOKEN_SECRET);
  const tplDeps = ({ db, outbox }: ServiceDeps): TplDeps => ({
    db,
    outbox,
    repos: repositories,
    tokens,
    mailer: overrides.mailer ?? mail.mailer,
    invitations: { ttlHours: config.INVITATION_TTL_HOURS, linkUrl: config.INVITATION_LINK_URL },
    now,
  });
  return assembleService(
    {
      ...definition,
      routes: (kit) => {
        const deps = tplDeps(kit);
        const seen = createDirectoryRecorder({ db: kit.db, directory: repositories.directory, now });
        const dev = isEmbeddedDefault(config) && mail.mailbox ? devRoutes(deps, mail.mailbox) : [];
        return recordingCallers(
          [...clientRoutes(deps), ...connectionRoutes(deps), ...carrierAccountRoutes(deps), ...dev],
          seen,
        );
      },
      // It consumes its own ClientInvited: the invitation e-mail leaves once the invitation
      // committed, with the consumer's retries and dead-lettering when the mail server is away.
      handlers: (kit) => {
        const deps = tplDeps(kit);
        return {
          ClientInvited: async (event, tx, meta) => {
            await sendInvitationEmail(event, tx, deps, meta);
          },
        };
      },
    },
    config,
    overrides,
  );
}
