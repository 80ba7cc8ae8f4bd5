import type { Connectors } from '../../app/ports';
import type { Config } from '../../config';
import { amazonConnector } from './amazon-connector';
import { bigCommerceConnector } from './bigcommerce-connector';
import { ebayConnector } from './ebay-connector';
import { ChannelTransport } from './http-transport';
import { shopifyConnector } from './shopify-connector';
import { wooCommerceConnector } from './woocommerce-connector';

/** The channels this service connects to, built from configuration (base URLs are never request input). */
export function createConnectors(config: Config, transport?: ChannelTransport): Connectors {
  const t =
    transport ??
    new ChannelTransport({
      timeoutMs: config.CHANNEL_HTTP_TIMEOUT_MS,
      maxAttempts: config.CHANNEL_MAX_ATTEMPTS,
      retryBaseMs: config.CHANNEL_RETRY_BASE_MS,
    });
  const byChannel = {
    shopify: shopifyConnector({
      transport: t,
      baseUrl: config.CHANNEL_SHOPIFY_BASE_URL,
      apiVersion: config.CHANNEL_SHOPIFY_API_VERSION,
    }),
    woocommerce: wooCommerceConnector({
      transport: t,
      baseUrl: config.CHANNEL_WOOCOMMERCE_BASE_URL,
      allowPrivate: config.CHANNEL_ALLOW_PRIVATE_URLS === 'true',
    }),
    ebay: ebayConnector({ transport: t, baseUrl: config.CHANNEL_EBAY_BASE_URL }),
    amazon: amazonConnector({
      transport: t,
      baseUrl: config.CHANNEL_AMAZON_BASE_URL,
      lwaUrl: config.CHANNEL_AMAZON_LWA_URL,
    }),
    bigcommerce: bigCommerceConnector({
      transport: t,
      baseUrl: config.CHANNEL_BIGCOMMERCE_BASE_URL,
      pageSize: config.CHANNEL_BIGCOMMERCE_PAGE_SIZE,
    }),
  };
  return (channel) => byChannel[channel as keyof typeof byChannel];
}
