import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for the marketplaces of issue 18 — eBay's Sell Fulfillment API, Amazon's
 * Selling Partner API (Orders v0 and 2026-01-01, with Login with Amazon) and BigCommerce's orders
 * v2 — built from the channels' published contracts and samples (test/fixtures/channels): the same
 * paths, query parameters, paging, token endpoints, error bodies and rate-limit headers, with
 * faults on demand (429, a failing call, revoked credentials).
 */

type Order = Record<string, unknown>;

export interface MarketplaceRequest {
  method: string;
  path: string;
  /** The query string as sent (percent-encoding kept), then decoded. */
  rawQuery: string;
  query: Record<string, string>;
  status: number;
  /** When it was answered (ms since the epoch). */
  at: number;
}

export interface MarketplaceFaults {
  /** Answer the next order-list call with 429 (the channel's own throttling answer), once. */
  throttleOnce?: boolean;
  /** Answer the n-th order-list call (1-based, counted from when the fault is set) with a 500, once. */
  failListCallOnce?: number;
}

abstract class FakeMarketplace {
  protected readonly server: Server;
  readonly requests: MarketplaceRequest[] = [];
  faults: MarketplaceFaults = {};
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      void this.dispatch(req, res);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Calls to the order list endpoint (what a sync pages through). */
  listRequests(): MarketplaceRequest[] {
    return this.requests.filter((r) => this.isList(r.path));
  }

  protected abstract isList(path: string): boolean;

  protected abstract handle(
    req: IncomingMessage,
    body: string,
    url: URL,
    res: ServerResponse,
    record: () => void,
  ): Promise<void> | void;

