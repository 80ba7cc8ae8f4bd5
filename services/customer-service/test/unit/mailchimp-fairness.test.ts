import type { Database } from '@crp/platform/db';
import { testLogger } from '@crp/testing/silent-logger';
import type { MailchimpStore } from '../../src/app/mailchimp/ports';
import { drainOnce, type SyncDeps } from '../../src/app/mailchimp/sync';

/**
 * 30 accounts that always have work (due rows, a running backfill, a pending cleanup): the store
 * answers each lookup as the SQL does (ids after the cursor, in order, up to the limit) and
 * records which accounts each pass served.
 */
function fakes() {
  const accounts = Array.from({ length: 30 }, (_, i) => `acct_${String(i).padStart(2, '0')}`);
  const after = (from: string, limit: number) => accounts.filter((a) => a > from).slice(0, limit);
  const served = { due: [] as string[], backfill: [] as string[], cleanup: [] as string[] };
  const store = {
    dueAccounts: async (_tx: unknown, _now: Date, limit: number, from: string) => after(from, limit),
    backfillsRunning: async (_tx: unknown, limit: number, from: string) => after(from, limit),
    cleanupsPending: async (_tx: unknown, limit: number, from: string) => after(from, limit),
    cleanup: async (_tx: unknown, accountId: string) => {
      served.cleanup.push(accountId);
      return null;
    },
    connection: async (_tx: unknown, accountId: string, opts?: { lock?: boolean }) => {
      // The backfill locks the connection; the drain reads it.
      (opts?.lock ? served.backfill : served.due).push(accountId);
      return null;
    },
  } as unknown as MailchimpStore;
  const db = {
    transaction: (fn: (tx: unknown) => unknown) => Promise.resolve(fn({})),
  } as unknown as Database;
  const deps = { db, store, logger: testLogger() } as unknown as SyncDeps;
  return { accounts, served, deps };
}

describe('Mailchimp sync passes take turns across accounts', () => {
  test('an account past the first 20 is served while the first 20 always have work, then the turn wraps around', async () => {
    const { accounts, served, deps } = fakes();
    await drainOnce(deps);
    for (const kind of ['due', 'backfill', 'cleanup'] as const)
      expect(served[kind]).toEqual(accounts.slice(0, 20));
    await drainOnce(deps);
    // The 10 accounts after the first 20, then the first 10 again.
    for (const kind of ['due', 'backfill', 'cleanup'] as const)
      expect(served[kind].slice(20)).toEqual([...accounts.slice(20), ...accounts.slice(0, 10)]);
    await drainOnce(deps);
    for (const kind of ['due', 'backfill', 'cleanup'] as const)
      expect(served[kind].slice(40)).toEqual(accounts.slice(10, 30));
  });

  test('fewer accounts than a pass serves: each once a pass, none twice', async () => {
    const { accounts, served, deps } = fakes();
    (deps as { accountsPerPass?: number }).accountsPerPass = 40;
    await drainOnce(deps);
    await drainOnce(deps);
    expect(served.due).toEqual([...accounts, ...accounts]);
  });
});
