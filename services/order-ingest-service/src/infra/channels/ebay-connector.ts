import type { ChannelConnector, ConnectorStore } from '../../app/ports';
import { ChannelAuthError, ChannelRequestError } from '../../domain/channel-errors';
import { parseChannelJson } from '../../domain/channels/channel-json';
import { mapEbayOrder } from '../../domain/channels/ebay-order';
import { isObject } from '../../domain/channels/mapping';
import type { JsonObject } from '../../domain/order';
import { AccessTokens, oauthErrorMessage, readTokenResponse, refusedRefresh } from './access-tokens';
import type { ChannelResponse, ChannelTransport } from './http-transport';
import { NO_WEBHOOKS } from './no-webhooks';

/** getOrders returns at most 200 orders a page (more is an error). */
export const EBAY_PAGE_SIZE = 200;
export const EBAY_DEFAULT_SCOPE = 'https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly';

/** Where the window stands: the offset of the next page and the total the last page reported. */
interface EbayCursor {
  offset: number;
  total: number;
}

/** eBay's error bodies: `{"errors": [{"errorId", "message", "longMessage"}]}`. */
function ebayMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as { errors?: Array<{ message?: string; longMessage?: string }> };
    const e = b.errors?.[0];
    if (e) return e.longMessage ?? e.message ?? null;
  } catch {
    /* not JSON */
  }
  return null;
}

/** `[from..to]` of a date filter: eBay's own ISO format, the brackets percent-encoded. */
export function ebayModifiedFilter(window: { from: Date; to: Date }): string {
  return `lastmodifieddate:%5B${window.from.toISOString()}..${window.to.toISOString()}%5D`;
}

/**
 * eBay through the Sell Fulfillment API v1 (`GET /sell/fulfillment/v1/order`): the window is
 * `filter=lastmodifieddate:[from..to]` (never with `creationdate`, which eBay would then use
 * alone), 200 a page, offset paging. An order changed while we page leaves the window, and every
 * later one moves one place forward: when a page reports a smaller `total` than the one before, the
 * page is read again that many places earlier (re-reading is harmless, R1.9), so nothing is skipped.
 *
 * Auth: a user access token (2 hours) minted from the store's refresh token with the app's
 * client id and secret, kept per store and refreshed ahead of expiry; a refused refresh token
 * makes the store `needs_attention`.
 */
export function ebayConnector(opts: {
  transport: ChannelTransport;
  baseUrl: string;
  tokens?: AccessTokens;
}): ChannelConnector {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const tokens = opts.tokens ?? new AccessTokens();

  const mint = async (store: ConnectorStore, signal?: AbortSignal) => {
    const c = store.credentials;
    const basic = Buffer.from(`${c.clientId ?? ''}:${c.clientSecret ?? ''}`).toString('base64');
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: c.refreshToken ?? '',
      scope: typeof store.settings.scope === 'string' ? store.settings.scope : EBAY_DEFAULT_SCOPE,
    });
    try {
      const res = await opts.transport.request({
        channel: 'ebay',
        storeId: store.id,
        signal,
        method: 'POST',
        url: `${base}/identity/v1/oauth2/token`,
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        errorMessage: oauthErrorMessage,
      });
      return readTokenResponse('ebay', res);
    } catch (err) {
      throw refusedRefresh('ebay', err);
    }
  };

  const accessToken = (store: ConnectorStore, signal?: AbortSignal) =>
    tokens.get(
      store.id,
      [
        store.credentials.clientId ?? '',
        store.credentials.clientSecret ?? '',
        store.credentials.refreshToken ?? '',
      ],
      () => mint(store, signal),
    );

  /** One GET with the store's token; a token refused before its time is minted again, once. */
  const get = async (store: ConnectorStore, url: string, signal?: AbortSignal) => {
    for (let attempt = 1; ; attempt++) {
      const token = await accessToken(store, signal);
      try {
        return await opts.transport.request({
          channel: 'ebay',
          storeId: store.id,
          signal,
          url,
          headers: { Authorization: `Bearer ${token}` },
          errorMessage: ebayMessage,
        });
      } catch (err) {
        if (!(err instanceof ChannelAuthError) || attempt > 1) throw err;
        tokens.forget(store.id);
      }
    }
  };

  const page = async (
    store: ConnectorStore,
    window: { from: Date; to: Date },
    offset: number,
    signal?: AbortSignal,
  ) => {
    const url =
      `${base}/sell/fulfillment/v1/order?filter=${ebayModifiedFilter(window)}` +
      `&limit=${EBAY_PAGE_SIZE}&offset=${offset}`;
    const res = await get(store, url, signal);
    const body = parseChannelJson(res.body);
    if (!isObject(body))
      throw new ChannelRequestError('ebay', res.status, 'eBay answered without an order collection');
    const orders = (Array.isArray(body.orders) ? body.orders : []).filter(isObject);
    const total = typeof body.total === 'number' ? body.total : offset + orders.length;
    return { orders, total };
  };

  return {
    channel: 'ebay',
    async fetchPage(store, window, cursorText, signal) {
      const cursor: EbayCursor | null = cursorText ? (JSON.parse(cursorText) as EbayCursor) : null;
      let offset = cursor?.offset ?? 0;
      let got = await page(store, window, offset, signal);
      // Orders left the window since the last page: the rest moved forward; read from earlier.
      if (cursor && got.total < cursor.total && offset > 0) {
        offset = Math.max(0, offset - (cursor.total - got.total));
        got = await page(store, window, offset, signal);
      }
      const nextOffset = offset + got.orders.length;
      const next: EbayCursor | null =
        got.orders.length > 0 && nextOffset < got.total ? { offset: nextOffset, total: got.total } : null;
      return { orders: got.orders as JsonObject[], next: next ? JSON.stringify(next) : null };
    },
    mapOrder: mapEbayOrder,
    webhook: NO_WEBHOOKS,
  };
}
