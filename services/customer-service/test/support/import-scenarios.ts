import {
  CustomerImportRequested,
  type CustomerImportRequestedV2,
  type CustomerImportRow,
} from '@crp/contracts/events/customer-import-requested';
import type { CustomerImportRowAnswer } from '@crp/contracts/events/customer-import-row-result';
import type { CustomerImportField } from '@crp/contracts/customer-import-fields';
import { deterministicEventId, newEvent } from '@crp/contracts/new-event';
import type { Bus } from '@crp/messaging/bus';
import { uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { DryRunSweeper } from '../../src/app/dry-run-sweeper';
import { dryRunRepository } from '../../src/infra/db/dry-run-repository';
import { buyer, orderEvent, stores, type Env } from './scenarios';
import { apiHelpers, type Customer } from './write-scenarios';

type Answer = CustomerImportRowAnswer & { chunk: number; dryRun: boolean };
const answersOf = new WeakMap<Bus, Promise<Map<string, Answer[]>>>();

/** Every CustomerImportRowResult the service publishes, by job, read by one subscription per bus. */
function answerCollector(bus: Bus): Promise<Map<string, Answer[]>> {
  let c = answersOf.get(bus);
  if (!c) {
    c = (async () => {
      const byJob = new Map<string, Answer[]>();
      const seenIds = new Set<string>();
      await bus.ensureTopics(['CustomerImportRowResult']);
      await bus.subscribe({
        groupId: uniqueName('import-test-reader'),
        topics: ['CustomerImportRowResult'],
        fromBeginning: true,
        eachBatch: async (messages, ctl) => {
          for (const m of messages) {
            const e = m.value ? JSON.parse(m.value.toString()) : null;
            if (e?.eventVersion === 2 && !seenIds.has(e.eventId)) {
              seenIds.add(e.eventId);
              const list = byJob.get(e.payload.jobId) ?? [];
              for (const r of e.payload.rows)
                list.push({ ...r, chunk: e.payload.chunk, dryRun: e.payload.dryRun });
              byJob.set(e.payload.jobId, list);
            }
            ctl.ack(m);
          }
        },
      });
      return byJob;
    })();
    answersOf.set(bus, c);
  }
  return c;
}

type Values = CustomerImportRow['values'];
export const row = (
  lineNumber: number,
  values: Values,
  target: Partial<Pick<CustomerImportRow, 'customerId' | 'username'>> = {},
): CustomerImportRow => ({
  lineNumber,
  customerId: target.customerId ?? null,
  username: target.username ?? null,
  values,
});

/**
 * SPEC §4 (R4.1–R4.3) on customer-service's side, seen from outside: CustomerImportRequested v2
 * chunks go on the bus (as csv-import-service sends them), answers are read from
 * CustomerImportRowResult and the records through the HTTP API. Run on SQLite + the in-process bus
 * and on MariaDB + Kafka. Every test works in its own account.
 */
export function importScenarios(getEnv: () => Env) {
  const api = apiHelpers(getEnv);

  const chunk = (
    accountId: string,
    jobId: string,
    n: number,
    fields: CustomerImportField[],
    rows: CustomerImportRow[],
    opts: { dryRun?: boolean; final?: boolean } = {},
  ): CustomerImportRequestedV2 =>
    newEvent(
      CustomerImportRequested,
      {
        accountId,
        correlationId: `job-${jobId}`,
        eventId: deterministicEventId('CustomerImportRequested', jobId, n),
      },
      { jobId, chunk: n, dryRun: opts.dryRun ?? false, final: opts.final ?? true, fields, rows },
    );
  const send = async (...events: CustomerImportRequestedV2[]) => {
    await answerCollector(getEnv().bus);
    for (const e of events)
      await getEnv().bus.publish([
        { topic: 'CustomerImportRequested', key: e.accountId, value: JSON.stringify(e) },
      ]);
  };
  /** Waits for `n` answers of the job, in line order. */
  const answers = async (jobId: string, n: number) => {
    const byJob = await answerCollector(getEnv().bus);
    const list = await waitFor(() => ((byJob.get(jobId)?.length ?? 0) >= n ? byJob.get(jobId) : undefined), {
      timeoutMs: 30000,
      intervalMs: 50,
      what: `${n} answers of ${jobId}`,
    });
    return [...list].sort((a, b) => a.lineNumber - b.lineNumber);
  };
  const byEmail = async (accountId: string, email: string): Promise<Customer | undefined> => {
    const l = await api.list(accountId);
    return l.customers.find((c) => c.email === email);
  };

  const FIELDS: CustomerImportField[] = [
    'firstName',
    'lastName',
    'email',
    'phone',
    'shippingAddress.city',
    'tags',
    'emailConsent',
  ];

  it('R4.1 creates customers of the manual store, matches by email, and a duplicate row is "unchanged"', async () => {
    const acct = uniqueName('imp');
    const job = uniqueName('job');
    const peter = {
      firstName: 'Peter',
      lastName: 'Pan',
      email: 'Peter.Pan@example.com',
      phone: '+1 613 555 1212',
      'shippingAddress.city': 'New York',
      tags: ['Customer', 'VIP'],
      emailConsent: 'subscribed' as const,
    };
    await send(
      chunk(
        acct,
        job,
        1,
        FIELDS,
        [row(2, peter), row(3, { ...peter, email: 'wendy@example.com', firstName: 'Wendy', tags: [] })],
        { final: false },
      ),
      chunk(acct, job, 2, FIELDS, [row(4, peter)]),
    );
    const a = await answers(job, 3);
    expect(a.map((x) => x.outcome)).toEqual(['created', 'created', 'unchanged']);
    expect(a[2]!.customerId).toBe(a[0]!.customerId);
    const list = await api.list(acct);
    expect(list.total).toBe(2);
    const p = await api.customer(acct, a[0]!.customerId!);
    expect(p).toMatchObject({
      firstName: 'Peter',
      lastName: 'Pan',
      email: 'Peter.Pan@example.com',
      city: 'New York',
    });
    expect(p.tags.map((t) => t.name)).toEqual(['Customer', 'VIP']);
    expect(p.marketingConsent.email?.state).toBe('subscribed');
    expect(p.fieldSources.email?.source).toBe('csv');
    // The manual store keys buyers by email (R1.2): the new record has that identity.
    expect(p.marketplaceUsernames).toEqual([
      expect.objectContaining({ marketplace: 'manual', username: 'peter.pan@example.com' }),
    ]);
  });

  it('R4.3 replace semantics: a blank cell clears the field, unmapped fields stay, tags replace, address parts apart', async () => {
    const acct = uniqueName('imp');
    const first = uniqueName('job');
    await send(
      chunk(
        acct,
        first,
        1,
        [
          'firstName',
          'lastName',
          'email',
          'company',
          'phone',
          'shippingAddress.city',
          'shippingAddress.street1',
          'tags',
          'smsConsent',
        ],
        [
          row(2, {
            firstName: 'Ann',
            lastName: 'Lee',
            email: 'ann@example.com',
            company: 'Acme',
            phone: '+16135551212',
            'shippingAddress.city': 'Ottawa',
            'shippingAddress.street1': '1 Main St',
            tags: ['a', 'b'],
            smsConsent: 'subscribed',
          }),
        ],
      ),
    );
    const [created] = await answers(first, 1);
    expect(created!.outcome).toBe('created');
    // Second file: maps no company and no street; blanks phone and city; new tags; consent per channel.
    const second = uniqueName('job');
    await send(
      chunk(
        acct,
        second,
        1,
        ['firstName', 'email', 'phone', 'shippingAddress.city', 'tags', 'emailConsent'],
        [
          row(2, {
            firstName: 'Anne',
            email: 'ANN@example.com',
            phone: null,
            'shippingAddress.city': null,
            tags: ['c'],
            emailConsent: 'unsubscribed',
          }),
        ],
      ),
    );
    const [updated] = await answers(second, 1);
    expect(updated).toMatchObject({ outcome: 'updated', customerId: created!.customerId });
    const c = await api.customer(acct, created!.customerId!);
    expect(c).toMatchObject({
      firstName: 'Anne',
      lastName: 'Lee',
      company: 'Acme',
      phone: null,
      email: 'ANN@example.com',
    });
    expect(c.addresses.shipping).toMatchObject({ street1: '1 Main St', city: null });
    expect(c.tags.map((t) => t.name)).toEqual(['c']);
    expect(c.marketingConsent).toMatchObject({
      email: { state: 'unsubscribed' },
      sms: { state: 'subscribed' },
    });
  });

  it('R4.2 a row that targets a store customer (by id or by email) is rejected naming the store; nothing of it changes', async () => {
    const acct = uniqueName('imp');
    await api.publishAndWait(1, orderEvent(acct, { buyer: buyer('shop', { email: 'shop@example.com' }) }));
    const [shopCustomer] = (await api.list(acct)).customers;
    const job = uniqueName('job');
    await send(
      chunk(
        acct,
        job,
        1,
        ['firstName', 'email', 'phone'],
        [
          row(
            2,
            { firstName: 'X', email: 'other@example.com', phone: null },
            { customerId: shopCustomer!.customerId },
          ),
          row(3, { firstName: 'Y', email: 'shop@example.com', phone: null }),
          row(4, { firstName: 'Z', email: 'z@example.com', phone: null }, { customerId: 'cus_missing' }),
          row(5, { firstName: 'Z', email: 'z@example.com', phone: null }, { username: 'nobody@example.com' }),
        ],
      ),
    );
    const a = await answers(job, 4);
    expect(a.map((x) => x.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(a[0]!.reason).toContain(`belongs to store "${stores.shopify.storeName}"`);
    expect(a[1]).toMatchObject({ customerId: shopCustomer!.customerId });
    expect(a[2]!.reason).toContain('cus_missing was not found');
    expect(a[3]!.reason).toContain('username');
    const after = await api.customer(acct, shopCustomer!.customerId);
    expect(after).toMatchObject({
      firstName: shopCustomer!.firstName,
      email: shopCustomer!.email,
      version: shopCustomer!.version,
    });
    expect((await api.list(acct)).total).toBe(1);
  });

  it('R4.1 a row can target a manual-store customer by its username', async () => {
    const acct = uniqueName('imp');
    const j1 = uniqueName('job');
    await send(
      chunk(acct, j1, 1, ['name', 'email'], [row(2, { name: 'Ola Nor', email: 'ola@example.com' })]),
    );
    const [made] = await answers(j1, 1);
    const j2 = uniqueName('job');
    await send(
      chunk(acct, j2, 1, ['company'], [row(2, { company: 'Nor AS' }, { username: 'ola@example.com' })]),
    );
    const [upd] = await answers(j2, 1);
    expect(upd).toMatchObject({ outcome: 'updated', customerId: made!.customerId });
    expect(await api.customer(acct, made!.customerId!)).toMatchObject({ name: 'Ola Nor', company: 'Nor AS' });
  });

  it.each([
    ['archived', 'archive'],
    ['deleted', 'delete'],
  ] as const)(
    'R1.4/R2.6: a row whose email identity points at a record now %s creates a new record and the identity moves to it in that chunk: its CustomerUpserted lists it, the old record keeps none, a row by that username reaches the new record',
    async (_, how) => {
      const acct = uniqueName('imp');
      await api.listen();
      const j1 = uniqueName('job');
      await send(
        chunk(acct, j1, 1, ['name', 'email'], [row(2, { name: 'Ola Nor', email: 'ola@example.com' })]),
      );
      const oldId = (await answers(j1, 1))[0]!.customerId!;
      const gone =
        how === 'archive'
          ? await api.call('post', acct, `/v1/customers/${oldId}/archive`)
          : await api.call('delete', acct, `/v1/customers/${oldId}`);
      expect(gone.status).toBe(200);

      // A dry run across two chunks says what the real run will do, and writes nothing.
      const dry = uniqueName('job');
      await send(
        chunk(acct, dry, 1, ['name', 'email'], [row(2, { name: 'Ola Again', email: 'ola@example.com' })], {
          dryRun: true,
          final: false,
        }),
        chunk(acct, dry, 2, ['company'], [row(3, { company: 'Nor AS' }, { username: 'ola@example.com' })], {
          dryRun: true,
        }),
      );
      const [wouldMake, wouldUpdate] = await answers(dry, 2);
      expect(wouldMake).toMatchObject({ outcome: 'created' });
      expect(wouldUpdate).toMatchObject({ outcome: 'updated', customerId: wouldMake!.customerId });
      expect((await api.list(acct)).total).toBe(0);

      const j2 = uniqueName('job');
      await send(
        chunk(acct, j2, 1, ['name', 'email'], [row(2, { name: 'Ola Again', email: 'ola@example.com' })]),
      );
      const [made] = await answers(j2, 1);
      expect(made).toMatchObject({ outcome: 'created' });
      expect(made!.customerId).not.toBe(oldId);
      const fresh = await api.customer(acct, made!.customerId!);
      expect(fresh.marketplaceUsernames).toEqual([
        expect.objectContaining({ marketplace: 'manual', username: 'ola@example.com' }),
      ]);
      expect((await api.customer(acct, oldId)).marketplaceUsernames).toEqual([]);
      await api.publishedUntil(acct, 'CustomerUpserted', (p) => {
        const c = p.customer as { customerId: string; identities: Array<{ username: string }> };
        return (
          p.cause === 'import' &&
          c.customerId === made!.customerId &&
          c.identities.some((i) => i.username === 'ola@example.com')
        );
      });

      // The manual store's username now names the new record.
      const j3 = uniqueName('job');
      await send(
        chunk(acct, j3, 1, ['company'], [row(2, { company: 'Nor AS' }, { username: 'ola@example.com' })]),
      );
      const [upd] = await answers(j3, 1);
      expect(upd).toMatchObject({ outcome: 'updated', customerId: made!.customerId });
      expect((await api.customer(acct, oldId)).company).toBeNull();
    },
  );

  it('issue #16 notes: imported as written (source csv); a dry run flags the blank cell that would clear them and changes nothing; the real run clears them; a file without notes leaves them', async () => {
    const acct = uniqueName('imp');
    const j1 = uniqueName('job');
    const note = 'Livrer après 18h\r\nsonner 2×';
    await send(
      chunk(
        acct,
        j1,
        1,
        ['email', 'firstName', 'notes'],
        [row(2, { email: 'nia@example.com', firstName: 'Nia', notes: note })],
      ),
    );
    const [made] = await answers(j1, 1);
    expect(made).toMatchObject({ outcome: 'created' });
    const id = made!.customerId!;
    expect(await api.customer(acct, id)).toMatchObject({
      notes: note,
      fieldSources: { notes: { source: 'csv' } },
    });

    const dry = uniqueName('job');
    await send(
      chunk(acct, dry, 1, ['email', 'notes'], [row(2, { email: 'nia@example.com', notes: null })], {
        dryRun: true,
      }),
    );
    const [preview] = await answers(dry, 1);
    expect(preview).toMatchObject({ outcome: 'updated', customerId: id, dryRun: true });
    expect(preview!.changes).toEqual([{ field: 'notes', before: note, after: null, clearedByBlank: true }]);
    expect((await api.customer(acct, id)).notes).toBe(note);

    const other = uniqueName('job');
    await send(
      chunk(acct, other, 1, ['email', 'company'], [row(2, { email: 'nia@example.com', company: 'Nia Co' })]),
    );
    expect((await answers(other, 1))[0]).toMatchObject({ outcome: 'updated' });
    expect((await api.customer(acct, id)).notes).toBe(note);

    const real = uniqueName('job');
    await send(chunk(acct, real, 1, ['email', 'notes'], [row(2, { email: 'nia@example.com', notes: null })]));
    const [applied] = await answers(real, 1);
    expect(applied).toMatchObject({ outcome: 'updated', customerId: id });
    expect(applied!.warnings ?? []).toEqual([]);
    expect((await api.customer(acct, id)).notes).toBeNull();
  });

  it('R4.3 dry run: the same outcomes with each change (blank cells flagged), nothing written', async () => {
    const acct = uniqueName('imp');
    const j1 = uniqueName('job');
    await send(
      chunk(
        acct,
        j1,
        1,
        ['firstName', 'email', 'phone'],
        [row(2, { firstName: 'Bo', email: 'bo@example.com', phone: '+16135551212' })],
      ),
    );
    const [made] = await answers(j1, 1);
    const before = await api.customer(acct, made!.customerId!);
    const dry = uniqueName('job');
    await send(
      chunk(
        acct,
        dry,
        1,
        ['firstName', 'email', 'phone'],
        [
          row(2, { firstName: 'Bob', email: 'bo@example.com', phone: null }),
          row(3, { firstName: 'Cy', email: 'cy@example.com', phone: null }),
        ],
        { dryRun: true, final: false },
      ),
      // A later chunk sees what the earlier one would have done.
      chunk(
        acct,
        dry,
        2,
        ['firstName', 'email', 'phone'],
        [row(4, { firstName: 'Cy', email: 'cy@example.com', phone: null })],
        { dryRun: true },
      ),
    );
    const a = await answers(dry, 3);
    expect(a.map((x) => x.outcome)).toEqual(['updated', 'created', 'unchanged']);
    expect(a.every((x) => x.dryRun)).toBe(true);
    expect(a[0]!.changes).toEqual([
      { field: 'firstName', before: 'Bo', after: 'Bob', clearedByBlank: false },
      { field: 'phone', before: '+16135551212', after: null, clearedByBlank: true },
    ]);
    expect(a[2]!.changes).toEqual([]);
    expect(a[2]!.customerId).toBe(a[1]!.customerId);
    expect(await api.customer(acct, made!.customerId!)).toMatchObject({
      firstName: 'Bo',
      phone: '+16135551212',
      version: before.version,
    });
    expect((await api.list(acct)).total).toBe(1);
  });

  /** Rows of the dry run's would-be state kept for a job (ADR 0024). */
  const wouldBeRows = (accountId: string, jobId: string) =>
    getEnv().svc.db.transaction(async (tx) => {
      const count = async (table: string) => {
        const [r] = (await tx.query(
          `SELECT COUNT(*) AS n FROM ${table} WHERE account_id = ? AND job_id = ?`,
          [accountId, jobId],
        )) as Array<{ n: number | string }>;
        return Number(r!.n);
      };
      return {
        customers: await count('import_dry_run_customers'),
        identities: await count('import_dry_run_identities'),
        jobs: await count('import_dry_runs'),
      };
    });

  it('ADR 0024 dry run across chunk boundaries: later rows match what earlier chunks would create or change, as the real import does; the state is in tables and goes after the final chunk', async () => {
    const acct = uniqueName('imp');
    const fields: CustomerImportField[] = ['firstName', 'email', 'phone'];
    const seed = uniqueName('job');
    await send(
      chunk(acct, seed, 1, fields, [
        row(2, { firstName: 'Old', email: 'old@example.com', phone: '+16135550000' }),
      ]),
    );
    const [old] = await answers(seed, 1);
    const oldId = old!.customerId!;
    // Four chunks, each its own batch (the next is sent once the previous is answered).
    const chunks = (): CustomerImportRow[][] => [
      [
        row(2, { firstName: 'Ann', email: 'ann@example.com', phone: '+16135551111' }),
        row(3, { firstName: 'Old2', email: 'old@example.com', phone: '+16135550000' }),
      ],
      [
        // Matches the customer line 2 would create (the manual identity keyed by its email).
        row(4, { firstName: 'Ann', email: 'ann@example.com', phone: '+16135551111' }),
        row(5, { firstName: 'Annie', email: 'ann@example.com', phone: null }),
      ],
      [
        row(6, { firstName: 'Anna', email: 'ann@example.com', phone: null }, { username: 'ann@example.com' }),
        row(7, { firstName: 'Old2', email: 'old@example.com', phone: '+16135550000' }),
        row(
          8,
          { firstName: 'Old2', email: 'older@example.com', phone: '+16135550000' },
          { customerId: oldId },
        ),
      ],
      [
        // The existing record holds older@ only in the would-be state; old@ is nobody's any more.
        row(9, { firstName: 'Old3', email: 'older@example.com', phone: '+16135550000' }),
        row(10, { firstName: 'New', email: 'old@example.com', phone: null }),
      ],
    ];
    const run = async (dryRun: boolean) => {
      const job = uniqueName(dryRun ? 'dry' : 'real');
      const list = chunks();
      let n = 0;
      for (const [i, rows] of list.entries()) {
        await send(chunk(acct, job, i + 1, fields, rows, { dryRun, final: i === list.length - 1 }));
        n += rows.length;
        await answers(job, n);
        if (dryRun && i === 1) {
          // Between chunks the would-be state is in tables: line 2's record, line 3's, the identity.
          expect(await wouldBeRows(acct, job)).toEqual({ customers: 2, identities: 1, jobs: 1 });
        }
      }
      return { job, answers: await answers(job, n) };
    };

    const dry = await run(true);
    const a = dry.answers;
    expect(a.map((x) => [x.lineNumber, x.outcome])).toEqual([
      [2, 'created'],
      [3, 'updated'],
      [4, 'unchanged'],
      [5, 'updated'],
      [6, 'updated'],
      [7, 'unchanged'],
      [8, 'updated'],
      [9, 'updated'],
      [10, 'updated'],
    ]);
    const ann = a[0]!.customerId!;
    expect(a.map((x) => x.customerId)).toEqual([ann, oldId, ann, ann, ann, oldId, oldId, oldId, oldId]);
    expect(a[3]!.changes).toEqual([
      { field: 'firstName', before: 'Ann', after: 'Annie', clearedByBlank: false },
      { field: 'phone', before: '+16135551111', after: null, clearedByBlank: true },
    ]);
    expect(a[4]!.changes).toEqual([
      { field: 'firstName', before: 'Annie', after: 'Anna', clearedByBlank: false },
    ]);
    expect(a[7]!.changes).toEqual([
      { field: 'firstName', before: 'Old2', after: 'Old3', clearedByBlank: false },
    ]);
    expect(a[8]!.changes).toEqual([
      { field: 'firstName', before: 'Old3', after: 'New', clearedByBlank: false },
      { field: 'email', before: 'older@example.com', after: 'old@example.com', clearedByBlank: false },
      { field: 'phone', before: '+16135550000', after: null, clearedByBlank: true },
    ]);
    // Nothing was written.
    expect((await api.list(acct)).total).toBe(1);
    expect(await api.customer(acct, oldId)).toMatchObject({ firstName: 'Old', email: 'old@example.com' });
    // The final chunk ended the job; the sweep deletes its state.
    await getEnv().svc.dryRunSweeper.drain();
    expect(await wouldBeRows(acct, dry.job)).toEqual({ customers: 0, identities: 0, jobs: 0 });

    // The real import of the same chunks: the same outcomes, on the same records.
    const real = await run(false);
    const r = real.answers;
    expect(r.map((x) => [x.lineNumber, x.outcome])).toEqual(a.map((x) => [x.lineNumber, x.outcome]));
    const realAnn = r[0]!.customerId!;
    expect(r.map((x) => x.customerId)).toEqual([
      realAnn,
      oldId,
      realAnn,
      realAnn,
      realAnn,
      oldId,
      oldId,
      oldId,
      oldId,
    ]);
    expect(await api.customer(acct, realAnn)).toMatchObject({ firstName: 'Anna', phone: null });
    expect(await api.customer(acct, oldId)).toMatchObject({
      firstName: 'New',
      email: 'old@example.com',
      phone: null,
    });
    expect((await api.list(acct)).total).toBe(2);
  });

  it('ADR 0024 a dry run no chunk reached for the TTL is given up: the sweep deletes its state', async () => {
    const acct = uniqueName('imp');
    const job = uniqueName('dry');
    await send(
      chunk(acct, job, 1, ['firstName', 'email'], [row(2, { firstName: 'Gus', email: 'gus@example.com' })], {
        dryRun: true,
        final: false,
      }),
    );
    await answers(job, 1);
    expect(await wouldBeRows(acct, job)).toEqual({ customers: 1, identities: 1, jobs: 1 });
    // Still moving: kept.
    await getEnv().svc.dryRunSweeper.drain();
    expect(await wouldBeRows(acct, job)).toEqual({ customers: 1, identities: 1, jobs: 1 });
    const later = new DryRunSweeper({
      db: getEnv().svc.db,
      dryRuns: dryRunRepository,
      intervalMs: 0,
      ttlMs: 60_000,
      batch: 1,
      logger: testLogger(),
      now: () => new Date(Date.now() + 120_000),
    });
    expect(await later.drain()).toBeGreaterThanOrEqual(2);
    expect(await wouldBeRows(acct, job)).toEqual({ customers: 0, identities: 0, jobs: 0 });
  });

  it('the same chunk delivered twice (same eventId) is applied once and answered once', async () => {
    const acct = uniqueName('imp');
    const job = uniqueName('job');
    const e = chunk(
      acct,
      job,
      1,
      ['firstName', 'email'],
      [row(2, { firstName: 'Di', email: 'di@example.com' })],
    );
    await send(e, e);
    const probe = uniqueName('job');
    await send(
      chunk(acct, probe, 1, ['firstName', 'email'], [row(2, { firstName: 'Ed', email: 'ed@example.com' })]),
    );
    await answers(probe, 1);
    // The probe was answered after both copies (one partition per account): the copy is gone.
    expect(await answers(job, 1)).toHaveLength(1);
    expect((await api.list(acct)).total).toBe(2);
    expect(await byEmail(acct, 'di@example.com')).toMatchObject({ firstName: 'Di', version: 1 });
  });
}
