import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LosslessNumber, isSafeNumber, parse } from 'lossless-json';
import { fixturePath } from './fixtures';

/**
 * Local stand-ins for a Shopify shop and a WooCommerce site, serving the channels' published
 * sample orders (test/fixtures/channels) through the same endpoints, filters, ordering and
 * pagination the real APIs have, with faults on demand: a 429 with Retry-After, a 500 on a page,
 * revoked credentials. Orders are kept losslessly (Shopify's 64-bit ids survive the round trip).
 */

type Order = Record<string, unknown>;

export interface FakeFaults {
  /** Answer the next list request with 429 and this Retry-After (seconds), once. */
  throttleOnce?: string;
  /** Answer the request for this page (1-based, within one sync) with a 500, once. */
  failPageOnce?: number;
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  status: number;
}

abstract class FakeChannel {
  protected server: Server;
  protected orders: Order[] = [];
  readonly requests: RecordedRequest[] = [];
  faults: FakeFaults = {};
  /** Each order's JSON text, made once (a page of large orders is then a join, not a stringify). */
  private readonly texts = new WeakMap<Order, string>();
  /** Credentials the fake accepts; change them to simulate a revoked token. */
  abstract credentialsValid: (req: IncomingMessage) => boolean;
  url = '';

  constructor(readonly pageSize: number) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: err.message }));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The orders as the channel holds them (lossless JSON text of each). */
  orderJson(id: string): string {
    const o = this.orders.find((x) => String(x.id) === id);
    if (!o) throw new Error(`no order ${id}`);
    return this.textOf(o);
  }

  protected textOf(o: Order): string {
    let t = this.texts.get(o);
    if (t === undefined) {
      t = stringify(o);
      this.texts.set(o, t);
    }
    return t;
  }

  protected forget(o: Order): void {
    this.texts.delete(o);
  }

  protected listJson(orders: Order[]): string {
    return `[${orders.map((o) => this.textOf(o)).join(',')}]`;
  }

  get count(): number {
    return this.orders.length;
  }

  ids(): string[] {
    return this.orders.map((o) => String(o.id));
  }

  protected listRequests(): number {
    return this.requests.length;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Shared fault injection; true when the request was answered with a fault. */
  protected fault(res: ServerResponse, page: number, record: () => void): boolean {
    if (this.faults.throttleOnce !== undefined) {
      res.statusCode = 429;
      res.setHeader('Retry-After', this.faults.throttleOnce);
      delete this.faults.throttleOnce;
      record();
      res.end(
        JSON.stringify({
          errors:
            'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
        }),
      );
      return true;
    }
    if (this.faults.failPageOnce === page) {
      delete this.faults.failPageOnce;
      res.statusCode = 500;
      record();
      res.end(JSON.stringify({ errors: 'Internal Server Error' }));
      return true;
    }
    return false;
  }
}

// Orders are plain objects; only integers a double cannot hold (Shopify's 64-bit ids) are kept as
// LosslessNumber. Serializing goes through the native JSON with a placeholder for those, so a page
// of 250 large orders costs milliseconds, not the seconds a fully lossless stringify takes.
const BIG = '\u0000big:';
const readLossless = (...p: string[]) =>
  parse(readFileSync(fixturePath(...p), 'utf8'), null, (v: string) =>
    isSafeNumber(v) ? Number(v) : new LosslessNumber(v),
  ) as unknown;
const withPlaceholders = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (x instanceof LosslessNumber ? `${BIG}${x.value}` : x));
/** JSON text as the channel sends it: big integers as bare digits. */
const stringify = (v: unknown) => withPlaceholders(v).replace(/"\\u0000big:(-?\d+)"/g, '$1');
const clone = <T>(v: T): T =>
  JSON.parse(withPlaceholders(v), (_k, x: unknown) =>
    typeof x === 'string' && x.startsWith(BIG) ? new LosslessNumber(x.slice(BIG.length)) : x,
  ) as T;
const ms = (v: unknown) => Date.parse(String(v));

/** A Shopify shop: `GET /admin/api/{version}/orders.json`, cursor (Link header) pagination. */
export class FakeShopify extends FakeChannel {
  accessToken: string;
  /** Shopify's leaky bucket: 40 calls, 2 leak out per second. */
  private bucket = { level: 0, at: Date.now() };

