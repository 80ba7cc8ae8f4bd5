import type { Database } from '@crp/platform/db';
import { testLogger } from '@crp/testing/silent-logger';
import { DuplicateScanner } from '../../src/app/duplicate-scanner';
import type { DuplicateRepository } from '../../src/app/ports';

/** A queue of `n` customers and a repository that only counts what the scan asks for. */
function fakes(n: number) {
  let queued = n;
  const claims: number[] = [];
  const db = {
    transaction: (fn: (tx: unknown) => unknown) => Promise.resolve(fn({})),
  } as unknown as Database;
  const none = async () => [];
  const duplicates = {
    lockDuplicateScan: async () => true,
    unlockDuplicateScan: async () => undefined,
    claimDuplicateScan: async (_tx: unknown, limit: number) => {
      const take = Math.min(limit, queued);
      claims.push(take);
      return Array.from({ length: take }, (_, i) => ({
        accountId: 'acct',
        customerId: `cus_${queued - i}`,
        queuedAt: new Date(0),
      }));
    },
    finishDuplicateScan: async (_tx: unknown, claimed: unknown[]) => {
      queued -= claimed.length;
    },
    matchFactsOf: none,
    matchKeysOf: none,
    saveMatchKeys: async () => undefined,
    deleteMatchKeys: async () => undefined,
    matchKeyCandidates: none,
    replaceSuggestions: async () => undefined,
    duplicatePairsOf: none,
    duplicatePairsBetween: none,
    anchoredPairsOf: none,
    duplicateAnchors: none,
  } as unknown as DuplicateRepository;
  return { db, duplicates, claims, left: () => queued };
}

describe('the duplicate scan beside the hot path', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('works the queue in batches until it is empty, then pauses', async () => {
    const f = fakes(1200);
    const scanner = new DuplicateScanner({
      ...f,
      intervalMs: 100,
      batch: 500,
      maxDeferMs: 10_000,
      busy: () => false,
      logger: testLogger(),
    });
    scanner.start();
    await jest.advanceTimersByTimeAsync(150);
    expect(f.claims).toEqual([500, 500, 200]);
    expect(f.left()).toBe(0);
    await scanner.stop();
  });

  it('gives way while orders are being linked: at most one pass per maxDeferMs, then catches up', async () => {
    const f = fakes(1200);
    let busy = true;
    const scanner = new DuplicateScanner({
      ...f,
      intervalMs: 100,
      batch: 500,
      maxDeferMs: 1000,
      busy: () => busy,
      logger: testLogger(),
    });
    scanner.start();
    await jest.advanceTimersByTimeAsync(950);
    expect(f.claims).toEqual([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(f.claims).toEqual([500]); // the deferral is bounded
    busy = false;
    await jest.advanceTimersByTimeAsync(250);
    expect(f.claims.filter(Boolean)).toEqual([500, 500, 200]);
    await scanner.stop();
  });

  it('drain() runs passes now, whatever the load (tests, and whoever wants suggestions at once)', async () => {
    const f = fakes(1001);
    const scanner = new DuplicateScanner({
      ...f,
      intervalMs: 0,
      batch: 500,
      maxDeferMs: 1000,
      busy: () => true,
      logger: testLogger(),
    });
    await expect(scanner.drain()).resolves.toBe(1001);
    expect(f.claims).toEqual([500, 500, 1]);
  });
});
