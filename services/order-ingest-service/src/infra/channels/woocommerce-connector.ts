import type { Json, JsonObject } from '../../domain/order';
import type { ChannelConnector, ConnectorStore } from '../../app/ports';
import { parseChannelJson } from '../../domain/channels/channel-json';
import { mapWooOrder } from '../../domain/channels/woocommerce-order';
import { verifyBase64HmacSha256 } from '../../domain/channels/webhook-signature';
import { ChannelRequestError } from '../../domain/channel-errors';
import type { ChannelResponse, ChannelTransport } from './http-transport';

export const WOO_PAGE_SIZE = 100;

/** Where the window stands: orders modified at or after `after`, page `page` of those, minus `skip`. */
interface WooCursor {
  after: string;
  page: number;
  skip: string[];
}

function wooMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as { message?: unknown; code?: unknown };
    if (typeof b.message === 'string')
      return typeof b.code === 'string' ? `${b.message} (${b.code})` : b.message;
  } catch {
    /* not JSON */
  }
  return null;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, as WooCommerce reads dates with `dates_are_gmt=true`. */
const gmt = (d: Date) => d.toISOString().slice(0, 19);

/**
 * WooCommerce REST v3 (`GET /wp-json/wc/v3/orders`, WooCommerce ≥ 5.8 for `modified_after` and
 * `dates_are_gmt`). Pages ascend by modification time (`orderby=modified&order=asc`) with
 * `dates_are_gmt=true`, so every date we send and read is UTC. Page numbers alone would skip an
 * order when another one changes while we page (it leaves the window and the rest shift left),
 * so each next page starts again at the last modification time seen, skipping the orders already
 * read at that very second; page numbers are used only among orders that share one second.
 */
export function wooCommerceConnector(opts: {
  transport: ChannelTransport;
  /** Overrides the store's own site URL (tests, a forwarding proxy): then no SSRF guard is needed. */
  baseUrl?: string;
  /** CHANNEL_ALLOW_PRIVATE_URLS: merchant sites may be in private ranges (local and test setups). */
  allowPrivate?: boolean;
}): ChannelConnector {
  const site = (store: ConnectorStore) =>
    (opts.baseUrl ?? String(store.settings.siteUrl ?? '')).replace(/\/+$/, '');
  return {
    channel: 'woocommerce',
    async fetchPage(store, window, cursorText, signal) {
      const cursor: WooCursor = cursorText
        ? (JSON.parse(cursorText) as WooCursor)
        : { after: gmt(window.from), page: 1, skip: [] };
      const url = new URL(`${site(store)}/wp-json/wc/v3/orders`);
      // modified_after is exclusive: one second earlier includes orders changed at `after` itself.
      url.searchParams.set('modified_after', gmt(new Date(Date.parse(`${cursor.after}Z`) - 1000)));
      url.searchParams.set('modified_before', gmt(window.to));
      url.searchParams.set('dates_are_gmt', 'true');
      url.searchParams.set('orderby', 'modified');
      url.searchParams.set('order', 'asc');
      url.searchParams.set('per_page', String(WOO_PAGE_SIZE));
      url.searchParams.set('page', String(cursor.page));
      url.searchParams.set('status', 'any');
      const auth = Buffer.from(
        `${store.credentials.consumerKey ?? ''}:${store.credentials.consumerSecret ?? ''}`,
      ).toString('base64');
      const res = await opts.transport.request({
        channel: 'woocommerce',
        storeId: store.id,
        signal,
        url: url.toString(),
        headers: { Authorization: `Basic ${auth}` },
        guard: !opts.baseUrl && !opts.allowPrivate,
        errorMessage: wooMessage,
      });
      const body = parseChannelJson(res.body);
      if (!Array.isArray(body))
        throw new ChannelRequestError(
          'woocommerce',
          res.status,
          'WooCommerce answered without an orders list',
        );
      const page = body.filter(
        (o): o is JsonObject => typeof o === 'object' && o !== null && !Array.isArray(o),
      );
      const skip = new Set(cursor.skip);
      const orders = page.filter((o) => !skip.has(String(o.id)));
      // X-WP-TotalPages counts the pages of this very query; without it, a short page is the last.
      const totalPages = Number(res.headers['x-wp-totalpages']);
      const more =
        Number.isFinite(totalPages) && totalPages > 0
          ? cursor.page < totalPages
          : page.length >= WOO_PAGE_SIZE;
      if (!more || page.length === 0) return { orders, next: null };
      const last = page
        .map((o) => String(o.date_modified_gmt ?? ''))
        .reduce((a, b) => (b > a ? b : a), cursor.after);
      const next: WooCursor =
        last > cursor.after
          ? {
              after: last,
              page: 1,
              skip: page.filter((o) => String(o.date_modified_gmt) === last).map((o) => String(o.id)),
            }
          : { after: cursor.after, page: cursor.page + 1, skip: [] };
      return { orders, next: JSON.stringify(next) };
    },
    mapOrder: mapWooOrder,
    webhook: {
      secret: (c) => c.webhookSecret ?? null,
      verify: (raw, headers, secret) =>
        verifyBase64HmacSha256(raw, headers['x-wc-webhook-signature'], secret),
      // Saving a webhook in WooCommerce sends `webhook_id=<n>` (form-encoded, unsigned) to check the URL.
      isPing: (raw, headers) =>
        !headers['x-wc-webhook-topic'] && /^webhook_id=\d+$/.test(raw.toString('utf8').trim()),
      deliveryId: (h) => h['x-wc-webhook-delivery-id'] ?? null,
      topic: (h) => h['x-wc-webhook-topic'] ?? null,
      accepts: (topic) => /^order\.(created|updated|restored)$/.test(topic),
      async orders(payload: Json) {
        return [payload as JsonObject];
      },
    },
  };
}
