import type { ChannelConnector, ConnectorStore } from '../../app/ports';
import { ChannelAuthError, ChannelRequestError } from '../../domain/channel-errors';
import { mapAmazonOrder } from '../../domain/channels/amazon-order';
import { parseChannelJson } from '../../domain/channels/channel-json';
import { isObject, obj, str } from '../../domain/channels/mapping';
import { RateBucket, amazonRateLimit } from '../../domain/channels/throttle';
import type { JsonObject } from '../../domain/order';
import { AccessTokens, oauthErrorMessage, readTokenResponse, refusedRefresh } from './access-tokens';
import type { ChannelResponse, ChannelTransport } from './http-transport';
import { NO_WEBHOOKS } from './no-webhooks';

export const AMAZON_PAGE_SIZE = 100;
/** LastUpdatedBefore must be at least two minutes before the request (both API versions). */
export const AMAZON_WINDOW_LAG_MS = 2 * 60_000 + 5_000;

type Operation = 'getOrders' | 'getOrderBuyerInfo' | 'getOrderAddress' | 'searchOrders';

/** The default usage plans (burst, requests per second) of Amazon's models; the header may say otherwise. */
const PLANS: Record<Operation, [burst: number, rate: number]> = {
  getOrders: [20, 0.0167],
  getOrderBuyerInfo: [30, 0.5],
  getOrderAddress: [30, 0.5],
  searchOrders: [20, 0.0056],
};

/** SP-API error bodies: `{"errors": [{"code": "QuotaExceeded", "message": "…"}]}`. */
function amazonMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as { errors?: Array<{ code?: string; message?: string }> };
    const e = b.errors?.[0];
    if (e) return [e.code, e.message].filter(Boolean).join(': ');
  } catch {
    /* not JSON */
  }
  return null;
}