  /** The channel's own 429 answer (body and headers). */
  protected abstract throttled(res: ServerResponse): void;

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const rawQuery = (req.url ?? '').split('?')[1] ?? '';
    const record = () =>
      this.requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        rawQuery,
        query: Object.fromEntries(url.searchParams),
        status: res.statusCode,
        at: Date.now(),
      });
    try {
      if (this.isList(url.pathname) && req.method === 'GET' && this.authorized(req)) {
        if (this.faults.throttleOnce) {
          delete this.faults.throttleOnce;
          this.throttled(res);
          return void record();
        }
        if (this.faults.failListCallOnce !== undefined) {
          if (--this.faults.failListCallOnce <= 0) {
            delete this.faults.failListCallOnce;
            res.statusCode = 500;
            res.setHeader('Content-Type', 'application/json');
            record();
            return void res.end(JSON.stringify({ errors: [{ message: 'Internal Server Error' }] }));
          }
        }
      }
      await this.handle(req, Buffer.concat(chunks).toString('utf8'), url, res, record);
    } catch (err) {
      res.statusCode = 500;
      record();
      res.end(JSON.stringify({ error: (err as Error).message }));
    }
  }

  /** Whether the request carries valid credentials (faults only hit authorized list calls). */
  protected abstract authorized(req: IncomingMessage): boolean;

  protected json(res: ServerResponse, status: number, body: unknown, record: () => void) {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    record();
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

// ------------------------------------------------------------------------------------------------
// eBay

export interface EbayBuyerSpec {
  /** `buyer.username` (or the immutable user id eBay puts in its place for some developers). */
  username: string;
  fullName?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: {
    addressLine1: string;
    city: string;
    stateOrProvince?: string;
    postalCode: string;
    countryCode: string;
  } | null;
}

/**
 * An eBay order in the shape of the Sell Fulfillment API's `components.schemas.Order` (tests
 * validate each against eBay's published OpenAPI contract before using it): `buyer.username`,
 * `buyer.buyerRegistrationAddress` (dropped fields simply absent, as eBay does after 14/90 days),
 * `fulfillmentStartInstructions[].shippingStep.shipTo`, money as strings.
 */
export function ebayOrder(spec: {
  orderId: string;
  buyer: EbayBuyerSpec;
  creationDate: string;
  lastModifiedDate?: string;
  total: string;
  currency?: string;
  fulfillment?: 'NOT_STARTED' | 'IN_PROGRESS' | 'FULFILLED';
  payment?: 'PAID' | 'PENDING' | 'FULLY_REFUNDED';
  shipTo?: { fullName: string; addressLine1: string; city: string; postalCode: string; countryCode: string };
  note?: string;
}): Order {
  const b = spec.buyer;
  const currency = spec.currency ?? 'USD';
  const address = b.address
    ? {
        addressLine1: b.address.addressLine1,
        city: b.address.city,
        ...(b.address.stateOrProvince ? { stateOrProvince: b.address.stateOrProvince } : {}),
        postalCode: b.address.postalCode,
        countryCode: b.address.countryCode,
      }
    : undefined;
  const registration: Order = {
    ...(b.fullName ? { fullName: b.fullName } : {}),
    ...(address ? { contactAddress: address } : {}),
    ...(b.phone ? { primaryPhone: { phoneNumber: b.phone } } : {}),
    ...(b.email ? { email: b.email } : {}),
  };
  const shipTo = spec.shipTo ?? (b.fullName && address ? { fullName: b.fullName, ...address } : null);
  return {
    orderId: spec.orderId,
    creationDate: spec.creationDate,
    lastModifiedDate: spec.lastModifiedDate ?? spec.creationDate,
    orderFulfillmentStatus: spec.fulfillment ?? 'NOT_STARTED',
    orderPaymentStatus: spec.payment ?? 'PAID',
    sellerId: 'acme_seller',
    buyer: {
      username: b.username,
      taxAddress: address
        ? {
            city: address.city,
            ...(address.stateOrProvince ? { stateOrProvince: address.stateOrProvince } : {}),
            postalCode: address.postalCode,
            countryCode: address.countryCode,
          }
        : undefined,
      buyerRegistrationAddress: Object.keys(registration).length ? registration : undefined,
    },
    ...(spec.note ? { buyerCheckoutNotes: spec.note } : {}),
    pricingSummary: {
      priceSubtotal: { value: spec.total, currency },
      deliveryCost: { value: '0.00', currency },
      total: { value: spec.total, currency },
    },
    cancelStatus: { cancelState: 'NONE_REQUESTED', cancelRequests: [] },
    paymentSummary: {
      totalDueSeller: { value: spec.total, currency },
      refunds: [],
      payments: [],
    },
    fulfillmentStartInstructions: shipTo
      ? [
          {
            fulfillmentInstructionsType: 'SHIP_TO',
            ebaySupportedFulfillment: false,
            shippingStep: {
              shippingCarrierCode: 'USPS',
              shippingServiceCode: 'USPSPriority',
              shipTo: {
                fullName: shipTo.fullName,
                contactAddress: {
                  addressLine1: shipTo.addressLine1,
                  city: shipTo.city,
                  postalCode: shipTo.postalCode,
                  countryCode: shipTo.countryCode,
                },
              },
            },
          },
        ]
      : [],
    fulfillmentHrefs: [],
    lineItems: [
      {
        lineItemId: `${spec.orderId}-1`,
        legacyItemId: '110551234567',
        title: 'Vintage camera strap',
        sku: 'STRAP-1',
        quantity: 1,
        lineItemCost: { value: spec.total, currency },
        total: { value: spec.total, currency },
        soldFormat: 'FIXED_PRICE',
        listingMarketplaceId: 'EBAY_US',
        purchaseMarketplaceId: 'EBAY_US',
        lineItemFulfillmentStatus: 'NOT_STARTED',
      },
    ],
    salesRecordReference: spec.orderId.slice(-4),
  };
}

/** Drops undefined members, as JSON does. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * eBay: `POST /identity/v1/oauth2/token` (refresh-token grant, HTTP Basic with the app's client
 * id and secret, 2-hour tokens) and `GET /sell/fulfillment/v1/order` with
 * `filter=lastmodifieddate:[from..to]` (inclusive; the brackets must arrive percent-encoded,
 * `creationdate` must not be combined), `limit` ≤ 200, `offset`; newest orders first.
 */
export class FakeEbay extends FakeMarketplace {
  private orders: Order[] = [];
  private readonly issued = new Set<string>();
  private tokenCount = 0;
  /** Called before a list page is answered (a test can change an order mid-sync here). */
  beforeListPage?: (offset: number) => void;

  constructor(
    public creds: { clientId: string; clientSecret: string; refreshToken: string },
    public pageSize = 200,
  ) {
    super();
  }

  seed(orders: Order[]): this {
    this.orders = orders.map(plain);
    return this;
  }

  /** The order as eBay holds it now. */
  order(id: string): Order {
    const o = this.orders.find((x) => x.orderId === id);
    if (!o) throw new Error(`no eBay order ${id}`);
    return o;
  }

  /** Adds or replaces an order (a new sale, or a change: give it a newer lastModifiedDate). */
  put(order: Order): void {
    const o = plain(order);
    const i = this.orders.findIndex((x) => x.orderId === o.orderId);
    if (i >= 0) this.orders[i] = o;
    else this.orders.push(o);
  }

  /** Every access token issued so far stops working (as if they expired). */
  expireTokens(): void {
    this.issued.clear();
  }

  get tokensIssued(): number {
    return this.tokenCount;
  }

  protected isList(path: string) {
    return path === '/sell/fulfillment/v1/order';
  }

  protected authorized(req: IncomingMessage) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return Boolean(m && this.issued.has(m[1]!));
  }

  protected throttled(res: ServerResponse) {
    res.statusCode = 429;
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        errors: [
          {
            errorId: 2001,
            domain: 'ACCESS',
            category: 'REQUEST',
            message: 'Too many requests. The request limit has been reached for the resource.',
          },
        ],
      }),
    );
  }

  protected handle(req: IncomingMessage, body: string, url: URL, res: ServerResponse, record: () => void) {
    if (url.pathname === '/identity/v1/oauth2/token' && req.method === 'POST') {
      const basic = `Basic ${Buffer.from(`${this.creds.clientId}:${this.creds.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== basic)
        return this.json(
          res,
          401,
          { error: 'invalid_client', error_description: 'client authentication failed' },
          record,
        );
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.creds.refreshToken)
        return this.json(
          res,
          400,
          {
            error: 'invalid_grant',
            error_description:
              'the provided authorization refresh token is invalid or was issued to another client',
          },
          record,
        );
      const token = `v^1.1#i^1#fake${++this.tokenCount}`;
      this.issued.add(token);
      return this.json(
        res,
        200,
        { access_token: token, expires_in: 7200, token_type: 'User Access Token' },
        record,
      );
    }
    if (!this.isList(url.pathname))
      return this.json(res, 404, { errors: [{ errorId: 2002, message: 'Resource not found' }] }, record);
    if (!this.authorized(req))
      return this.json(
        res,
        401,
        {
          errors: [
            {
              errorId: 1001,
              domain: 'OAuth',
              category: 'REQUEST',
              message: 'Invalid access token',
              longMessage: 'Invalid access token. Check the value of the Authorization HTTP request header.',
            },
          ],
        },
        record,
      );
    const raw = (req.url ?? '').split('?')[1] ?? '';
    const filter = url.searchParams.get('filter') ?? '';
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const bad = (message: string) =>
      this.json(
        res,
        400,
        { errors: [{ errorId: 30700, domain: 'API_FULFILLMENT', category: 'REQUEST', message }] },
        record,
      );
    if (!/filter=lastmodifieddate:%5B[^&]*%5D/.test(raw))
      return bad('Invalid filter: the brackets must be URL-encoded');
    if (filter.includes('creationdate')) return bad('creationdate and lastmodifieddate were both given');
    if (!(limit >= 1 && limit <= 200)) return bad('Invalid limit. Supported range is 1-200.');
    const m = /^lastmodifieddate:\[([^\]]*?)\.\.([^\]]*)\]$/.exec(filter);
    if (!m) return bad('Invalid filter');
    const from = Date.parse(m[1]!);
    const to = m[2] ? Date.parse(m[2]) : Infinity;
    this.beforeListPage?.(offset);
    const matching = this.orders
      .filter((o) => {
        const t = Date.parse(String(o.lastModifiedDate));
        return t >= from && t <= to;
      })
      .sort(
        (a, b) =>
          Date.parse(String(b.creationDate)) - Date.parse(String(a.creationDate)) ||
          String(a.orderId).localeCompare(String(b.orderId)),
      );
    const size = Math.min(limit, this.pageSize);
    const page = matching.slice(offset, offset + size);
    const href = `${this.url}${url.pathname}?${raw}`;
    return this.json(
      res,
      200,
      {
        href,
        total: matching.length,
        limit: size,
        offset,
        orders: page,
        ...(offset + size < matching.length
          ? { next: href.replace(/offset=\d+/, `offset=${offset + size}`) }
          : {}),
      },
      record,
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Amazon

export interface AmazonBuyerSpec {
  /** The relayed buyer email; null: Amazon withholds it (no PII role, some business orders). */
  email: string | null;
  name: string | null;
  address: {
    name: string;
    line1: string;
    city: string;
    state: string;
    postalCode: string;
    country: string;
    phone?: string;
  };
}

/**
 * An Orders API v0 order built from Amazon's own getOrders example
 * (`amazon/getOrders-response-example-ordersV0.json`): the same fields, with this order's id,
 * dates, status, total and buyer.
 */
export function amazonV0Order(
  sample: Order,
  spec: {
    id: string;
    purchaseDate: string;
    lastUpdateDate?: string;
    status?: string;
    total?: string;
    buyer: AmazonBuyerSpec;
  },
): Order {
  const o = plain(sample);
  const a = spec.buyer.address;
  return {
    ...o,
    AmazonOrderId: spec.id,
    PurchaseDate: spec.purchaseDate,
    LastUpdateDate: spec.lastUpdateDate ?? spec.purchaseDate,
    OrderStatus: spec.status ?? 'Unshipped',
    ...(spec.total ? { OrderTotal: { CurrencyCode: 'USD', Amount: spec.total } } : {}),
    ShippingAddress: {
      Name: a.name,
      AddressLine1: a.line1,
      City: a.city,
      StateOrRegion: a.state,
      PostalCode: a.postalCode,
      CountryCode: a.country,
      ...(a.phone ? { Phone: a.phone } : {}),
    },
    BuyerInfo: {
      ...(spec.buyer.email ? { BuyerEmail: spec.buyer.email } : {}),
      ...(spec.buyer.name ? { BuyerName: spec.buyer.name } : {}),
    },
  };
}

/**
 * An Orders API 2026-01-01 order built from Amazon's own searchOrders example
 * (`amazon/searchOrders-response-example-orders_2026-01-01.json`).
 */
export function amazon2026Order(
  sample: Order,
  spec: {
    id: string;
    createdTime: string;
    lastUpdatedTime?: string;
    status?: string;
    total?: string;
    buyer: AmazonBuyerSpec;
  },
): Order {
  const o = plain(sample);
  const a = spec.buyer.address;
  const part = (k: string) => (o[k] ?? {}) as Order;
  o.orderId = spec.id;
  o.createdTime = spec.createdTime;
  o.lastUpdatedTime = spec.lastUpdatedTime ?? spec.createdTime;
  o.buyer = {
    ...(spec.buyer.name ? { buyerName: spec.buyer.name } : {}),
    ...(spec.buyer.email ? { buyerEmail: spec.buyer.email } : {}),
  };
  o.recipient = {
    ...part('recipient'),
    deliveryAddress: {
      name: a.name,
      addressLine1: a.line1,
      addressLine2: '',
      city: a.city,
      stateOrRegion: a.state,
      postalCode: a.postalCode,
      countryCode: a.country,
      ...(a.phone ? { phone: a.phone } : {}),
      addressType: 'RESIDENTIAL',
    },
  };
  if (spec.status) o.fulfillment = { ...part('fulfillment'), fulfillmentStatus: spec.status };
  if (spec.total)
    o.proceeds = { ...part('proceeds'), grandTotal: { amount: spec.total, currencyCode: 'USD' } };
  return o;
}

const amazonError = (code: string, message: string, details = '') => ({
  errors: [{ code, message, details }],
});

/**
 * Amazon: Login with Amazon (`POST /auth/o2/token`, refresh-token grant, 1-hour tokens) and the
 * Selling Partner API Orders v0 (`GET /orders/v0/orders` by `LastUpdatedAfter`/`Before` and
 * `NextToken`, `…/{id}/buyerInfo`, `…/{id}/address`) and 2026-01-01 (`GET /orders/2026-01-01/orders`
 * with `includedData` and `paginationToken`). `LastUpdatedBefore` later than two minutes ago is
 * refused (400 InvalidInput), as Amazon does; every answer carries `x-amzn-RateLimit-Limit`.
 * `restricted`: getOrders leaves out the buyer's email and street (no Restricted Data Token), so
 * the connector must ask buyerInfo and address.
 */
export class FakeAmazon extends FakeMarketplace {
  v0: Order[] = [];
  orders2026: Order[] = [];
  restricted = false;
  private readonly issued = new Set<string>();
  private tokenCount = 0;
  /** x-amzn-RateLimit-Limit per operation (requests per second). */
  rateLimits: Record<string, string> = {
    getOrders: '0.0167',
    getOrderBuyerInfo: '0.5',
    getOrderAddress: '0.5',
    searchOrders: '0.0056',
  };

  constructor(
    public creds: { clientId: string; clientSecret: string; refreshToken: string },
    public pageSize = 100,
  ) {
    super();
  }

  get tokensIssued(): number {
    return this.tokenCount;
  }

  expireTokens(): void {
    this.issued.clear();
  }

  /** Adds or replaces an order of either version (by its id). */
  put(order: Order): void {
    const o = plain(order);
    const list = 'AmazonOrderId' in o ? this.v0 : this.orders2026;
    const id = (x: Order) => x.AmazonOrderId ?? x.orderId;
    const i = list.findIndex((x) => id(x) === id(o));
    if (i >= 0) list[i] = o;
    else list.push(o);
  }

  protected isList(path: string) {
    return path === '/orders/v0/orders' || path === '/orders/2026-01-01/orders';
  }

  protected authorized(req: IncomingMessage) {
    return this.issued.has(String(req.headers['x-amz-access-token'] ?? ''));
  }

  protected throttled(res: ServerResponse) {
    res.statusCode = 429;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('x-amzn-RateLimit-Limit', '20');
    res.end(
      JSON.stringify(amazonError('QuotaExceeded', 'You exceeded your quota for the requested resource.')),
    );
  }

  protected handle(req: IncomingMessage, body: string, url: URL, res: ServerResponse, record: () => void) {
    if (url.pathname === '/auth/o2/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      if (
        form.get('client_id') !== this.creds.clientId ||
        form.get('client_secret') !== this.creds.clientSecret
      )
        return this.json(
          res,
          401,
          { error: 'invalid_client', error_description: 'Client authentication failed' },
          record,
        );
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.creds.refreshToken)
        return this.json(
          res,
          400,
          {
            error_description: 'The request has an invalid grant parameter : refresh_token',
            error: 'invalid_grant',
          },
          record,
        );
      const token = `Atza|fake${++this.tokenCount}`;
      this.issued.add(token);
      return this.json(
        res,
        200,
        {
          access_token: token,
          refresh_token: this.creds.refreshToken,
          token_type: 'bearer',
          expires_in: 3600,
        },
        record,
      );
    }
    if (!this.authorized(req))
      return this.json(
        res,
        403,
        amazonError('Unauthorized', 'Access to requested resource is denied.'),
        record,
      );
    const q = url.searchParams;
    const tooLate = (before: string | null) =>
      before !== null && Date.parse(before) > Date.now() - 2 * 60_000;
    const page = <T>(list: T[], token: string | null) => {
      const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
      const rows = list.slice(offset, offset + this.pageSize);
      const next =
        offset + this.pageSize < list.length
          ? Buffer.from(String(offset + this.pageSize)).toString('base64url')
          : null;
      return { rows, next };
    };
    const inWindow = (t: unknown, after: string | null, before: string | null) => {
      const ms = Date.parse(String(t));
      return (!after || ms >= Date.parse(after)) && (!before || ms <= Date.parse(before));
    };
    let m: RegExpExecArray | null;
    if (url.pathname === '/orders/v0/orders') {
      res.setHeader('x-amzn-RateLimit-Limit', this.rateLimits.getOrders!);
      if (!q.get('MarketplaceIds'))
        return this.json(res, 400, amazonError('InvalidInput', 'Missing required MarketplaceIds'), record);
      const token = q.get('NextToken');
      // With NextToken the window is the first call's (encoded in the token here).
      const state = token
        ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
            after: string;
            before: string;
            offset: number;
          })
        : { after: q.get('LastUpdatedAfter'), before: q.get('LastUpdatedBefore'), offset: 0 };
      if (!token && !state.after)
        return this.json(
          res,
          400,
          amazonError('InvalidInput', 'Either CreatedAfter or LastUpdatedAfter must be specified'),
          record,
        );
      if (!token && tooLate(state.before))
        return this.json(
          res,
          400,
          amazonError(
            'InvalidInput',
            'Invalid Input',
            'LastUpdatedBefore must be at least 2 minutes before the request',
          ),
          record,
        );
      const matching = this.v0
        .filter((o) => inWindow(o.LastUpdateDate, state.after!, state.before))
        .sort((a, b) => Date.parse(String(a.LastUpdateDate)) - Date.parse(String(b.LastUpdateDate)));
      const rows = matching.slice(state.offset, state.offset + this.pageSize).map((o) => this.restrict(o));
      const more = state.offset + this.pageSize < matching.length;
      return this.json(
        res,
        200,
        {
          payload: {
            Orders: rows,
            ...(more
              ? {
                  NextToken: Buffer.from(
                    JSON.stringify({ ...state, offset: state.offset + this.pageSize }),
                  ).toString('base64url'),
                }
              : {}),
            LastUpdatedBefore: state.before,
          },
        },
        record,
      );
    }
    if ((m = /^\/orders\/v0\/orders\/([^/]+)\/(buyerInfo|address)$/.exec(url.pathname))) {
      const op = m[2] === 'buyerInfo' ? 'getOrderBuyerInfo' : 'getOrderAddress';
      res.setHeader('x-amzn-RateLimit-Limit', this.rateLimits[op]!);
      const o = this.v0.find((x) => x.AmazonOrderId === decodeURIComponent(m![1]!));
      if (!o) return this.json(res, 404, amazonError('NotFound', 'Order not found'), record);
      const payload =
        m[2] === 'buyerInfo'
          ? { AmazonOrderId: o.AmazonOrderId, ...(o.BuyerInfo as Order) }
          : { AmazonOrderId: o.AmazonOrderId, ShippingAddress: o.ShippingAddress };
      return this.json(res, 200, { payload }, record);
    }
    if (url.pathname === '/orders/2026-01-01/orders') {
      res.setHeader('x-amzn-RateLimit-Limit', this.rateLimits.searchOrders!);
      const after = q.get('lastUpdatedAfter');
      const before = q.get('lastUpdatedBefore');
      if (!after)
        return this.json(
          res,
          400,
          amazonError('InvalidInput', 'lastUpdatedAfter or createdAfter is required'),
          record,
        );
      if (tooLate(before))
        return this.json(
          res,
          400,
          amazonError(
            'InvalidInput',
            'Invalid Input',
            'lastUpdatedBefore must be at least two minutes before the time of the request',
          ),
          record,
        );
      const included = new Set((q.get('includedData') ?? '').split(','));
      const matching = this.orders2026
        .filter((o) => inWindow(o.lastUpdatedTime, after, before))
        .sort((a, b) => Date.parse(String(a.lastUpdatedTime)) - Date.parse(String(b.lastUpdatedTime)));
      const { rows, next } = page(matching, q.get('paginationToken'));
      const shaped = rows.map((o) => {
        const out: Order = { ...o };
        for (const [key, set] of [
          ['buyer', 'BUYER'],
          ['recipient', 'RECIPIENT'],
          ['fulfillment', 'FULFILLMENT'],
          ['proceeds', 'PROCEEDS'],
          ['packages', 'PACKAGES'],
          ['fulfillmentOrders', 'FULFILLMENT_ORDERS'],
        ] as const)
          if (!included.has(set)) delete out[key];
        return out;
      });
      return this.json(
        res,
        200,
        { orders: shaped, ...(next ? { pagination: { nextToken: next } } : {}), lastUpdatedBefore: before },
        record,
      );
    }
    return this.json(res, 404, amazonError('NotFound', 'Resource not found'), record);
  }

  /** getOrders without a Restricted Data Token: no buyer email or name, only the coarse address. */
  private restrict(o: Order): Order {
    if (!this.restricted) return o;
    const a = (o.ShippingAddress ?? {}) as Order;
    return {
      ...o,
      BuyerInfo: {},
      ShippingAddress: {
        City: a.City,
        StateOrRegion: a.StateOrRegion,
        PostalCode: a.PostalCode,
        CountryCode: a.CountryCode,
      },
    };
  }
}

