import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { ChannelAuthError, ChannelRequestError, ChannelUnavailableError } from '../../domain/channel-errors';
import { backoffMs, retryAfterMs } from '../../domain/channels/throttle';
import { PrivateAddressError, guardedLookup, isPrivateAddress } from './url-guard';

export interface ChannelResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface TransportOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Largest response body read (a page of orders); bigger is an error, not a memory problem. */
  maxBodyBytes?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ChannelRequest {
  channel: string;
  /** Throttling is per store: one store's limits never slow another. */
  storeId: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The URL is the merchant's own site: refuse private addresses at connect time (SSRF). */
  guard?: boolean;
  /**
   * The channel's signals in a successful answer: how long to pause this store before its next
   * call (a nearly full bucket), or `retryAfterMs` to repeat this very call (GraphQL THROTTLED).
   */
  signals?: (res: ChannelResponse) => { pauseMs?: number; retryAfterMs?: number | null };
  /** How long a 429 asks to wait, from the channel's own headers (before Retry-After and backoff). */
  throttledWaitMs?: (res: ChannelResponse) => number | null;
  /** The channel's own words in an error body (shown on a store that needs attention). */
  errorMessage?: (res: ChannelResponse) => string | null;
  /** Ends waits and the request at once (the service is stopping). */
  signal?: AbortSignal;
}

/**
 * HTTP for channel APIs on node:http(s): per-store throttling from the channel's own signals,
 * 429 + Retry-After honoured, transient failures (5xx, timeouts, resets) retried with exponential
 * backoff, refused credentials turned into ChannelAuthError. Plain node:http rather than fetch:
 * fetch cannot check the address it connects to, and the merchant-site guard must (DNS rebinding).
 */
export class ChannelTransport {
  private readonly pausedUntil = new Map<string, number>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: TransportOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async request(req: ChannelRequest): Promise<ChannelResponse> {
    const sleep = (ms: number) => this.abortableSleep(ms, req.signal);
    let failures = 0;
    let throttled = 0;
    for (;;) {
      const wait = (this.pausedUntil.get(req.storeId) ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      req.signal?.throwIfAborted();
      let res: ChannelResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        if (req.signal?.aborted) throw err;
        if (err instanceof PrivateAddressError)
          throw new ChannelRequestError(req.channel, 0, `${req.channel}: ${err.message} (SSRF guard)`);
        failures++;
        if (failures >= this.opts.maxAttempts)
          throw new ChannelUnavailableError(
            req.channel,
            `${req.channel} did not answer after ${failures} attempts: ${(err as Error).message}`,
          );
        await sleep(backoffMs(failures, this.opts.retryBaseMs));
        continue;
      }
      if (res.status === 429) {
        // Throttling is the channel asking us to wait, not a failure: honour it, within reason.
        throttled++;
        const ms =
          req.throttledWaitMs?.(res) ??
          retryAfterMs(res.headers['retry-after']) ??
          backoffMs(throttled, this.opts.retryBaseMs);
        this.pause(req.storeId, ms);
        if (throttled > this.opts.maxAttempts * 4)
          throw new ChannelUnavailableError(req.channel, `${req.channel} kept answering 429 (rate limited)`);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new ChannelAuthError(
          req.channel,
          req.errorMessage?.(res) ?? (res.body.slice(0, 300) || `HTTP ${res.status}`),
          res.status,
        );
      }
      if (res.status >= 500 || res.status === 408) {
        failures++;
        if (failures >= this.opts.maxAttempts)
          throw new ChannelUnavailableError(
            req.channel,
            `${req.channel} answered ${res.status} ${failures} times: ${req.errorMessage?.(res) ?? res.body.slice(0, 200)}`,
          );
        await sleep(backoffMs(failures, this.opts.retryBaseMs));
        continue;
      }
      if (res.status >= 400) {
        throw new ChannelRequestError(
          req.channel,
          res.status,
          `${req.channel} refused the request (${res.status}): ${req.errorMessage?.(res) ?? res.body.slice(0, 300)}`,
        );
      }
      const signal = req.signals?.(res) ?? {};
      if (signal.pauseMs) this.pause(req.storeId, signal.pauseMs);
      if (signal.retryAfterMs != null) {
        throttled++;
        this.pause(req.storeId, signal.retryAfterMs);
        if (throttled > this.opts.maxAttempts * 4)
          throw new ChannelUnavailableError(req.channel, `${req.channel} kept throttling the request`);
        continue;
      }
      return res;
    }
  }

  /** Waits (a connector's own pacing, e.g. a usage-plan bucket), ending at once when `signal` aborts. */
  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return ms > 0 ? this.abortableSleep(ms, signal) : Promise.resolve();
  }

  private abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return this.sleep(ms);
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private pause(storeId: string, ms: number) {
    const until = Date.now() + Math.min(ms, 120_000);
    if (until > (this.pausedUntil.get(storeId) ?? 0)) this.pausedUntil.set(storeId, until);
  }

  private once(req: ChannelRequest): Promise<ChannelResponse> {
    const url = new URL(req.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // An IP literal never goes through the lookup: check it here.
    if (req.guard && isIP(host) && isPrivateAddress(host))
      return Promise.reject(new PrivateAddressError(host, host));
    const lib = url.protocol === 'https:' ? https : http;
    const max = this.opts.maxBodyBytes ?? 64 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const r = lib.request(
        url,
        {
          method: req.method ?? 'GET',
          headers: { 'user-agent': 'crp-order-ingest/1.0', accept: 'application/json', ...req.headers },
          timeout: this.opts.timeoutMs,
          ...(req.signal ? { signal: req.signal } : {}),
          ...(req.guard ? { lookup: guardedLookup } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              r.destroy(new Error(`response larger than ${max} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            const headers: Record<string, string | undefined> = {};
            for (const [k, v] of Object.entries(res.headers))
              headers[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      r.on('error', reject);
      if (req.body) r.write(req.body);
      r.end();
    });
  }
}
