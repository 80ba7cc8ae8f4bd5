import { timingSafeEqual } from 'node:crypto';
import type { ChannelConnector, ConnectorStore } from '../../app/ports';
import { ChannelRequestError } from '../../domain/channel-errors';
import { mapBigCommerceOrder } from '../../domain/channels/bigcommerce-order';
import { parseChannelJson } from '../../domain/channels/channel-json';
import { idOf, isObject, obj, rfc2822Instant, str } from '../../domain/channels/mapping';
import { bigCommerceWaitMs } from '../../domain/channels/throttle';
import type { Json, JsonObject } from '../../domain/order';
import type { ChannelResponse, ChannelTransport } from './http-transport';

/** Orders v2 returns at most 250 orders a page. */
export const BIGCOMMERCE_PAGE_SIZE = 250;
/** The header a store's webhooks carry the store's webhook secret in (set at subscription). */
export const BIGCOMMERCE_WEBHOOK_HEADER = 'X-Webhook-Secret';

/** Where the window stands: orders modified at or after `after` (ISO, whole seconds), page `page`, minus `skip`. */
interface BigCommerceCursor {
  after: string;
  page: number;
  skip: string[];
}

/** BigCommerce v2 error bodies: `[{"status": 401, "message": "…"}]` (v3: `{"title": "…"}`). */
function bigCommerceMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as unknown;
    const first = Array.isArray(b)
      ? (b[0] as { message?: unknown })
      : (b as { title?: unknown; message?: unknown });
    const m = (first as { message?: unknown }).message ?? (first as { title?: unknown }).title;
    if (typeof m === 'string') return m;
  } catch {
    /* not JSON */
  }
  return null;
}

/** RFC 2822 in UTC, as the v2 API reads and writes dates: `Mon, 11 Mar 2019 15:17:25 +0000`. */
export const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/** The JSON of an answer; 204 No Content (BigCommerce's empty page or list) is an empty list. */
const bodyOf = (res: ChannelResponse): Json =>
  res.status === 204 || !res.body.trim() ? [] : parseChannelJson(res.body);

/**
 * BigCommerce through its orders v2 API (`/stores/{store_hash}/v2/orders`, `X-Auth-Token`): the
 * window is `min_date_modified`/`max_date_modified`, `sort=date_modified:asc`, 250 a page; an
 * empty page may come back as 204. Page numbers alone would skip an order when another one
 * changes while we page, so each next page starts again at the last modification second seen
 * (skipping the orders already read at it); pages are counted only among orders of one second.
 * Each order's ship-to comes from its `shipping_addresses` sub-resource.
 *
 * The API quota is shared by every app of the store: `X-Rate-Limit-Requests-Left` at a quarter of
 * the window's quota or less pauses the store until `X-Rate-Limit-Time-Reset-Ms`; a 429 waits that
 * long too. Webhooks (`store/order/created|updated`) carry only the order id: they are
 * authenticated by the secret header set when subscribing, deduplicated by their `hash`, and the
 * order is fetched by the queue worker.
 */
