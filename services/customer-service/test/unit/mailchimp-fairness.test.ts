import type { Database } from '@crp/platform/db';
import { testLogger } from '@crp/testing/silent-logger';
import type { MailchimpStore } from '../../src/app/mailchimp/ports';
import { drainOnce, type SyncDeps } from '../../src/app/mailchimp/sync';
import { subscriberHash } from '../../src/domain/mailchimp';
import { activeCustomer } from '../support/scenarios';

/**
 * 30 accounts that always have work (due rows, a running backfill, a pending cleanup): the store
 * answers each lookup as the SQL does (ids after the cursor, in order, up to the limit) and
 * records which accounts each pass served.
 */
function fakes() {
  const accounts = Array.from({ length: 30 }, (_, i) => `acct_${String(i).padStart(2, '0')}`);
  const after = (from: string, limit: number) => accounts.filter((a) => a > from).slice(0, limit);
  const served = { due: [] as string[], backfill: [] as string[], cleanup: [] as string[] };
  // The turn as `mailchimp_rotation` keeps it: in the store, not in the worker.
  const turn = new Map<string, string>();
  const store = {
    rotation: async (_tx: unknown, kind: string) => turn.get(kind) ?? '',
    saveRotation: async (_tx: unknown, kind: string, a: string) => void turn.set(kind, a),
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
  /** A worker on that store: what a process (re)start makes. */
  const worker = () => ({ db, store, logger: testLogger() }) as unknown as SyncDeps;
  return { accounts, served, deps: worker(), worker };
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

  test('after a restart the turn goes on where it stood, and two instances share one turn', async () => {
    const { accounts, served, deps, worker } = fakes();
    await drainOnce(deps);
    // Restarted: a new worker on the same database serves the next 20, not the first 20 again.
    await drainOnce(worker());
    for (const kind of ['due', 'backfill', 'cleanup'] as const)
      expect(served[kind].slice(20)).toEqual([...accounts.slice(20), ...accounts.slice(0, 10)]);
    // Two instances: each pass takes the accounts after the other's.
    const [a, b] = [worker(), worker()];
    await drainOnce(a);
    await drainOnce(b);
    for (const kind of ['due', 'backfill', 'cleanup'] as const)
      expect(served[kind].slice(40)).toEqual([...accounts.slice(10, 30), ...accounts.slice(0, 20)]);
  });

  test('fewer accounts than a pass serves: each once a pass, none twice', async () => {
    const { accounts, served, deps } = fakes();
    (deps as { accountsPerPass?: number }).accountsPerPass = 40;
    await drainOnce(deps);
    await drainOnce(deps);
    expect(served.due).toEqual([...accounts, ...accounts]);
  });
});

/** One due customer of a connection at epoch 1 whose only link is of epoch 0 (the old audience). */
function staleLink() {
  const customer = activeCustomer('acct', {
    email: 'new@buyers.example',
    emailNormalized: 'new@buyers.example',
  });
  const conn = {
    accountId: 'acct',
    apiKeySealed: 'sealed',
    baseUrl: 'http://mc',
    audienceId: 'aud2',
    tagWithStore: false,
    syncNotSubscribed: 'transactional',
    membersEpoch: 1,
    createdAt: new Date(0),
  };
  const saved: unknown[] = [];
  const sent: unknown[] = [];
  const store = {
    rotation: async () => '',
    saveRotation: async () => undefined,
    cleanupsPending: async () => [],
    backfillsRunning: async () => [],
    dueAccounts: async (_tx: unknown, _now: Date, _limit: number, from: string) =>
      from < 'acct' ? ['acct'] : [],
    connection: async () => conn,
    dueRows: async () => [
      {
        accountId: 'acct',
        customerId: customer.id,
        token: 't',
        attempts: 0,
        enqueuedAt: new Date(),
        nextAttemptAt: new Date(),
      },
    ],
    // The link to the old audience, under the customer's previous address.
    members: async () => [
      {
        accountId: 'acct',
        customerId: customer.id,
        hash: subscriberHash('old@buyers.example'),
        recordHash: null,
        epoch: 0,
        syncedAt: new Date(0),
      },
    ],
    dequeue: async () => undefined,
    reschedule: async () => undefined,
    saveMembers: async (_tx: unknown, rows: unknown[]) => void saved.push(...rows),
    deleteMembers: async () => undefined,
    recordOutcome: async () => undefined,
  } as unknown as MailchimpStore;
  const deps = {
    db: { transaction: (fn: (tx: unknown) => unknown) => Promise.resolve(fn({})) },
    store,
    repo: { customersById: async () => [customer], identitiesOf: async () => [] },
    api: { apply: async (_a: unknown, _aud: string, ops: unknown[]) => void sent.push(...ops) },
    cipher: { open: () => 'key' },
    logger: testLogger(),
  } as unknown as SyncDeps;
  return { deps, store, conn, sent, saved };
}

describe('Mailchimp sync and stale member links', () => {
  test('a link of an earlier epoch (another audience) is not used, and the new link carries the connection epoch', async () => {
    const { deps, sent, saved } = staleLink();
    await drainOnce(deps);
    expect(sent).toEqual([expect.objectContaining({ kind: 'upsert' })]);
    expect(saved).toEqual([
      expect.objectContaining({ hash: subscriberHash('new@buyers.example'), epoch: 1 }),
    ]);
  });

  test('moved to another audience while Mailchimp was called: the pass keeps no link', async () => {
    const { deps, store, conn, sent, saved } = staleLink();
    const read = store.connection.bind(store);
    let calls = 0;
    (store as { connection: unknown }).connection = async (...args: Parameters<typeof read>) =>
      ++calls === 1 ? read(...args) : { ...conn, membersEpoch: 2 };
    await drainOnce(deps);
    expect(sent).toHaveLength(1);
    expect(saved).toEqual([]);
  });
});
