import { RateBucket, amazonRateLimit, bigCommerceWaitMs } from '../../src/domain/channels/throttle';
import { AccessTokens, refusedRefresh } from '../../src/infra/channels/access-tokens';
import { ebayModifiedFilter } from '../../src/infra/channels/ebay-connector';
import { ChannelAuthError, ChannelRequestError } from '../../src/domain/channel-errors';
import { rfc2822Instant } from '../../src/domain/channels/mapping';

describe('Amazon usage plans (rate and burst per operation)', () => {
  it('getOrders at its default plan: a burst of 20 goes at once, then one call a minute', () => {
    const b = new RateBucket(20, 0.0167, 0);
    for (let i = 0; i < 20; i++) expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(Math.ceil(1000 / 0.0167)); // ~60 s
    // the next caller queues behind the reserved token
    expect(b.take(0)).toBe(Math.ceil(2000 / 0.0167));
  });

  it('takes the rate Amazon reports (x-amzn-RateLimit-Limit); a 429 empties the bucket', () => {
    expect(amazonRateLimit('0.0167')).toBe(0.0167);
    expect(amazonRateLimit('x')).toBeNull();
    const b = new RateBucket(30, 0.5, 0);
    b.setRate(2, 0);
    expect(b.drain(0)).toBe(500);
    expect(b.take(0)).toBe(500);
    expect(b.take(10_000)).toBe(0); // refilled at 2 a second
  });
});

describe("BigCommerce's shared quota", () => {
  const h = (left: number) => ({
    'x-rate-limit-requests-left': String(left),
    'x-rate-limit-requests-quota': '150',
    'x-rate-limit-time-reset-ms': '12000',
  });
  it('keeps a quarter of the window for the store’s other apps: pauses until the reset when less is left', () => {
    expect(bigCommerceWaitMs(h(100))).toBe(0);
    expect(bigCommerceWaitMs(h(38))).toBe(0);
    expect(bigCommerceWaitMs(h(37))).toBe(12000);
    expect(bigCommerceWaitMs({})).toBe(0);
  });
});

describe('access tokens from refresh tokens (eBay, Login with Amazon)', () => {
  it('minted once, reused until shortly before expiry, minted again for new credentials; concurrent callers share one refresh', async () => {
    let now = 0;
    const tokens = new AccessTokens(5 * 60_000, () => now);
    let minted = 0;
    const mint = async () => ({ accessToken: `t${++minted}`, expiresIn: 3600 });
    const [a, b] = await Promise.all([tokens.get('st', ['r1'], mint), tokens.get('st', ['r1'], mint)]);
    expect([a, b, minted]).toEqual(['t1', 't1', 1]);
    now = 54 * 60_000;
    expect(await tokens.get('st', ['r1'], mint)).toBe('t1');
    now = 56 * 60_000; // within 5 minutes of the end: refreshed ahead
    expect(await tokens.get('st', ['r1'], mint)).toBe('t2');
    expect(await tokens.get('st', ['r2'], mint)).toBe('t3');
  });

  it('a refused refresh (400 invalid_grant) is the store’s credentials refused; other 400s are not', () => {
    const refused = refusedRefresh(
      'ebay',
      new ChannelRequestError(
        'ebay',
        400,
        'ebay refused the request (400): invalid_grant: the token was revoked',
      ),
    );
    expect(refused).toBeInstanceOf(ChannelAuthError);
    expect((refused as ChannelAuthError).channelMessage).toMatch(/invalid_grant: the token was revoked/);
    const other = new ChannelRequestError('ebay', 400, 'bad filter');
    expect(refusedRefresh('ebay', other)).toBe(other);
  });
});

it('eBay date filter: lastmodifieddate with both ends, brackets percent-encoded, UTC milliseconds', () => {
  expect(
    ebayModifiedFilter({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-02T12:30:00.5Z') }),
  ).toBe('lastmodifieddate:%5B2026-11-01T00:00:00.000Z..2026-11-02T12:30:00.500Z%5D');
});

describe('RFC 2822 dates (BigCommerce v2) to UTC', () => {
  it('reads the zone, refuses a date without one', () => {
    expect(rfc2822Instant('Tue, 05 Mar 2019 21:40:11 +0000', 'date_created').toISOString()).toBe(
      '2019-03-05T21:40:11.000Z',
    );
    expect(rfc2822Instant('Tue, 05 Mar 2019 16:40:11 -0500', 'date_created').toISOString()).toBe(
      '2019-03-05T21:40:11.000Z',
    );
    expect(rfc2822Instant('2019-03-05T21:40:11+00:00', 'date_created').toISOString()).toBe(
      '2019-03-05T21:40:11.000Z',
    );
    expect(() => rfc2822Instant('Tue, 05 Mar 2019 21:40:11', 'date_created')).toThrow(
      /date_created "Tue, 05 Mar 2019 21:40:11" is not an RFC 2822 date with a zone/,
    );
  });
});
