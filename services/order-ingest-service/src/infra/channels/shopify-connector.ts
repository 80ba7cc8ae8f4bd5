import type { Json, JsonObject } from '../../domain/order';
import type { ChannelConnector, ConnectorStore } from '../../app/ports';
import { parseChannelJson } from '../../domain/channels/channel-json';
import { mapShopifyOrder } from '../../domain/channels/shopify-order';
import { graphqlThrottleWaitMs, shopifyCallLimitWaitMs } from '../../domain/channels/throttle';
import { verifyBase64HmacSha256 } from '../../domain/channels/webhook-signature';
import { ChannelRequestError } from '../../domain/channel-errors';
import type { ChannelResponse, ChannelTransport } from './http-transport';

const PAGE_SIZE = 250;

/** Shopify's error bodies: `{"errors": "…"}` or `{"errors": {"field": ["…"]}}`. */
function shopifyMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as { errors?: unknown };
    if (typeof b.errors === 'string') return b.errors;
    if (b.errors) return JSON.stringify(b.errors).slice(0, 300);
  } catch {
    /* not JSON */
  }
  return null;
}

/** The `rel="next"` page_info of a Link header. */
export function nextPageInfo(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return new URL(m[1]!).searchParams.get('page_info');
  }
  return null;
}

/**
 * Shopify through its REST Admin API (`GET /admin/api/{version}/orders.json`): the shape the
 * mapping and the webhooks share. Pull: `status=any`, `updated_at_min`/`updated_at_max` = the
 * window, `order=updated_at asc`, 250 a page, then the Link header's cursor (cursor pagination
 * does not skip or repeat when orders change while we page). Throttle: the call-limit bucket
 * header, 429 + Retry-After, and GraphQL's THROTTLED when a call goes there.
 */
export function shopifyConnector(opts: {
  transport: ChannelTransport;
  baseUrl: string;
  apiVersion: string;
}): ChannelConnector {
  const origin = (store: ConnectorStore) =>
    opts.baseUrl.replace('{shop}', String(store.settings.shop ?? '')).replace(/\/+$/, '');
  return {
    channel: 'shopify',
    async fetchPage(store, window, cursor, signal) {
      const url = new URL(`${origin(store)}/admin/api/${opts.apiVersion}/orders.json`);
      url.searchParams.set('limit', String(PAGE_SIZE));
      if (cursor) url.searchParams.set('page_info', cursor);
      else {
        url.searchParams.set('status', 'any');
        url.searchParams.set('updated_at_min', window.from.toISOString());
        url.searchParams.set('updated_at_max', window.to.toISOString());
        url.searchParams.set('order', 'updated_at asc');
      }
      const res = await opts.transport.request({
        channel: 'shopify',
        storeId: store.id,
        signal,
        url: url.toString(),
        headers: { 'X-Shopify-Access-Token': store.credentials.accessToken ?? '' },
        errorMessage: shopifyMessage,
        signals: (r) => {
          let retry: number | null = null;
          if (r.body.includes('THROTTLED')) {
            try {
              retry = graphqlThrottleWaitMs(JSON.parse(r.body));
            } catch {
              retry = null;
            }
          }
          return {
            pauseMs: shopifyCallLimitWaitMs(r.headers['x-shopify-shop-api-call-limit']),
            retryAfterMs: retry,
          };
        },
      });
      const body = parseChannelJson(res.body) as JsonObject;
      if (!Array.isArray(body?.orders))
        throw new ChannelRequestError('shopify', res.status, 'Shopify answered without an orders list');
      return {
        orders: body.orders.filter(
          (o): o is JsonObject => typeof o === 'object' && o !== null && !Array.isArray(o),
        ),
        next: nextPageInfo(res.headers.link),
      };
    },
    mapOrder: mapShopifyOrder,
    webhook: {
      secret: (c) => c.apiSecret ?? null,
      verify: (raw, headers, secret) => verifyBase64HmacSha256(raw, headers['x-shopify-hmac-sha256'], secret),
      isPing: () => false,
      // X-Shopify-Event-Id is the same on every retry of one event; older deliveries have only the webhook id.
      deliveryId: (h) => h['x-shopify-event-id'] ?? h['x-shopify-webhook-id'] ?? null,
      topic: (h) => h['x-shopify-topic'] ?? null,
      accepts: (topic) =>
        /^orders\/(create|updated|paid|cancelled|fulfilled|partially_fulfilled|edited)$/.test(topic),
      async orders(payload: Json) {
        const o = payload as JsonObject;
        return [o && typeof o === 'object' && 'order' in o ? (o.order as JsonObject) : o];
      },
    },
  };
}
