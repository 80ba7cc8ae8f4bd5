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
  /**
   * The buyer key is a username the buyer can change (eBay): a store order seen again under
   * another key makes that key an alias of the first (domain/order-batch.ts, renameOf).
   */
  buyerKeyRenames?: boolean;
  /**
   * A store of this channel may be connected without credentials: it then takes posted orders
   * only (the channel's orders in ShipStation's JSON, as before its connector existed); with
   * credentials it syncs itself.
   */
  postedWithoutCredentials?: boolean;
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
  ebay: {
    connector: true,
    buyerKeyRenames: true,
    postedWithoutCredentials: true,
    credentials: {
      clientId: {
        required: true,
        pattern: /^[\x21-\x7e]{8,255}$/,
        hint: "the eBay application's App ID (Client ID) from the developer portal",
      },
      clientSecret: {
        required: true,
        pattern: /^[\x21-\x7e]{8,255}$/,
        hint: "the eBay application's Cert ID (Client Secret)",
      },
      refreshToken: {
        required: true,
        pattern: /^[\x21-\x7e]{16,4096}$/,
        hint: 'the user refresh token the seller granted (scope sell.fulfillment.readonly or sell.fulfillment; valid 18 months)',
      },
    },
    settings: {},
  },
  amazon: {
    connector: true,
    postedWithoutCredentials: true,
    credentials: {
      clientId: {
        required: true,
        pattern: /^amzn1\.application-oa2-client\.[A-Za-z0-9]{8,64}$/,
        hint: 'the LWA client identifier of the SP-API application (amzn1.application-oa2-client.…)',
      },
      clientSecret: {
        required: true,
        pattern: /^[\x21-\x7e]{8,255}$/,
        hint: 'the LWA client secret of the SP-API application',
      },
      refreshToken: {
        required: true,
        pattern: /^Atzr\|[\x21-\x7e]{8,2048}$/,
        hint: 'the refresh token the seller authorised the application with (Atzr|…)',
      },
    },
    settings: {
      marketplaceIds: {
        required: true,
        pattern: /^[A-Z0-9]{8,20}(,[A-Z0-9]{8,20}){0,49}$/,
        hint: 'the marketplaces to read, comma-separated (e.g. ATVPDKIKX0DER for amazon.com)',
      },
      apiVersion: {
        required: false,
        pattern: /^(v0|2026-01-01)$/,
        hint: 'the Orders API the store reads: "2026-01-01" (default) or "v0" (retired on 2027-03-27)',
      },
      region: {
        required: false,
        pattern: /^(na|eu|fe)$/,
        hint: 'the SP-API region of the marketplaces: na (default), eu or fe',
      },
    },
  },
  bigcommerce: {
    connector: true,
    postedWithoutCredentials: true,
    credentials: {
      accessToken: {
        required: true,
        pattern: /^[A-Za-z0-9]{16,64}$/,
        hint: 'the access token of a store-level API account with Orders read-only scope (X-Auth-Token)',
      },
      webhookSecret: {
        required: false,
        pattern: /^[\x21-\x7e]{16,255}$/,
        hint: 'a secret of at least 16 characters, set as the X-Webhook-Secret header of the store/order webhooks (webhooks are refused without it)',
      },
    },
    settings: {
      storeHash: {
        required: true,
        pattern: /^[a-z0-9]{4,20}$/,
        hint: 'the store hash of the API path (https://api.bigcommerce.com/stores/{store_hash}/…)',
      },
    },
  },
  etsy: NONE,
  api: NONE,
};

/** Whether a store pulls its own orders: a channel with a connector, and its credentials set. */
export function syncsItself(store: { type: StoreType; credentialsEnc: string | null }): boolean {
  return store.type !== 'manual' && CHANNEL_SPECS[store.type].connector && store.credentialsEnc !== null;
}

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
  // Without any credential, a channel that allows it is a store orders are posted to: nothing required.
  const passive =
    spec.postedWithoutCredentials === true &&
    Object.values({ ...(stored.credentials ?? {}), ...(input.credentials ?? {}) }).every(
      (v) => v === null || v === undefined || v === '',
    );
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
        if (f.required && !passive) problems.push(`${part}.${k} is required for ${channel}: ${f.hint}`);
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
