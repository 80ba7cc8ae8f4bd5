import request from 'supertest';
import type { EntityManager } from 'typeorm';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { FakeMailchimp } from '@crp/testing/fake-mailchimp';
import { analyzeReads, statementsOf, type TableRead } from '@crp/testing/mysql-reads';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';
import { realEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { BACKLOG_CAP, disconnectMailchimp } from '../../src/app/mailchimp/connection';
import type { Database } from '@crp/platform/db';
import type {
  MailchimpConnectionRecord,
  MailchimpMemberRecord,
  MailchimpQueueRecord,
} from '../../src/app/mailchimp/ports';
import { backfillOnce, cleanupOnce } from '../../src/app/mailchimp/sync';
import { createCustomerService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import type { CustomerRecord } from '../../src/domain/records';
import { customerRepository } from '../../src/infra/db/customer-repository';
import { mailchimpRepository as store } from '../../src/infra/db/mailchimp-repository';
import { activeCustomer, SECRET, type CustomerServiceHandle } from '../support/scenarios';

const KEY = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4-us21';
const AUD = 'aud1';

/**
 * Issue #19 at scale, on MariaDB (the plans and rows read are MariaDB's): the status counts the
 * queue capped, the connect request queues nobody (the worker's backfill does, in batches, resumable),
 * and the worker finds the accounts with due rows without reading the queue.
 */
describeReal('Mailchimp sync at scale on MariaDB', () => {
  let svc: CustomerServiceHandle;
  let bus: InProcessBus;
  let mc: FakeMailchimp;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    mc = await new FakeMailchimp(KEY, [AUD]).start();
    const fresh = await freshMysqlDatabase('mcscale');
    drop = fresh.drop;
    bus = new InProcessBus();
    svc = await createCustomerService(
      loadConfig(
        realEnv(fresh.url, `${uniqueName('mcscale')}.`, {
          BUS: 'in-process',
          MAILCHIMP_BASE_URL: mc.url,
          // No worker: the tests drive the backfill themselves.
          MAILCHIMP_SYNC_INTERVAL_MS: '0',
          DUPLICATE_SCAN_INTERVAL_MS: '0',
          IMPORT_DRY_RUN_SWEEP_MS: '0',
        }),
      ),
      { bus, logger: testLogger() },
    );
    await svc.start();
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
    await mc?.stop();
    await drop?.();
  });

  const auth = async (accountId: string) =>
    `Bearer ${await signDevToken(SECRET, { accountId, sub: 'u1', role: 'admin' })}`;
  const connect = async (accountId: string) =>
    request(svc.app)
      .put('/v1/integrations/mailchimp')
      .set('Authorization', await auth(accountId))
      .send({ apiKey: KEY, audienceId: AUD })
      .expect(200);
  const status = async (accountId: string) =>
    (
      await request(svc.app)
        .get('/v1/integrations/mailchimp')
        .set('Authorization', await auth(accountId))
        .expect(200)
    ).body;
  const queued = async (accountId: string) =>
    (
      (await svc.db.transaction((tx) =>
        tx.query('SELECT customer_id AS id FROM mailchimp_queue WHERE account_id = ? ORDER BY customer_id', [
          accountId,
        ]),
      )) as Array<{ id: string }>
    ).map((r) => r.id);
  const queueRows = (
    accountId: string,
    n: number,
    at: (i: number) => Partial<MailchimpQueueRecord> = () => ({}),
  ) =>
    Array.from({ length: n }, (_, i): MailchimpQueueRecord => ({
      accountId,
      customerId: `cus_q${String(i).padStart(6, '0')}`,
      token: `t${i}`,
      attempts: 0,
      enqueuedAt: new Date(Date.parse('2026-11-20T10:00:00Z') + i),
      nextAttemptAt: new Date(Date.parse('2026-11-20T10:00:00Z') + i),
      ...at(i),
    }));
  const queueReads = (reads: TableRead[]) =>
    reads.filter((r) => r.table === 'mailchimp_queue' || r.table === 'q');

  // Before: COUNT(*), SUM(attempts > 0) and MIN(enqueued_at) over every queued row of the account
  // on each status request (940,000 rows read, 0.22–0.46 s at 940,000 queued).
  it(`the status counts the backlog up to ${BACKLOG_CAP.toLocaleString('en')} (then "gte") and reads about that many index entries`, async () => {
    const acct = uniqueName('acct');
    await connect(acct);
    // 30,000 queued, 20,000 of them retrying; the oldest is the first.
    await svc.db.transaction((tx) =>
      store.enqueue(
        tx,
        queueRows(acct, 30_000, (i) => (i % 3 === 0 ? {} : { attempts: 3 })),
      ),
    );
    const { backlog, reads } = await svc.db.transaction(async (tx) => {
      let backlog: Awaited<ReturnType<typeof store.backlog>> | undefined;
      const [statement] = await statementsOf(tx, async () => {
        backlog = await store.backlog(tx, acct, BACKLOG_CAP);
      });
      return { backlog: backlog!, reads: await analyzeReads(tx, statement!.sql, statement!.params) };
    });
    expect(backlog).toEqual({
      pending: BACKLOG_CAP,
      pendingCapped: true,
      retrying: BACKLOG_CAP,
      retryingCapped: true,
      oldest: new Date('2026-11-20T10:00:00Z'),
    });
    const q = queueReads(reads);
    expect(q.length).toBeGreaterThan(0);
    for (const r of q) expect(r.rows).toBeLessThanOrEqual(BACKLOG_CAP + 1);
    expect(q.reduce((n, r) => n + r.rows, 0)).toBeLessThanOrEqual(2 * (BACKLOG_CAP + 1) + 2);

    const s = await status(acct);
    expect(s.backlog).toEqual({
      pending: BACKLOG_CAP,
      pendingRelation: 'gte',
      retrying: BACKLOG_CAP,
      retryingRelation: 'gte',
      oldestQueuedAt: '2026-11-20T10:00:00.000Z',
    });
    // Below the cap the counts are exact.
    const small = uniqueName('acct');
    await connect(small);
    await svc.db.transaction((tx) =>
      store.enqueue(
        tx,
        queueRows(small, 3, (i) => ({ attempts: i })),
      ),
    );
    expect((await status(small)).backlog).toMatchObject({
      pending: 3,
      pendingRelation: 'eq',
      retrying: 2,
      retryingRelation: 'eq',
    });
  }, 60_000);

  // Before: SELECT DISTINCT q.account_id … WHERE next_attempt_at <= ? read the whole queue index
  // (941,801 entries a pass at 940,000 queued for one account).
  it('the worker finds the accounts with due rows in one index probe per connection, whatever the queue holds', async () => {
    const waiting = uniqueName('acct');
    const due = uniqueName('acct');
    const now = new Date('2026-11-25T10:00:00Z');
    const later = new Date(now.getTime() + 3_600_000);
    const conn = (accountId: string): MailchimpConnectionRecord => ({
      accountId,
      apiKeySealed: 'x',
      baseUrl: mc.url,
      audienceId: AUD,
      audienceName: null,
      tagWithStore: true,
      syncNotSubscribed: 'skip',
      webhookToken: uniqueName('tok'),
      lastSuccessAt: null,
      lastErrorAt: null,
      lastError: null,
      syncedCount: 0,
      skippedCount: 0,
      failedCount: 0,
      deletedCount: 0,
      webhookCount: 0,
      backfillCursor: null,
      backfillQueued: 0,
      backfillStartedAt: now,
      backfillDoneAt: now,
      membersEpoch: 0,
      createdAt: now,
      updatedAt: now,
    });
    await svc.db.transaction(async (tx) => {
      await store.saveConnection(tx, conn(waiting));
      await store.saveConnection(tx, conn(due));
      await store.enqueue(
        tx,
        queueRows(due, 1, () => ({ nextAttemptAt: new Date(now.getTime() - 1000) })),
      );
    });
    const probe = () =>
      svc.db.transaction(async (tx) => {
        let accounts: string[] = [];
        const [statement] = await statementsOf(tx, async () => {
          accounts = await store.dueAccounts(tx, now, 20, '');
        });
        const connections = Number((await tx.query('SELECT COUNT(*) AS n FROM mailchimp_connections'))[0].n);
        return { accounts, connections, reads: await analyzeReads(tx, statement!.sql, statement!.params) };
      });
    const enqueueWaiting = (from: number, n: number) =>
      svc.db.transaction((tx) =>
        store.enqueue(
          tx,
          queueRows(waiting, from + n, () => ({ attempts: 2, nextAttemptAt: later })).slice(from),
        ),
      );

    await enqueueWaiting(0, 1_000);
    const small = await probe();
    await enqueueWaiting(1_000, 19_000);
    const large = await probe();
    for (const p of [small, large]) {
      expect(p.accounts).toContain(due);
      expect(p.accounts).not.toContain(waiting);
    }
    const rows = (p: typeof small) => queueReads(p.reads).reduce((n, r) => n + r.rows, 0);
    // One entry per connection (the account's earliest next attempt), 1,000 or 20,000 queued alike.
    expect(rows(large)).toBeLessThanOrEqual(large.connections);
    expect(rows(large)).toBe(rows(small));
  }, 60_000);

  // Before: the connect request queued every customer of the account in its transaction (one
  // INSERT … SELECT: 4.8 s for 940,000 rows, then a count of them).
  it('connecting queues nobody in the request; the backfill queues each customer once, in batches, and resumes after a crash where it stopped', async () => {
    const acct = uniqueName('acct');
    const customers: CustomerRecord[] = Array.from({ length: 12_000 }, (_, i) =>
      activeCustomer(acct, {
        ...(i % 10 === 0 ? { status: 'archived' as const } : {}),
        email: i % 15 === 0 ? null : `c${i}@buyers.example`,
        emailNormalized: i % 15 === 0 ? null : `c${i}@buyers.example`,
        ...(i % 25 === 0 ? { erasedAt: new Date() } : {}),
      }),
    );
    for (let i = 0; i < customers.length; i += 2000)
      await svc.db.transaction((tx) => customerRepository.insertCustomers(tx, customers.slice(i, i + 2000)));
    const byId = [...customers].sort((a, b) => (a.id < b.id ? -1 : 1));
    const active = byId.filter((c) => c.status === 'active');
    const wanted = active.filter((c) => c.email !== null && c.erasedAt === null).map((c) => c.id);

    const deps = { db: svc.db, store, backfillBatch: 5000 };
    // The backfills other tests started end first (their accounts have no customers).
    while ((await backfillOnce(deps, new Date())) > 0);
    const connected = await connect(acct);
    expect(connected.body.backfill).toMatchObject({ done: false, queued: 0, doneAt: null });
    expect(await queued(acct)).toEqual([]);

    const batches: Array<string | null> = [];
    const original = store.backfillBatch.bind(store);
    const batch = jest.spyOn(store, 'backfillBatch').mockImplementation((tx, accountId, after, ...rest) => {
      batches.push(after);
      return original(tx, accountId, after, ...rest);
    });
    try {
      // Two instances' workers at once: they take turns on the connection, each batch once.
      await Promise.all([backfillOnce(deps, new Date()), backfillOnce(deps, new Date())]);
      const first = active
        .slice(0, 10_000)
        .filter((c) => wanted.includes(c.id))
        .map((c) => c.id);
      expect(batches).toEqual([null, active[4999]!.id]);
      expect(await queued(acct)).toEqual(first);
      expect((await status(acct)).backfill).toMatchObject({ done: false, queued: first.length });

      // They are sent (taken off the queue); then a batch dies before it commits.
      await svc.db.transaction((tx) => tx.query('DELETE FROM mailchimp_queue WHERE account_id = ?', [acct]));
      const save = jest.spyOn(store, 'saveBackfill').mockRejectedValueOnce(new Error('killed'));
      await expect(backfillOnce(deps, new Date())).rejects.toThrow('killed');
      save.mockRestore();
      expect(await queued(acct)).toEqual([]);
      expect((await status(acct)).backfill).toMatchObject({ done: false, queued: first.length });

      // Resumed: the rest, from the cursor; nobody of the first batches queued again.
      while ((await backfillOnce(deps, new Date())) > 0);
      expect(await queued(acct)).toEqual(wanted.filter((id) => !first.includes(id)));
      expect(batches.slice(2)).toEqual([active[9999]!.id, active[9999]!.id]);
      const s = await status(acct);
      expect(s.backfill).toMatchObject({ done: true, queued: wanted.length });
      expect(s.backfill.doneAt).not.toBeNull();
      expect(s.backlog).toMatchObject({ pending: wanted.length - first.length, pendingRelation: 'eq' });

      // A batch from deep in the account reads the status index as a range from its cursor (by
      // `ref` on account_id MariaDB read from the account's first entry, filtering the cursor).
      const plan = await svc.db.transaction(async (tx) => {
        const [read] = (
          await statementsOf(tx, () => original(tx, acct, active[7999]!.id, 5000, 'again', new Date()))
        ).filter((st) => /FROM customers/.test(st.sql));
        return (await tx.query(`EXPLAIN ${read!.sql}`, read!.params)) as Array<{ type: string; key: string }>;
      });
      expect(plan).toEqual([
        expect.objectContaining({ type: 'range', key: 'idx_customers_account_status_id' }),
      ]);
    } finally {
      batch.mockRestore();
    }
  }, 120_000);

  // Before: disconnect deleted every queue row and member link of the account in the request
  // (940,000 queue rows: 3.5 s in one statement, the rows locked as long).
  it('disconnect deletes nothing in the request; the worker deletes the leftovers in batches, and a reconnect meanwhile keeps its new rows', async () => {
    const acct = uniqueName('acct');
    await connect(acct);
    const count = async (table: string, where = '') =>
      Number(
        (
          await svc.db.transaction((tx) =>
            tx.query(`SELECT COUNT(*) AS n FROM ${table} WHERE account_id = ? ${where}`, [acct]),
          )
        )[0].n,
      );
    const links = (n: number, epoch: number, prefix: string) =>
      Array.from({ length: n }, (_, i): MailchimpMemberRecord => ({
        accountId: acct,
        customerId: `${prefix}${String(i).padStart(6, '0')}`,
        hash: 'h'.repeat(32),
        recordHash: null,
        epoch,
        syncedAt: new Date(),
      }));
    const rows = queueRows(acct, 20_000);
    for (let i = 0; i < rows.length; i += 2000)
      await svc.db.transaction((tx) => store.enqueue(tx, rows.slice(i, i + 2000)));
    const old = links(8_000, 0, 'cus_q');
    for (let i = 0; i < old.length; i += 2000)
      await svc.db.transaction((tx) => store.saveMembers(tx, old.slice(i, i + 2000)));

    // The stale links are found as a range of ix_mailchimp_members_epoch (a DELETE … LIMIT walked
    // the primary key and read every newer link before the old ones).
    const plan = await svc.db.transaction(async (tx) => {
      const [read] = await statementsOf(tx, () => store.deleteStaleMembers(tx, acct, 0, 5000));
      return (await tx.query(`EXPLAIN ${read!.sql}`, read!.params)) as Array<{ type: string; key: string }>;
    });
    expect(plan).toEqual([expect.objectContaining({ type: 'range', key: 'ix_mailchimp_members_epoch' })]);

    // The request: a few statements by primary key, none on the queue or the links.
    const sent: Array<{ sql: string; params: unknown[] }> = [];
    const db = {
      transaction: <T>(fn: (tx: EntityManager) => Promise<T>) =>
        svc.db.transaction(async (tx) => {
          let out!: T;
          sent.push(...(await statementsOf(tx, async () => (out = await fn(tx)))));
          return out;
        }),
    } as unknown as Database;
    expect(await disconnectMailchimp({ db, store }, acct)).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(sent.filter((st) => /mailchimp_queue|mailchimp_members/.test(st.sql))).toEqual([]);
    expect(await count('mailchimp_queue')).toBe(20_000);
    // The status of the disconnected account: 200, the cleanup's rows left counted up to the cap,
    // reading about that many index entries (it answered 404 before: the cleanup could not be seen).
    const left = await status(acct);
    expect(left).toMatchObject({
      connected: false,
      audienceId: AUD,
      cleanup: {
        remaining: { queued: BACKLOG_CAP, queuedRelation: 'gte', links: 8_000, linksRelation: 'eq' },
      },
      cleanupDoneAt: null,
    });
    const remainingReads = await svc.db.transaction(async (tx) => {
      const c = (await store.cleanup(tx, acct))!;
      const [statement] = await statementsOf(tx, () => store.cleanupRemaining(tx, c, BACKLOG_CAP));
      return analyzeReads(tx, statement!.sql, statement!.params);
    });
    const leftReads = remainingReads.filter((r) => /mailchimp_queue|mailchimp_members|^[qm]$/.test(r.table));
    expect(leftReads.length).toBeGreaterThan(0);
    for (const r of leftReads) expect(r.rows).toBeLessThanOrEqual(BACKLOG_CAP + 1);
    expect(leftReads.reduce((n, r) => n + r.rows, 0)).toBeLessThanOrEqual(2 * (BACKLOG_CAP + 1) + 2);

    // The worker: 5,000 rows a batch, each its own transaction.
    const deps = { db: svc.db, store, cleanupBatch: 5000 };
    const deleted: number[] = [];
    const clear = jest.spyOn(store, 'clearQueueBatch');
    let queueBatches = 0;
    try {
      deleted.push(await cleanupOnce(deps));
      expect(await count('mailchimp_queue')).toBe(15_000);

      // Reconnected while the cleanup is pending: its queue rows and links are its own.
      const answer = (await connect(acct)).body;
      // The queue rows left are its own now (its backfill queues everyone anyway): only links to delete.
      expect(answer.cleanup).toEqual({
        startedAt: left.cleanup.startedAt,
        remaining: { queued: 0, queuedRelation: 'eq', links: 8_000, linksRelation: 'eq' },
      });
      const conn = (await svc.db.transaction((tx) => store.connection(tx, acct)))!;
      expect(conn.membersEpoch).toBe(1);
      await svc.db.transaction(async (tx) => {
        await store.enqueue(
          tx,
          queueRows(acct, 3).map((r) => ({ ...r, customerId: `cus_new${r.customerId}` })),
        );
        await store.saveMembers(tx, links(10, conn.membersEpoch, 'cus_new'));
      });
      for (let n = await cleanupOnce(deps); n > 0; n = await cleanupOnce(deps)) deleted.push(n);
      queueBatches = clear.mock.calls.length;
    } finally {
      clear.mockRestore();
    }
    // One queue batch before the reconnect (the reconnect stopped the queue's cleanup), then the
    // old links: 5,000 and 3,000.
    expect(queueBatches).toBe(1);
    expect(deleted).toEqual([5000, 5000, 3000]);
    expect(await count('mailchimp_queue')).toBe(15_003);
    expect(await count('mailchimp_queue', "AND customer_id LIKE 'cus_new%'")).toBe(3);
    expect(await count('mailchimp_members')).toBe(10);
    expect(await count('mailchimp_members', 'AND epoch = 1')).toBe(10);
    expect((await status(acct)).cleanup).toBeNull();

    // Disconnected again and left alone: everything goes, in batches of 5,000 at most.
    await request(svc.app)
      .delete('/v1/integrations/mailchimp')
      .set('Authorization', await auth(acct))
      .expect(200);
    const batches: number[] = [];
    for (let n = await cleanupOnce(deps); n > 0; n = await cleanupOnce(deps)) batches.push(n);
    expect(batches).toEqual([5000, 5000, 5000, 3, 10]);
    expect(await count('mailchimp_queue')).toBe(0);
    expect(await count('mailchimp_members')).toBe(0);
    expect(await count('mailchimp_cleanups')).toBe(0);
    const ended = await status(acct);
    expect(ended).toMatchObject({ connected: false, cleanup: null, cleanupDoneAt: expect.any(String) });
  }, 120_000);

  // Before: the turn was kept in memory per process: it began again at the first account after
  // each restart, and two instances at once served the same accounts.
  it("the worker's turn over the accounts is one locked row: kept across restarts, shared by two instances at once", async () => {
    const prefix = uniqueName('rot');
    const accounts = [1, 2, 3, 4, 5].map((i) => `${prefix}-${i}`);
    // The cleanups other tests left end first.
    while ((await cleanupOnce({ db: svc.db, store })) > 0);
    await svc.db.transaction(async (tx) => {
      for (const accountId of accounts) {
        await store.saveCleanup(tx, { accountId, clearQueue: true, membersBelow: 1, startedAt: new Date() });
        await store.enqueue(tx, queueRows(accountId, 4));
      }
    });
    const served: string[] = [];
    const spy = {
      ...store,
      clearQueueBatch: (...args: Parameters<typeof store.clearQueueBatch>) => {
        served.push(args[1]);
        return store.clearQueueBatch(...args);
      },
    };
    /** The worker of a process just started: nothing in memory. */
    const worker = () => ({ db: svc.db, store: spy, cleanupBatch: 1, accountsPerPass: 2 });
    const next = (after: string, n: number) => {
      const from = accounts.indexOf(after) + 1;
      return Array.from({ length: n }, (_, i) => accounts[(from + i) % accounts.length]!);
    };

    await cleanupOnce(worker());
    expect(served).toHaveLength(2);
    // Restarted: the next two accounts, not the same two again.
    await cleanupOnce(worker());
    expect(served.slice(2)).toEqual(next(served[1]!, 2));
    // Two instances at once: one waits for the other's turn and takes the accounts after it.
    await Promise.all([cleanupOnce(worker()), cleanupOnce(worker())]);
    expect(served.slice(4).sort()).toEqual(next(served[3]!, 4).sort());
    expect(new Set(served)).toEqual(new Set(accounts));

    // One key lookup a pass, whatever the accounts.
    const plan = await svc.db.transaction(async (tx) => {
      const [read] = await statementsOf(tx, () => store.rotation(tx, 'cleanup', { lock: true }));
      return (await tx.query(`EXPLAIN ${read!.sql}`, read!.params)) as Array<{ type: string; key: string }>;
    });
    expect(plan).toEqual([expect.objectContaining({ type: 'const', key: 'PRIMARY' })]);
  }, 60_000);
});
