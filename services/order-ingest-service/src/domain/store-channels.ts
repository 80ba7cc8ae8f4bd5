import type { JsonObject, StoreType } from './order';
import { MAX_SYNC_INTERVAL_MINUTES } from './sync';

/** What a store of each channel needs to connect; validated at the door (422 naming each field). */
export interface ChannelSpec {
  /** Secret fields: encrypted at rest, never returned, never logged. */
  credentials: Record<string, { required: boolean; pattern?: RegExp; hint: string }>;
  /** Non-secret settings of the channel. */
  settings: Record<string, { required: boolean; pattern?: RegExp; hint: string }>;
  /** Whether this service can pull orders from the channel and take its webhooks. */
  connector: boolean;
}

const NONE: ChannelSpec = { credentials: {}, settings: {}, connector: false };

export const CHANNEL_SPECS: Record<Exclude<StoreType, 'manual'>, ChannelSpec> = {
  shopify: {
    connector: true,
    credentials: {
      accessToken: {
        required: true,
        pattern: /^[\x21-\x7e]{8,255}$/,
        hint: 'the Admin API access token of the app installed on the shop (shpat_…)',
      },
      apiSecret: {
        required: false,
        pattern: /^[\x21-\x7e]{8,255}$/,
        hint: "the app's API secret key: Shopify signs webhooks with it (webhooks are refused without it)",
      },
    },
    settings: {
      shop: {
        required: true,
        pattern: /^[a-z0-9][a-z0-9-]{0,59}(\.myshopify\.com)?$/,
        hint: 'the shop\'s myshopify name, e.g. "acme" or "acme.myshopify.com"',
      },
    },
  },
  woocommerce: {
    connector: true,
    credentials: {
      consumerKey: {
        required: true,
        pattern: /^ck_[A-Za-z0-9]{8,120}$/,
        hint: 'the REST API consumer key (ck_…)',
      },
      consumerSecret: {
        required: true,
        pattern: /^cs_[A-Za-z0-9]{8,120}$/,
        hint: 'the REST API consumer secret (cs_…)',
      },
      webhookSecret: {
        required: false,
        pattern: /^[\x20-\x7e]{1,255}$/,
        hint: "the secret set on the store's webhooks (webhooks are refused without it)",
      },
    },
    settings: {
      siteUrl: {
        required: true,
        pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
        hint: 'the WordPress site address, e.g. https://shop.example.com',
      },
    },
  },
  ebay: NONE,
  amazon: NONE,
  bigcommerce: NONE,
  etsy: NONE,
  api: NONE,
};

/** Settings every store may carry. */
const COMMON_SETTINGS = ['syncIntervalMinutes', 'initialSyncFrom'];

export interface StoreInput {
  credentials?: Record<string, unknown> | null;
  settings?: Record<string, unknown> | null;
}

/**
 * The credentials and settings of a store of `channel`, checked field by field. `partial` (PATCH)
 * checks only what is sent, against what is already stored.
 */
export function checkStoreInput(
  channel: Exclude<StoreType, 'manual'>,
  input: StoreInput,
  stored: { credentials: Record<string, string> | null; settings: JsonObject | null } = {
    credentials: null,
    settings: null,
  },
): { problems: string[]; credentials: Record<string, string> | null; settings: JsonObject } {
  const spec = CHANNEL_SPECS[channel];
  const problems: string[] = [];
  const check = (
    part: 'credentials' | 'settings',
    fields: ChannelSpec['credentials'],
    incoming: Record<string, unknown> | null | undefined,
    before: Record<string, unknown> | null,
    extra: string[] = [],
  ) => {
    const out: Record<string, unknown> = { ...(before ?? {}) };
    for (const [k, v] of Object.entries(incoming ?? {})) {
      if (!(k in fields) && !extra.includes(k)) {
        problems.push(
          `${part}.${k} is not a ${channel} ${part === 'credentials' ? 'credential' : 'setting'}` +
            (Object.keys(fields).length ? ` (expected: ${Object.keys(fields).join(', ')})` : ''),
        );
        continue;
      }
      if (v === null || v === '') {
        delete out[k];
        continue;
      }
      out[k] = v;
    }
    for (const [k, f] of Object.entries(fields)) {
      const v = out[k];
      if (v === undefined) {
        if (f.required) problems.push(`${part}.${k} is required for ${channel}: ${f.hint}`);
        continue;
      }
      if (typeof v !== 'string' || (f.pattern && !f.pattern.test(v)))
        problems.push(`${part}.${k} is not valid: ${f.hint}`);
    }
    return out;
  };
  const credentials = check('credentials', spec.credentials, input.credentials, stored.credentials);
  const settings = check('settings', spec.settings, input.settings, stored.settings, COMMON_SETTINGS);
  const interval = settings.syncIntervalMinutes;
  if (
    interval !== undefined &&
    !(
      Number.isInteger(interval) &&
      (interval as number) >= 1 &&
      (interval as number) <= MAX_SYNC_INTERVAL_MINUTES
    )
  ) {
    problems.push(
      `settings.syncIntervalMinutes must be a whole number from 1 to ${MAX_SYNC_INTERVAL_MINUTES} (every store syncs at least daily)`,
    );
  }
  const initial = settings.initialSyncFrom;
  if (
    initial !== undefined &&
    (typeof initial !== 'string' ||
      Number.isNaN(Date.parse(initial)) ||
      !/(Z|[+-]\d{2}:?\d{2})$/.test(initial))
  )
    problems.push('settings.initialSyncFrom must be an ISO 8601 date-time with an offset');
  if (typeof settings.shop === 'string') settings.shop = settings.shop.replace(/\.myshopify\.com$/, '');
  if (typeof settings.siteUrl === 'string') settings.siteUrl = settings.siteUrl.replace(/\/+$/, '');
  const hasCredentials = Object.keys(credentials).length > 0;
  return {
    problems,
    credentials: hasCredentials ? (credentials as Record<string, string>) : null,
    settings: settings as JsonObject,
  };
}