// ------------------------------------------------------------------------------------------------
// BigCommerce

/** RFC 2822 in UTC, as BigCommerce's v2 API writes dates. */
export const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/**
 * A BigCommerce v2 order built from BigCommerce's own sample (`bigcommerce/order-218-v2-sample.json`):
 * the same fields, with this order's id, buyer, dates (RFC 2822), total and status.
 */
export function bigCommerceOrder(
  sample: Order,
  spec: {
    id: number;
    customerId: number;
    email: string;
    firstName: string;
    lastName: string;
    created: Date;
    modified?: Date;
    total: string;
    statusId?: number;
    message?: string;
  },
): Order {
  const o = plain(sample);
  return {
    ...o,
    id: spec.id,
    customer_id: spec.customerId,
    date_created: rfc2822(spec.created),
    date_modified: rfc2822(spec.modified ?? spec.created),
    status_id: spec.statusId ?? 11,
    status: spec.statusId === 2 ? 'Shipped' : 'Awaiting Fulfillment',
    total_inc_tax: spec.total,
    customer_message: spec.message ?? '',
    billing_address: {
      ...(o.billing_address as Order),
      first_name: spec.firstName,
      last_name: spec.lastName,
      email: spec.email,
    },
  };
}

const bcError = (status: number, message: string) => [{ status, message }];