export function bigCommerceConnector(opts: {
  transport: ChannelTransport;
  baseUrl: string;
  pageSize?: number;
}): ChannelConnector {
  const pageSize = opts.pageSize ?? BIGCOMMERCE_PAGE_SIZE;
  const base = (store: ConnectorStore) =>
    opts.baseUrl
      .replace('{storeHash}', encodeURIComponent(String(store.settings.storeHash ?? '')))
      .replace(/\/+$/, '');

  const get = (store: ConnectorStore, path: string, signal?: AbortSignal) =>
    opts.transport.request({
      channel: 'bigcommerce',
      storeId: store.id,
      signal,
      url: `${base(store)}${path}`,
      headers: { 'X-Auth-Token': store.credentials.accessToken ?? '' },
      errorMessage: bigCommerceMessage,
      signals: (r) => ({ pauseMs: bigCommerceWaitMs(r.headers) }),
      throttledWaitMs: (r) => {
        const reset = Number(r.headers['x-rate-limit-time-reset-ms']);
        return Number.isFinite(reset) && reset >= 0 ? Math.max(reset, 1) : null;
      },
    });

  /** The order's shipping addresses, from its sub-resource (none for a digital order). */
  const withShipping = async (
    store: ConnectorStore,
    o: JsonObject,
    signal?: AbortSignal,
  ): Promise<JsonObject> => {
    const id = idOf(o.id);
    if (!id || o.shipping_address_count === 0) return { ...o, shipping_addresses: [] };
    const list = bodyOf(await get(store, `/v2/orders/${id}/shipping_addresses`, signal));
    return { ...o, shipping_addresses: Array.isArray(list) ? list.filter(isObject) : [] };
  };

  return {
    channel: 'bigcommerce',
    async fetchPage(store, window, cursorText, signal) {
      const cursor: BigCommerceCursor = cursorText
        ? (JSON.parse(cursorText) as BigCommerceCursor)
        : {
            after: new Date(Math.floor(window.from.getTime() / 1000) * 1000).toISOString(),
            page: 1,
            skip: [],
          };
      const q = new URLSearchParams({
        // One second earlier: whether the API's minimum is inclusive or not, `after` itself is read.
        min_date_modified: rfc2822(new Date(Date.parse(cursor.after) - 1000)),
        max_date_modified: rfc2822(window.to),
        sort: 'date_modified:asc',
        limit: String(pageSize),
        page: String(cursor.page),
      });
      const res = await get(store, `/v2/orders?${q}`, signal);
      const body = bodyOf(res);
      if (!Array.isArray(body))
        throw new ChannelRequestError(
          'bigcommerce',
          res.status,
          'BigCommerce answered without an orders list',
        );
      const page = body.filter(isObject);
      const skip = new Set(cursor.skip);
      const orders: JsonObject[] = [];
      for (const o of page) if (!skip.has(String(o.id))) orders.push(await withShipping(store, o, signal));
      // A short page is the last; a full one may be followed by an empty one (204).
      if (page.length < pageSize) return { orders, next: null };
      const second = (o: JsonObject) => {
        try {
          return rfc2822Instant(o.date_modified, 'date_modified').toISOString();
        } catch {
          return cursor.after;
        }
      };
      const last = page.map(second).reduce((a, b) => (b > a ? b : a), cursor.after);
      const next: BigCommerceCursor =
        last > cursor.after
          ? { after: last, page: 1, skip: page.filter((o) => second(o) === last).map((o) => String(o.id)) }
          : { after: cursor.after, page: cursor.page + 1, skip: [] };
      return { orders, next: JSON.stringify(next) };
    },
    mapOrder: mapBigCommerceOrder,
    webhook: {
      secret: (c) => c.webhookSecret ?? null,
      verify: (_raw, headers, secret) => {
        const given = Buffer.from(headers[BIGCOMMERCE_WEBHOOK_HEADER.toLowerCase()] ?? '', 'utf8');
        const expected = Buffer.from(secret, 'utf8');
        return given.length === expected.length && timingSafeEqual(given, expected);
      },
      isPing: () => false,
      // The same event retried carries the same `hash` (SHA-1 of its data).
      deliveryId: (_h, raw) => {
        const b = safeJson(raw);
        return str(b?.hash) ? `hash:${str(b?.hash)}` : null;
      },
      topic: (_h, raw) => str(safeJson(raw)?.scope),
      accepts: (topic) => /^store\/order\/(created|updated|statusUpdated)$/.test(topic),
      async orders() {
        return [];
      },
      async fetch(payload, store, signal) {
        const id = idOf(obj(obj(payload)?.data)?.id);
        if (!id) throw new ChannelRequestError('bigcommerce', 0, 'BigCommerce webhook without data.id');
        let res: ChannelResponse;
        try {
          res = await get(store, `/v2/orders/${id}`, signal);
        } catch (err) {
          if (err instanceof ChannelRequestError && err.status === 404) return [];
          throw err;
        }
        const o = bodyOf(res);
        return isObject(o) ? [await withShipping(store, o, signal)] : [];
      },
    },
  };
}

function safeJson(raw: Buffer): JsonObject | null {
  try {
    return obj(JSON.parse(raw.toString('utf8')));
  } catch {
    return null;
  }
}
