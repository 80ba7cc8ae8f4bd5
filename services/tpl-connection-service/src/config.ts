import { Type } from '@sinclair/typebox';
import { ConfigError } from '@crp/platform/config';
import { loadServiceConfig } from '@crp/platform/service-config';

export const SERVICE = 'tpl-connection-service';
export const DEFAULT_PORT = 3004;

/** Only for local runs and tests; refused in production like the local JWT secret. */
export const LOCAL_INVITATION_SECRET = 'local-only-invitation-secret-change-me-0123456789';

/** All variables: the common ones (platform/config.ts) and the invitation e-mail's. See .env.example. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const cfg = loadServiceConfig(
    SERVICE,
    DEFAULT_PORT,
    {
      SMTP_URL: Type.Optional(
        Type.String({ pattern: '^smtps?://', description: 'smtp://user:pass@host:587 or smtps://…' }),
      ),
      MAIL_FROM: Type.String({ minLength: 3, default: '3PL connections <no-reply@crp.localhost>' }),
      MAIL_DIR: Type.String({ minLength: 1, default: '.data/mail' }),
      INVITATION_LINK_URL: Type.String({
        pattern: '^https?://',
        default: 'http://localhost:8080/settings/logistics-providers/review',
      }),
      INVITATION_TOKEN_SECRET: Type.String({ minLength: 32, default: LOCAL_INVITATION_SECRET }),
      INVITATION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 168 }),
    },
    env,
  );
  const problems: string[] = [];
  if (cfg.NODE_ENV === 'production') {
    if (cfg.INVITATION_TOKEN_SECRET === LOCAL_INVITATION_SECRET)
      problems.push('INVITATION_TOKEN_SECRET is the local development secret; set a real one in production');
    if (!cfg.SMTP_URL)
      problems.push('SMTP_URL is required in production: invitation e-mails must really leave');
  }
  try {
    new URL(cfg.INVITATION_LINK_URL);
  } catch {
    problems.push('INVITATION_LINK_URL must be an absolute http(s) URL');
  }
  if (problems.length) throw new ConfigError(SERVICE, problems);
  return cfg;
}
export type Config = ReturnType<typeof loadConfig>;

/**
 * The zero-setup default (`npm start`): SQLite, the in-process bus, no SMTP, not production.
 * Only there does GET /v1/dev/outbox exist.
 */
export function isEmbeddedDefault(cfg: Config): boolean {
  return (
    !cfg.SMTP_URL &&
    cfg.NODE_ENV !== 'production' &&
    cfg.BUS === 'in-process' &&
    cfg.DATABASE_URL.startsWith('sqlite:')
  );
}
