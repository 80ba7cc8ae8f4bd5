import type { Connectors } from '../../app/ports';
import type { Config } from '../../config';
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
  };
  return (channel) => byChannel[channel as keyof typeof byChannel];
}
