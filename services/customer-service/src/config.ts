import { Type } from '@sinclair/typebox';
import { ConfigError } from '@crp/platform/config';
import { loadServiceConfig } from '@crp/platform/service-config';
import { mailchimpConfig, mailchimpConfigProblems } from './mailchimp-config';

export const SERVICE = 'customer-service';
export const DEFAULT_PORT = 3002;

/** This service's own variables (documented in .env.example, listed in turbo.json). */
export const customerConfig = {
  DUPLICATE_SCAN_INTERVAL_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 1000,
    description: 'pause of the likely-duplicates scan when its queue is empty; 0 turns it off',
  }),
  DUPLICATE_SCAN_BATCH: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  DUPLICATE_SCAN_MAX_DEFER_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 30_000,
    description:
      'while orders are being linked (or import chunks applied) the scan waits, but never longer than this between passes',
  }),
  IMPORT_DRY_RUN_TTL_MS: Type.Integer({
    minimum: 60_000,
    maximum: 30 * 86_400_000,
    default: 86_400_000,
    description:
      'a customer import dry run no chunk reached for this long is given up: its would-be state is deleted',
  }),
  IMPORT_DRY_RUN_SWEEP_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 10_000,
    description: 'pause between sweeps of ended or given-up dry runs; 0 turns the background sweep off',
  }),
};

/** All variables: the common ones (platform/config.ts), customerConfig and the Mailchimp adapter's. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const cfg = loadServiceConfig(SERVICE, DEFAULT_PORT, { ...customerConfig, ...mailchimpConfig }, env);
  const problems = mailchimpConfigProblems(cfg);
  if (problems.length) throw new ConfigError(SERVICE, problems);
  return cfg;
}
export type Config = ReturnType<typeof loadConfig>;
