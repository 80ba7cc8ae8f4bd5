/**
 * Reading a channel's own rate-limit signals (pure: headers and bodies in, a wait out). The
 * transport waits that long before its next call to the same store.
 */

/**
 * Retry-After in seconds ("2.0", as Shopify sends it) or as an HTTP date; null when absent or
 * unreadable.
 */
export function retryAfterMs(value: string | undefined | null, now = Date.now()): number | null {
  if (!value) return null;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Shopify REST `X-Shopify-Shop-Api-Call-Limit: 32/40` is a leaky bucket (40 calls, 2 leak per
 * second on standard plans). Past 80 % full, wait until it is half empty again, so a sync never
 * runs into 429s and leaves room for the merchant's other apps.
 */
export function shopifyCallLimitWaitMs(header: string | undefined | null, leakPerSecond = 2): number {
  const m = header ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(header) : null;
  if (!m) return 0;
  const used = Number(m[1]);
  const size = Number(m[2]);
  if (size <= 0 || used < size * 0.8) return 0;
  return Math.ceil(((used - size / 2) / leakPerSecond) * 1000);
}

/**
 * Shopify GraphQL answers throttling with HTTP 200 and `errors[].extensions.code = "THROTTLED"`;
 * `extensions.cost.throttleStatus` says how many points are available and how fast they come
 * back. Returns how long to wait before the same query can run, or null when not throttled.
 */
export function graphqlThrottleWaitMs(body: unknown): number | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as {
    errors?: Array<{ extensions?: { code?: string } }>;
    extensions?: {
      cost?: {
        requestedQueryCost?: number;
        throttleStatus?: { currentlyAvailable?: number; restoreRate?: number };
      };
    };
  };
  if (!Array.isArray(b.errors) || !b.errors.some((e) => e?.extensions?.code === 'THROTTLED')) return null;
  const cost = b.extensions?.cost;
  const needed = (cost?.requestedQueryCost ?? 0) - (cost?.throttleStatus?.currentlyAvailable ?? 0);
  const rate = cost?.throttleStatus?.restoreRate ?? 50;
  return Math.max(1000, Math.ceil((Math.max(needed, 0) / Math.max(rate, 1)) * 1000));
}

/** Exponential backoff with full jitter, capped: attempt 1 waits up to base, then 2×, 4×… */
export function backoffMs(attempt: number, baseMs: number, maxMs = 60_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Amazon SP-API `x-amzn-RateLimit-Limit`: the operation's rate in requests per second ("0.0167"). */
export function amazonRateLimit(header: string | undefined | null): number | null {
  const n = header ? Number(header.trim()) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * A token bucket: Amazon's usage plans are a rate (requests per second) and a burst per operation
 * and selling partner (getOrders: 0.0167/s, burst 20). `take` spends one call and says how long to
 * wait before it may go (the token is reserved, so the next caller waits behind it).
 */
export class RateBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly burst: number,
    private rate: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** The rate the channel reports for this operation (it may grant more, or less, than the default). */
  setRate(rate: number, now: number): void {
    this.refill(now);
    this.rate = rate;
  }

  /** The channel answered 429: the bucket is empty whatever we counted. */
  drain(now: number): number {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number) {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}

/**
 * BigCommerce's quota is shared by every app installed on the store (`X-Rate-Limit-Requests-Left`
 * of `X-Rate-Limit-Requests-Quota` per window, reset in `X-Rate-Limit-Time-Reset-Ms`): once a
 * quarter of the window's quota or less is left, pause until the window resets, leaving the rest
 * to the merchant's other apps.
 */
export function bigCommerceWaitMs(headers: Record<string, string | undefined>, reserve = 0.25): number {
  const left = Number(headers['x-rate-limit-requests-left']);
  const quota = Number(headers['x-rate-limit-requests-quota']);
  const reset = Number(headers['x-rate-limit-time-reset-ms']);
  if (!Number.isFinite(left) || !Number.isFinite(quota) || quota <= 0) return 0;
  if (left > quota * reserve) return 0;
  return Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : 1000;
}
