import { createCredentialCipher, parseKey } from '../../src/infra/crypto/credential-cipher';
import { isPrivateAddress, createUrlGuard } from '../../src/infra/channels/url-guard';
import { ChannelTransport } from '../../src/infra/channels/http-transport';
import { nextPageInfo } from '../../src/infra/channels/shopify-connector';
import {
  backoffMs,
  graphqlThrottleWaitMs,
  retryAfterMs,
  shopifyCallLimitWaitMs,
} from '../../src/domain/channels/throttle';
import { signBase64HmacSha256, verifyBase64HmacSha256 } from '../../src/domain/channels/webhook-signature';
import { checkStoreInput } from '../../src/domain/store-channels';
import { advanceWatermark, nextSyncAt, syncWindow } from '../../src/domain/sync';
import { ChannelRequestError } from '../../src/domain/channel-errors';

const key = (b: number) => Buffer.alloc(32, b);

describe('credential encryption (AES-256-GCM)', () => {
  const cipher = createCredentialCipher({ current: key(1) });

  it('round-trips, with a fresh IV each time and nothing readable in the sealed text', () => {
    const a = cipher.encrypt('st_1', { accessToken: 'shpat_secret' });
    const b = cipher.encrypt('st_1', { accessToken: 'shpat_secret' });
    expect(a).not.toBe(b);
    expect(a).not.toContain('shpat');
    expect(cipher.decrypt('st_1', a)).toEqual({ accessToken: 'shpat_secret' });
  });

  it('is bound to its store: a blob copied onto another store does not open', () => {
    const sealed = cipher.encrypt('st_1', { accessToken: 'x' });
    expect(() => cipher.decrypt('st_2', sealed)).toThrow();
  });

  it('refuses a tampered blob (the GCM tag)', () => {
    const sealed = cipher.encrypt('st_1', { accessToken: 'x' });
    const raw = Buffer.from(sealed.split('.')[2]!, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => cipher.decrypt('st_1', `v1.${sealed.split('.')[1]}.${raw.toString('base64')}`)).toThrow();
  });

  it('rotates: new seals use the new key, old ones still open with the previous key', () => {
    const old = createCredentialCipher({ current: key(1) }).encrypt('st_1', { k: 'v' });
    const rotated = createCredentialCipher({ current: key(2), previous: [key(1)] });
    expect(rotated.decrypt('st_1', old)).toEqual({ k: 'v' });
    expect(() => createCredentialCipher({ current: key(2) }).decrypt('st_1', old)).toThrow(
      /key this deployment does not have/,
    );
  });

  it('reads keys as 64 hex digits or base64 of 32 bytes, nothing else', () => {
    expect(parseKey('11'.repeat(32))).toEqual(key(0x11));
    expect(parseKey(key(3).toString('base64'))).toEqual(key(3));
    expect(() => parseKey('short')).toThrow(/32 bytes/);
  });
});

describe("throttling from the channel's own signals", () => {
  it('Retry-After in seconds (Shopify sends "2.0") or as an HTTP date', () => {
    expect(retryAfterMs('2.0')).toBe(2000);
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(
      10000,
    );
    expect(retryAfterMs(undefined)).toBeNull();
  });

  it('Shopify call-limit bucket: nothing below 80 %, then wait until half empty', () => {
    expect(shopifyCallLimitWaitMs('10/40')).toBe(0);
    expect(shopifyCallLimitWaitMs('32/40')).toBe(6000);
    expect(shopifyCallLimitWaitMs('40/40')).toBe(10000);
    expect(shopifyCallLimitWaitMs('garbage')).toBe(0);
  });

  it('GraphQL THROTTLED on HTTP 200: wait for the missing points at the restore rate', () => {
    const body = {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
      extensions: {
        cost: { requestedQueryCost: 202, throttleStatus: { currentlyAvailable: 2, restoreRate: 100 } },
      },
    };
    expect(graphqlThrottleWaitMs(body)).toBe(2000);
    expect(graphqlThrottleWaitMs({ data: {} })).toBeNull();
  });

  it('backoff doubles per attempt, with jitter, capped', () => {
    expect(backoffMs(1, 100, 60_000, () => 0)).toBe(50);
    expect(backoffMs(3, 100, 60_000, () => 1)).toBe(400);
    expect(backoffMs(30, 100, 1000, () => 1)).toBe(1000);
  });

  it("Shopify's Link header gives the next page's cursor", () => {
    expect(
      nextPageInfo(
        '<https://a.myshopify.com/admin/api/2025-07/orders.json?limit=2&page_info=abc>; rel="previous", <https://a.myshopify.com/admin/api/2025-07/orders.json?limit=2&page_info=def>; rel="next"',
      ),
    ).toBe('def');
    expect(nextPageInfo(undefined)).toBeNull();
  });
});