/**
 * BigCommerce: `GET /stores/{hash}/v2/orders` by `min_date_modified`/`max_date_modified` (RFC 2822,
 * inclusive), `sort=date_modified:asc`, `limit` ≤ 250, `page` — an empty page is 204 No Content —
 * `GET …/v2/orders/{id}` and `…/v2/orders/{id}/shipping_addresses`, `X-Auth-Token`. Every answer
 * carries the shared quota (`X-Rate-Limit-Requests-Left` of `-Quota`, `-Time-Reset-Ms`);
 * `otherAppsUse` is what the store's other apps spend of each window.
 */
export class FakeBigCommerce extends FakeMarketplace {
  orders: Order[] = [];
  shipping = new Map<string, Order[]>();
  quota = { perWindow: 150, windowMs: 30_000, otherAppsUse: 0, resetMs: 0 };
  private used = 0;
  private windowStart = Date.now();

  constructor(
    public storeHash: string,
    public accessToken: string,
    public pageSize = 250,
  ) {
    super();
  }

  /** Adds or replaces an order, with its shipping addresses (the sub-resource). */
  put(order: Order, shippingAddresses: Order[] = []): void {
    const o = plain(order);
    const i = this.orders.findIndex((x) => x.id === o.id);
    if (i >= 0) this.orders[i] = o;
    else this.orders.push(o);
    if (shippingAddresses.length || !this.shipping.has(String(o.id)))
      this.shipping.set(
        String(o.id),
        shippingAddresses.map((a) => ({ ...plain(a), order_id: o.id })),
      );
  }

