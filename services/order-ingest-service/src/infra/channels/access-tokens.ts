import { createHash } from 'node:crypto';
import { ChannelAuthError, ChannelRequestError } from '../../domain/channel-errors';
import type { ChannelResponse } from './http-transport';

export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds, as the token endpoint says (`expires_in`). */
  expiresIn: number;
}

/**
 * Short-lived access tokens (eBay user tokens: 2 hours; Amazon LWA: 1 hour) minted from a store's
 * long-lived refresh token, kept in memory per store and refreshed ahead of expiry. A token is
 * bound to the credentials it came from: new credentials (PATCH) mint a new one. Concurrent
 * requests of one store share one refresh.
 */
export class AccessTokens {
  private readonly tokens = new Map<string, { fingerprint: string; token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    /** Refreshed this long before it expires (a page of calls never starts on a dying token). */
    private readonly aheadMs = 5 * 60_000,
    private readonly now = () => Date.now(),
  ) {}

  async get(storeId: string, credentials: string[], mint: () => Promise<IssuedToken>): Promise<string> {
    const fingerprint = createHash('sha256').update(credentials.join('\u0000')).digest('hex');
    const held = this.tokens.get(storeId);
    if (held && held.fingerprint === fingerprint && held.expiresAt - this.aheadMs > this.now())
      return held.token;
    const key = `${storeId}:${fingerprint}`;
    let p = this.pending.get(key);
    if (!p) {
      p = mint()
        .then((t) => {
          this.tokens.set(storeId, {
            fingerprint,
            token: t.accessToken,
            expiresAt: this.now() + Math.max(60, t.expiresIn) * 1000,
          });
          return t.accessToken;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  /** The channel refused the token before its time (revoked): the next call mints a new one. */
  forget(storeId: string): void {
    this.tokens.delete(storeId);
  }
}

/**
 * An OAuth token endpoint's answer (`{access_token, expires_in}`), or the store's credentials
 * refused: `invalid_grant` (refresh token revoked or expired) and `invalid_client` are answered
 * 400/401 by eBay and Amazon alike, and both mean a person must reconnect the store.
 */
export function readTokenResponse(channel: string, res: ChannelResponse): IssuedToken {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  const token = typeof body.access_token === 'string' ? body.access_token : null;
  if (!token)
    throw new ChannelRequestError(
      channel,
      res.status,
      `${channel}: the token endpoint answered without a token`,
    );
  const expiresIn = Number(body.expires_in);
  return { accessToken: token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
}

/** An OAuth error body (`{"error": "invalid_grant", "error_description": "…"}`) in a person's words. */
export function oauthErrorMessage(res: ChannelResponse): string | null {
  try {
    const b = JSON.parse(res.body) as { error?: unknown; error_description?: unknown };
    if (typeof b.error === 'string')
      return typeof b.error_description === 'string' ? `${b.error}: ${b.error_description}` : b.error;
  } catch {
    /* not JSON */
  }
  return null;
}

/** A refused refresh (400 invalid_grant / invalid_client…) is the store's credentials refused. */
export function refusedRefresh(channel: string, err: unknown): unknown {
  if (!(err instanceof ChannelRequestError) || err.status !== 400) return err;
  const m = /\b(invalid_grant|invalid_client|unauthorized_client|invalid_scope)\b(.*)$/.exec(err.message);
  if (!m) return err;
  return new ChannelAuthError(
    channel,
    `the store's refresh token was refused (${m[1]}${m[2]}); reconnect the store`,
    err.status,
  );
}