describe('webhook signatures', () => {
  it('accepts the base64 HMAC-SHA256 of the exact raw body, nothing else', () => {
    const body = Buffer.from('{"id":1}');
    const sig = signBase64HmacSha256(body, 's3cret');
    expect(verifyBase64HmacSha256(body, sig, 's3cret')).toBe(true);
    expect(verifyBase64HmacSha256(Buffer.from('{"id": 1}'), sig, 's3cret')).toBe(false);
    expect(verifyBase64HmacSha256(body, sig, 'other')).toBe(false);
    expect(verifyBase64HmacSha256(body, undefined, 's3cret')).toBe(false);
    expect(verifyBase64HmacSha256(body, 'dG9vIHNob3J0', 's3cret')).toBe(false);
  });
});

describe('SSRF guard for merchant-site URLs', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
  ])('%s is private', (a) => expect(isPrivateAddress(a)).toBe(true));
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('%s is public', (a) =>
    expect(isPrivateAddress(a)).toBe(false),
  );

  it('refuses a loopback site URL with a 422 that names the setting; allowed when configured so', async () => {
    await expect(
      createUrlGuard({ allowPrivate: false }).assertPublic('http://127.0.0.1:8080/shop', 'settings.siteUrl'),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/settings\.siteUrl: 127\.0\.0\.1 is a private or loopback address/),
    });
    await expect(
      createUrlGuard({ allowPrivate: false }).assertPublic('http://localhost/', 'settings.siteUrl'),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      createUrlGuard({ allowPrivate: true }).assertPublic('http://127.0.0.1/', 'settings.siteUrl'),
    ).resolves.toBeUndefined();
  });

  it('the transport refuses at connect time, after DNS (a name that resolves to loopback)', async () => {
    const t = new ChannelTransport({ timeoutMs: 1000, maxAttempts: 1, retryBaseMs: 1 });
    await expect(
      t.request({ channel: 'woocommerce', storeId: 's', url: 'http://localhost:9/x', guard: true }),
    ).rejects.toThrow(ChannelRequestError);
    await expect(
      t.request({ channel: 'woocommerce', storeId: 's', url: 'http://127.0.0.1:9/x', guard: true }),
    ).rejects.toThrow(/SSRF guard/);
  });
});

describe('store input per channel', () => {
  it('normalizes the shop name and the site URL; keeps common settings', () => {
    const r = checkStoreInput('shopify', {
      credentials: { accessToken: 'shpat_123456789' },
      settings: { shop: 'acme.myshopify.com', syncIntervalMinutes: 60 },
    });
    expect(r.problems).toEqual([]);
    expect(r.settings).toEqual({ shop: 'acme', syncIntervalMinutes: 60 });
  });

  it('at least daily: an interval above 1,440 minutes is refused', () => {
    const r = checkStoreInput('woocommerce', {
      credentials: { consumerKey: 'ck_12345678', consumerSecret: 'cs_12345678' },
      settings: { siteUrl: 'https://shop.example.com/', syncIntervalMinutes: 2000 },
    });
    expect(r.problems).toEqual([expect.stringMatching(/at least daily/)]);
  });

  it('PATCH merges over what is stored; null removes an optional field', () => {
    const r = checkStoreInput(
      'shopify',
      { credentials: { apiSecret: null } },
      {
        credentials: { accessToken: 'shpat_123456789', apiSecret: 'old-secret-1' },
        settings: { shop: 'acme' },
      },
    );
    expect(r.problems).toEqual([]);
    expect(r.credentials).toEqual({ accessToken: 'shpat_123456789' });
  });

  it('channels without a connector take no credentials', () => {
    expect(checkStoreInput('api', { credentials: { token: 'x' } }).problems).toEqual([
      'credentials.token is not a api credential',
    ]);
  });
});

describe('sync windows and watermarks', () => {
  const now = new Date('2026-11-23T12:00:00Z');

  it('starts at the watermark minus the overlap, else at the first look-back; ends now', () => {
    expect(
      syncWindow({
        watermark: new Date('2026-11-23T11:00:00Z'),
        now,
        overlapMs: 600_000,
        initialFrom: new Date(0),
      }),
    ).toEqual({
      from: new Date('2026-11-23T10:50:00Z'),
      to: now,
    });
    expect(
      syncWindow({ watermark: null, now, overlapMs: 600_000, initialFrom: new Date('2026-10-24T12:00:00Z') })
        .from,
    ).toEqual(new Date('2026-10-24T12:00:00Z'));
  });

  it('the watermark never moves backwards', () => {
    expect(advanceWatermark(new Date('2026-11-23T12:00:00Z'), new Date('2026-11-23T11:00:00Z'))).toEqual(
      new Date('2026-11-23T12:00:00Z'),
    );
    expect(advanceWatermark(null, now)).toEqual(now);
  });

  it('every store syncs at least once a day, 15 minutes by default', () => {
    expect(nextSyncAt(now, undefined)).toEqual(new Date('2026-11-23T12:15:00Z'));
    expect(nextSyncAt(now, 100_000)).toEqual(new Date('2026-11-24T12:00:00Z'));
  });
});