  order(id: number): Order {
    const o = this.orders.find((x) => x.id === id);
    if (!o) throw new Error(`no BigCommerce order ${id}`);
    return o;
  }

  protected isList(path: string) {
    return path === `/stores/${this.storeHash}/v2/orders`;
  }

  protected authorized(req: IncomingMessage) {
    return req.headers['x-auth-token'] === this.accessToken;
  }

  protected throttled(res: ServerResponse) {
    res.statusCode = 429;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Rate-Limit-Time-Reset-Ms', '25');
    res.setHeader('X-Rate-Limit-Requests-Left', '0');
    res.setHeader('X-Rate-Limit-Requests-Quota', String(this.quota.perWindow));
    res.end(JSON.stringify(bcError(429, 'Too many requests')));
  }

  private rateHeaders(res: ServerResponse) {
    const now = Date.now();
    if (now - this.windowStart >= this.quota.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used++;
    const left = Math.max(0, this.quota.perWindow - this.quota.otherAppsUse - this.used);
    res.setHeader('X-Rate-Limit-Requests-Quota', String(this.quota.perWindow));
    res.setHeader('X-Rate-Limit-Requests-Left', String(left));
    res.setHeader('X-Rate-Limit-Time-Window-Ms', String(this.quota.windowMs));
    res.setHeader(
      'X-Rate-Limit-Time-Reset-Ms',
      String(this.quota.resetMs || Math.max(0, this.quota.windowMs - (now - this.windowStart))),
    );
  }

  protected handle(req: IncomingMessage, _body: string, url: URL, res: ServerResponse, record: () => void) {
    const prefix = `/stores/${this.storeHash}/v2`;
    if (!url.pathname.startsWith(`${prefix}/`))
      return this.json(res, 404, bcError(404, 'The requested resource was not found.'), record);
    if (!this.authorized(req))
      return this.json(res, 401, bcError(401, 'No access token or client ID specified.'), record);
    this.rateHeaders(res);
    const path = url.pathname.slice(prefix.length);
    const q = url.searchParams;
    const noContent = () => {
      res.statusCode = 204;
      record();
      res.end();
    };
    if (path === '/orders') {
      if (q.get('sort') !== 'date_modified:asc')
        return this.json(res, 400, bcError(400, 'The field sort is invalid'), record);
      const limit = Number(q.get('limit') ?? 50);
      if (!(limit >= 1 && limit <= 250))
        return this.json(res, 400, bcError(400, 'The field limit is invalid'), record);
      const page = Number(q.get('page') ?? 1);
      const min = q.get('min_date_modified');
      const max = q.get('max_date_modified');
      const rfc = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
      if ((min && !rfc.test(min)) || (max && !rfc.test(max)))
        return this.json(res, 400, bcError(400, 'The date filter must be RFC 2822'), record);
      const t = (o: Order) => Date.parse(String(o.date_modified));
      const size = Math.min(limit, this.pageSize);
      const rows = this.orders
        .filter((o) => (!min || t(o) >= Date.parse(min)) && (!max || t(o) <= Date.parse(max)))
        .sort((a, b) => t(a) - t(b) || Number(a.id) - Number(b.id))
        .slice((page - 1) * size, page * size);
      return rows.length ? this.json(res, 200, rows, record) : noContent();
    }
    const m = /^\/orders\/(\d+)(\/shipping_?addresses)?$/.exec(path);
    if (m) {
      const o = this.orders.find((x) => String(x.id) === m[1]);
      if (!o) return this.json(res, 404, bcError(404, 'The requested resource was not found.'), record);
      if (!m[2]) return this.json(res, 200, o, record);
      const list = this.shipping.get(String(o.id)) ?? [];
      return list.length ? this.json(res, 200, list, record) : noContent();
    }
    return this.json(res, 404, bcError(404, 'The requested resource was not found.'), record);
  }
}
