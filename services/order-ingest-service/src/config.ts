import { Type } from '@sinclair/typebox';
import { ConfigError } from '@crp/platform/config';
import { loadServiceConfig } from '@crp/platform/service-config';

export const SERVICE = 'order-ingest-service';
export const DEFAULT_PORT = 3001;

/** Used when CHANNEL_CREDENTIALS_KEY is not set outside production: local use only. */
export const LOCAL_DEV_CREDENTIALS_KEY = '6c6f63616c2d6f6e6c792d696e7365637572652d63726564656e7469616c732e';

const bool = (description: string) =>
  Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'false', description });

/** The service's own variables (documented in .env.example), on top of the common ones. */
export const orderIngestConfig = {
  CHANNEL_CREDENTIALS_KEY: Type.Optional(
    Type.String({ description: '32-byte AES-256-GCM key for store credentials: 64 hex digits or base64' }),
  ),
  CHANNEL_CREDENTIALS_OLD_KEYS: Type.String({
    default: '',
    description: 'comma-separated previous keys, still accepted to open credentials sealed before a rotation',
  }),
  CHANNEL_SHOPIFY_BASE_URL: Type.String({
    default: 'https://{shop}.myshopify.com',
    pattern: '^https?://',
    description: "Shopify Admin API origin; {shop} is replaced by the store's shop name",
  }),
  CHANNEL_SHOPIFY_API_VERSION: Type.String({ default: '2025-07', pattern: '^\\d{4}-\\d{2}$' }),
  CHANNEL_WOOCOMMERCE_BASE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: "overrides every WooCommerce store's own site URL (tests, a forwarding proxy)",
    }),
  ),
  CHANNEL_EBAY_BASE_URL: Type.String({
    default: 'https://api.ebay.com',
    pattern: '^https?://',
    description:
      'eBay REST origin: the Sell Fulfillment API and the OAuth token endpoint (sandbox: https://api.sandbox.ebay.com)',
  }),
  CHANNEL_AMAZON_BASE_URL: Type.String({
    default: 'https://sellingpartnerapi-{region}.amazon.com',
    pattern: '^https?://',
    description: "Selling Partner API origin; {region} is replaced by the store's region (na, eu, fe)",
  }),
  CHANNEL_AMAZON_LWA_URL: Type.String({
    default: 'https://api.amazon.com/auth/o2/token',
    pattern: '^https?://',
    description: 'Login with Amazon token endpoint (refresh token → 1-hour access token)',
  }),
  CHANNEL_BIGCOMMERCE_BASE_URL: Type.String({
    default: 'https://api.bigcommerce.com/stores/{storeHash}',
    pattern: '^https?://',
    description: "BigCommerce API origin and path; {storeHash} is replaced by the store's hash",
  }),
  CHANNEL_BIGCOMMERCE_PAGE_SIZE: Type.Integer({
    minimum: 1,
    maximum: 250,
    default: 250,
    description: 'orders per BigCommerce page (the v2 API allows 250; smaller for tests)',
  }),
  CHANNEL_ALLOW_PRIVATE_URLS: bool('allow merchant-site URLs in private or loopback ranges (SSRF guard off)'),
  CHANNEL_HTTP_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30000 }),
  CHANNEL_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  CHANNEL_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 1000 }),
  SYNC_SCHEDULER_TICK_MS: Type.Integer({
    minimum: 0,
    default: 30000,
    description: 'how often due stores are looked for; 0 turns scheduled syncs off',
  }),
  SYNC_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 32, default: 2 }),
  SYNC_OVERLAP_MS: Type.Integer({ minimum: 0, default: 600000 }),
  SYNC_INITIAL_LOOKBACK_DAYS: Type.Integer({ minimum: 0, maximum: 3650, default: 30 }),
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  WEBHOOK_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
};

/** All variables: the common ones (platform/config.ts) and the channel connectors' ones. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const cfg = loadServiceConfig(SERVICE, DEFAULT_PORT, orderIngestConfig, env);
  const problems: string[] = [];
  const keyProblem = (name: string, v: string) => {
    const t = v.trim();
    const ok = /^[0-9a-fA-F]{64}$/.test(t) || Buffer.from(t, 'base64').length === 32;
    if (!ok) problems.push(`${name} must be 32 bytes: 64 hex digits or base64`);
  };
  if (cfg.CHANNEL_CREDENTIALS_KEY) keyProblem('CHANNEL_CREDENTIALS_KEY', cfg.CHANNEL_CREDENTIALS_KEY);
  else if (cfg.NODE_ENV === 'production')
    problems.push('CHANNEL_CREDENTIALS_KEY is required in production (it encrypts store credentials)');
  for (const k of cfg.CHANNEL_CREDENTIALS_OLD_KEYS.split(',').filter((s) => s.trim()))
    keyProblem('CHANNEL_CREDENTIALS_OLD_KEYS', k);
  if (cfg.NODE_ENV === 'production' && cfg.CHANNEL_CREDENTIALS_KEY?.trim() === LOCAL_DEV_CREDENTIALS_KEY)
    problems.push('CHANNEL_CREDENTIALS_KEY is the local development key; set a real one in production');
  if (problems.length) throw new ConfigError(SERVICE, problems);
  return cfg;
}
export type Config = ReturnType<typeof loadConfig>;
