import { loadServiceConfig } from '@crp/platform/service-config';

export const SERVICE = 'customer-service';
export const DEFAULT_PORT = 3002;

/** All variables: the common ones (platform/config.ts) — this service adds none yet. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  return loadServiceConfig(SERVICE, DEFAULT_PORT, {}, env);
}
export type Config = ReturnType<typeof loadConfig>;