const marketplaces = (store: ConnectorStore) =>
  String(store.settings.marketplaceIds ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .join(',');

/**
 * Amazon through the Selling Partner API, either version per store (`settings.apiVersion`; v0 is
 * retired on 2027-03-27):
 * - v0: `getOrders` by `LastUpdatedAfter`/`LastUpdatedBefore`, 100 a page, `NextToken`; an order
 *   whose buyer email or street address getOrders left out (no Restricted Data Token) gets them
 *   from `getOrderBuyerInfo` / `getOrderAddress`.
 * - 2026-01-01: `searchOrders` by `lastUpdatedAfter`/`lastUpdatedBefore` with
 *   `includedData=BUYER,RECIPIENT,FULFILLMENT,PROCEEDS`, `paginationToken`.
 *
 * Windows end at least two minutes in the past (`windowEndLagMs`), in UTC. Each operation has its
 * own usage plan per store (rate and burst, a token bucket, the rate taken from
 * `x-amzn-RateLimit-Limit`); a 429 `QuotaExceeded` empties the bucket and waits for the next token.
 * Auth: Login with Amazon exchanges the store's refresh token (with the app's client id and
 * secret) for a 1-hour access token, sent as `x-amz-access-token`.
 */
export function amazonConnector(opts: {
  transport: ChannelTransport;
  /** `{region}` is replaced by the store's region (na, eu, fe). */
  baseUrl: string;
  lwaUrl: string;
  tokens?: AccessTokens;
}): ChannelConnector {
  const tokens = opts.tokens ?? new AccessTokens();
  const buckets = new Map<string, RateBucket>();
  const origin = (store: ConnectorStore) =>
    opts.baseUrl.replace('{region}', String(store.settings.region ?? 'na')).replace(/\/+$/, '');

  const mint = async (store: ConnectorStore, signal?: AbortSignal) => {
    const c = store.credentials;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: c.refreshToken ?? '',
      client_id: c.clientId ?? '',
      client_secret: c.clientSecret ?? '',
    });
    try {
      const res = await opts.transport.request({
        channel: 'amazon',
        storeId: store.id,
        signal,
        method: 'POST',
        url: opts.lwaUrl,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: form.toString(),
        errorMessage: oauthErrorMessage,
      });
      return readTokenResponse('amazon', res);
    } catch (err) {
      throw refusedRefresh('amazon', err);
    }
  };

  /** One SP-API call, paced by the operation's bucket; a token refused before its time is minted again, once. */
  const call = async (store: ConnectorStore, op: Operation, url: string, signal?: AbortSignal) => {
    const key = `${store.id}:${op}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = new RateBucket(PLANS[op][0], PLANS[op][1], Date.now());
      buckets.set(key, bucket);
    }
    const b = bucket;
    const reported = (r: ChannelResponse) => {
      const rate = amazonRateLimit(r.headers['x-amzn-ratelimit-limit']);
      if (rate) b.setRate(rate, Date.now());
    };
    await opts.transport.delay(b.take(Date.now()), signal);
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get(
        store.id,
        [
          store.credentials.clientId ?? '',
          store.credentials.clientSecret ?? '',
          store.credentials.refreshToken ?? '',
        ],
        () => mint(store, signal),
      );
      try {
        return await opts.transport.request({
          channel: 'amazon',
          // Throttling is per store and operation: a slow getOrderBuyerInfo never holds getOrders.
          storeId: key,
          signal,
          url,
          headers: { 'x-amz-access-token': token },
          errorMessage: amazonMessage,
          throttledWaitMs: (r) => {
            reported(r);
            return b.drain(Date.now());
          },
          signals: (r) => {
            reported(r);
            return {};
          },
        });
      } catch (err) {
        if (!(err instanceof ChannelAuthError) || attempt > 1) throw err;
        tokens.forget(store.id);
      }
    }
  };

  const payloadOf = (res: ChannelResponse, what: string): JsonObject => {
    const body = parseChannelJson(res.body);
    const payload = isObject(body) ? obj(body.payload) : null;
    if (!payload)
      throw new ChannelRequestError('amazon', res.status, `Amazon answered ${what} without a payload`);
    return payload;
  };

  /** v0: fills in what getOrders left out (no Restricted Data Token) from the order's own resources. */
  const complete = async (
    store: ConnectorStore,
    o: JsonObject,
    signal?: AbortSignal,
  ): Promise<JsonObject> => {
    const id = encodeURIComponent(String(o.AmazonOrderId));
    let out = o;
    if (!str(obj(o.BuyerInfo)?.BuyerEmail)) {
      const p = payloadOf(
        await call(store, 'getOrderBuyerInfo', `${origin(store)}/orders/v0/orders/${id}/buyerInfo`, signal),
        'getOrderBuyerInfo',
      );
      const { AmazonOrderId: _id, ...info } = p;
      out = { ...out, BuyerInfo: { ...(obj(o.BuyerInfo) ?? {}), ...info } };
    }
    if (!str(obj(o.ShippingAddress)?.AddressLine1)) {
      const p = payloadOf(
        await call(store, 'getOrderAddress', `${origin(store)}/orders/v0/orders/${id}/address`, signal),
        'getOrderAddress',
      );
      if (obj(p.ShippingAddress)) out = { ...out, ShippingAddress: p.ShippingAddress! };
    }
    return out;
  };

  return {
    channel: 'amazon',
    windowEndLagMs: AMAZON_WINDOW_LAG_MS,
    async fetchPage(store, window, cursor, signal) {
      const ids = marketplaces(store);
      if (store.settings.apiVersion === 'v0') {
        const q = new URLSearchParams({ MarketplaceIds: ids });
        if (cursor) q.set('NextToken', cursor);
        else {
          q.set('LastUpdatedAfter', window.from.toISOString());
          q.set('LastUpdatedBefore', window.to.toISOString());
          q.set('MaxResultsPerPage', String(AMAZON_PAGE_SIZE));
        }
        const payload = payloadOf(
          await call(store, 'getOrders', `${origin(store)}/orders/v0/orders?${q}`, signal),
          'getOrders',
        );
        const orders = (Array.isArray(payload.Orders) ? payload.Orders : []).filter(isObject);
        const complete_: JsonObject[] = [];
        for (const o of orders) complete_.push(await complete(store, o, signal));
        return { orders: complete_, next: str(payload.NextToken) };
      }
      const q = new URLSearchParams({
        marketplaceIds: ids,
        lastUpdatedAfter: window.from.toISOString(),
        lastUpdatedBefore: window.to.toISOString(),
        includedData: 'BUYER,RECIPIENT,FULFILLMENT,PROCEEDS',
        maxResultsPerPage: String(AMAZON_PAGE_SIZE),
      });
      if (cursor) q.set('paginationToken', cursor);
      const res = await call(store, 'searchOrders', `${origin(store)}/orders/2026-01-01/orders?${q}`, signal);
      const body = parseChannelJson(res.body);
      if (!isObject(body) || !Array.isArray(body.orders))
        throw new ChannelRequestError(
          'amazon',
          res.status,
          'Amazon answered searchOrders without an orders list',
        );
      return {
        orders: body.orders.filter(isObject),
        next: str(obj(body.pagination)?.nextToken),
      };
    },
    mapOrder: mapAmazonOrder,
    webhook: NO_WEBHOOKS,
  };
}