  constructor(opts: { accessToken: string; pageSize?: number }) {
    super(opts.pageSize ?? 2);
    this.accessToken = opts.accessToken;
  }

  credentialsValid = (req: IncomingMessage) => req.headers['x-shopify-access-token'] === this.accessToken;

  /**
   * The three published Shopify orders (2025-07 GET, 2025-07 create response, the webhook docs
   * sample), plus `extra` copies of Bob's order with their own ids and customers, for volume.
   */
  seedPublished(extra = 0): this {
    const bob = (readLossless('shopify', 'order-get-450789469-rest-2025-07.json') as { order: Order }).order;
    const jane = (readLossless('shopify', 'order-create-response-jane-rest-2025-07.json') as { order: Order })
      .order;
    const sample = readLossless('shopify', 'orders-create-webhook-shopify-docs-sample.json') as Order;
    this.orders = [clone(bob), clone(jane), clone(sample)];
    for (let i = 1; i <= extra; i++) {
      const o = clone(bob);
      o.id = 5_000_000_000 + i;
      o.name = `#${10_000 + i}`;
      o.order_number = 10_000 + i;
      o.email = `buyer${i}@example.com`;
      o.contact_email = o.email;
      o.updated_at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + i * 1000).toISOString();
      const c = o.customer as Order;
      c.id = 7_000_000_000 + i;
      c.email = o.email;
      c.first_name = `Buyer${i}`;
      c.phone = null;
      this.orders.push(o);
    }
    return this;
  }

  /** A change made in the shop: fields merged, `updated_at` moved to `at` (default: one second ago). */
  change(id: string, patch: Order, at = new Date(Date.now() - 1000)): string {
    const o = this.orders.find((x) => String(x.id) === id);
    if (!o) throw new Error(`no order ${id}`);
    Object.assign(o, patch, { updated_at: at.toISOString().replace('.000Z', 'Z') });
    this.forget(o);
    return this.textOf(o);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const record = () => this.requests.push({ path: url.pathname, query, status: res.statusCode });
    if (!/^\/admin\/api\/\d{4}-\d{2}\/orders\.json$/.test(url.pathname)) {
      res.statusCode = 404;
      record();
      return void res.end(JSON.stringify({ errors: 'Not Found' }));
    }
    if (!this.credentialsValid(req)) {
      res.statusCode = 401;
      record();
      return void res.end(
        JSON.stringify({
          errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
        }),
      );
    }
    // The cursor says where the previous page ended (Shopify's page_info is opaque; so is ours).
    let filter: { min?: string; max?: string; after?: [number, string]; page: number };
    if (query.page_info) {
      filter = JSON.parse(Buffer.from(query.page_info, 'base64url').toString('utf8'));
      const extra = Object.keys(query).filter((k) => k !== 'page_info' && k !== 'limit');
      if (extra.length) {
        res.statusCode = 400;
        record();
        return void res.end(
          JSON.stringify({ errors: { page_info: [`cannot be combined with ${extra.join(', ')}`] } }),
        );
      }
    } else {
      if (query.order !== 'updated_at asc')
        throw new Error(`fake Shopify expects order=updated_at asc, got ${query.order}`);
      filter = { min: query.updated_at_min, max: query.updated_at_max, page: 1 };
    }
    if (this.fault(res, filter.page, record)) return;
    const now = Date.now();
    this.bucket = {
      level: Math.min(40, Math.max(0, this.bucket.level - ((now - this.bucket.at) / 1000) * 2) + 1),
      at: now,
    };
    res.setHeader('X-Shopify-Shop-Api-Call-Limit', `${Math.ceil(this.bucket.level)}/40`);
    const limit = Math.min(Number(query.limit ?? 50), 250, this.pageSize);
    const key = (o: Order): [number, string] => [ms(o.updated_at), String(o.id).padStart(24, '0')];
    const after = filter.after;
    const rest = this.orders
      .map((o) => ({ o, k: key(o) }))
      .filter(
        ({ k }) =>
          (!filter.min || k[0] >= ms(filter.min)) &&
          (!filter.max || k[0] <= ms(filter.max)) &&
          (!after || k[0] > after[0] || (k[0] === after[0] && k[1] > after[1])),
      )
      .sort((a, b) => a.k[0] - b.k[0] || a.k[1].localeCompare(b.k[1]))
      .map(({ o }) => o);
    const page = rest.slice(0, limit);
    if (rest.length > limit) {
      const last = page[page.length - 1]!;
      const next = Buffer.from(
        JSON.stringify({ ...filter, after: key(last), page: filter.page + 1 }),
      ).toString('base64url');
      res.setHeader('Link', `<${this.url}${url.pathname}?limit=${limit}&page_info=${next}>; rel="next"`);
    }
    res.statusCode = 200;
    record();
    res.end(`{"orders":${this.listJson(page)}}`);
  }
}

