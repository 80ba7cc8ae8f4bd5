import { Type } from '@sinclair/typebox';

/** Used when MAILCHIMP_CREDENTIALS_KEY is not set outside production: local use only. */
export const LOCAL_DEV_MAILCHIMP_KEY = '6c6f63616c2d6f6e6c792d6d61696c6368696d702d6b65792d2d2d2d2d2d2d2d';

/** The Mailchimp adapter's variables (issue #19; documented in .env.example and docs/mailchimp.md). */
export const mailchimpConfig = {
  MAILCHIMP_CREDENTIALS_KEY: Type.Optional(
    Type.String({
      description: '32-byte AES-256-GCM key sealing Mailchimp API keys: 64 hex digits or base64',
    }),
  ),
  MAILCHIMP_CREDENTIALS_OLD_KEYS: Type.String({
    default: '',
    description: 'comma-separated previous keys, still accepted to open keys sealed before a rotation',
  }),
  MAILCHIMP_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        "Marketing API origin for every account (tests, a proxy); default from the key's data center",
    }),
  ),
  MAILCHIMP_SYNC_INTERVAL_MS: Type.Integer({
    minimum: 0,
    default: 2000,
    description: 'pause of the sync worker when the queue is empty; 0 turns the worker off',
  }),
  MAILCHIMP_BATCH_THRESHOLD: Type.Integer({
    minimum: 1,
    default: 500,
    description: 'more members than this in one pass go through one batch operation (POST /3.0/batches)',
  }),
  MAILCHIMP_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  MAILCHIMP_BACKOFF_MS: Type.Integer({
    minimum: 1,
    default: 500,
    description: 'first backoff of a call on 429/5xx',
  }),
  MAILCHIMP_RETRY_BASE_MS: Type.Integer({
    minimum: 1,
    default: 5000,
    description: 'first delay before a queued member is tried again after Mailchimp stayed unavailable',
  }),
  MAILCHIMP_BATCH_POLL_MS: Type.Integer({ minimum: 1, default: 2000 }),
};

/** Problems with the Mailchimp keys (a wrong one refuses to start). */
export function mailchimpConfigProblems(cfg: {
  NODE_ENV: string;
  MAILCHIMP_CREDENTIALS_KEY?: string;
  MAILCHIMP_CREDENTIALS_OLD_KEYS: string;
}): string[] {
  const problems: string[] = [];
  const keyProblem = (name: string, v: string) => {
    const t = v.trim();
    const ok = /^[0-9a-fA-F]{64}$/.test(t) || Buffer.from(t, 'base64').length === 32;
    if (!ok) problems.push(`${name} must be 32 bytes: 64 hex digits or base64`);
  };
  if (cfg.MAILCHIMP_CREDENTIALS_KEY) keyProblem('MAILCHIMP_CREDENTIALS_KEY', cfg.MAILCHIMP_CREDENTIALS_KEY);
  else if (cfg.NODE_ENV === 'production')
    problems.push('MAILCHIMP_CREDENTIALS_KEY is required in production (it encrypts Mailchimp API keys)');
  for (const k of cfg.MAILCHIMP_CREDENTIALS_OLD_KEYS.split(',').filter((s) => s.trim()))
    keyProblem('MAILCHIMP_CREDENTIALS_OLD_KEYS', k);
  return problems;
}