/** A WooCommerce site: `GET /wp-json/wc/v3/orders`, page-number pagination, GMT dates on request. */
export class FakeWooCommerce extends FakeChannel {
  constructor(
    public consumerKey: string,
    public consumerSecret: string,
    opts: { pageSize?: number } = {},
  ) {
    super(opts.pageSize ?? 100);
  }

  credentialsValid = (req: IncomingMessage) =>
    req.headers.authorization ===
    `Basic ${Buffer.from(`${this.consumerKey}:${this.consumerSecret}`).toString('base64')}`;

  /** The two published WooCommerce orders (a guest, and registered customer 26), plus `extra` guests. */
  seedPublished(extra = 0): this {
    const [guest, registered] = readLossless(
      'woocommerce',
      'orders-list-response-wc-v3-docs.json',
    ) as Order[];
    this.orders = [clone(guest!), clone(registered!)];
    for (let i = 1; i <= extra; i++) {
      const o = clone(guest!);
      o.id = 1000 + i;
      o.number = String(1000 + i);
      const billing = o.billing as Order;
      billing.email = `guest${i}@example.com`;
      o.date_modified_gmt = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().slice(0, 19);
      this.orders.push(o);
    }
    return this;
  }

  change(id: string, patch: Order, at = new Date(Date.now() - 1000)): string {
    const o = this.orders.find((x) => String(x.id) === id);
    if (!o) throw new Error(`no order ${id}`);
    Object.assign(o, patch, { date_modified_gmt: at.toISOString().slice(0, 19) });
    this.forget(o);
    return this.textOf(o);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    res.setHeader('Content-Type', 'application/json; charset=UTF-8');
    const record = () => this.requests.push({ path: url.pathname, query, status: res.statusCode });
    if (url.pathname !== '/wp-json/wc/v3/orders') {
      res.statusCode = 404;
      record();
      return void res.end(
        JSON.stringify({
          code: 'rest_no_route',
          message: 'No route was found matching the URL and request method.',
          data: { status: 404 },
        }),
      );
    }
    if (!this.credentialsValid(req)) {
      res.statusCode = 401;
      record();
      return void res.end(
        JSON.stringify({
          code: 'woocommerce_rest_cannot_view',
          message: 'Sorry, you cannot list resources.',
          data: { status: 401 },
        }),
      );
    }
    if (query.dates_are_gmt !== 'true' || query.orderby !== 'modified' || query.order !== 'asc')
      throw new Error('fake WooCommerce expects dates_are_gmt=true&orderby=modified&order=asc');
    const page = Number(query.page ?? 1);
    if (this.fault(res, this.requests.filter((r) => r.status === 200).length + 1, record)) return;
    const perPage = Math.min(Number(query.per_page ?? 10), 100, this.pageSize);
    const gmt = (v: unknown) => Date.parse(`${String(v)}Z`);
    // WordPress date queries: `after` and `before` are exclusive.
    const matching = this.orders
      .filter(
        (o) =>
          (!query.modified_after || gmt(o.date_modified_gmt) > gmt(query.modified_after)) &&
          (!query.modified_before || gmt(o.date_modified_gmt) < gmt(query.modified_before)),
      )
      .sort(
        (a, b) =>
          gmt(a.date_modified_gmt) - gmt(b.date_modified_gmt) || Number(String(a.id)) - Number(String(b.id)),
      );
    res.setHeader('X-WP-Total', String(matching.length));
    res.setHeader('X-WP-TotalPages', String(Math.max(1, Math.ceil(matching.length / perPage))));
    res.statusCode = 200;
    record();
    res.end(this.listJson(matching.slice((page - 1) * perPage, page * perPage)));
  }
}

/** The signature Shopify and WooCommerce put on a webhook: base64 HMAC-SHA256 of the raw body. */
export function webhookSignature(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
