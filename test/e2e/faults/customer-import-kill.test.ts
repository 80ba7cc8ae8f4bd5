import mysql from 'mysql2/promise';
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@crp/platform/auth';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import { waitFor } from '@crp/testing/wait';
import { startServiceProcess, type ServiceProcess } from '../support/processes';

const ROWS = Number(process.env.CUSTOMER_KILL_ROWS ?? 20_000);

/**
 * A file with known answers: every 500th row repeats the one before it (unchanged), every 997th
 * has a bad email (rejected at the door), every 1,500th blanks the phone of an earlier row
 * (updated, R4.3); the rest are new customers.
 */
function writeFile(path: string) {
  const lines = ['Email,First Name,Last Name,Phone,City'];
  const expected = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const made = (i: number) =>
    `c${i}@example.com,First${i},Last${i},+1 613 555 ${String(i % 10000).padStart(4, '0')},"City, ${i % 50}"`;
  let last = '';
  for (let i = 1; i <= ROWS; i++) {
    let line: string;
    if (i % 997 === 0) {
      line = `broken-${i},Bad,Row,,Nowhere`;
      expected.rejected += 1;
    } else if (i % 1500 === 0) {
      // Row j (i-700 or i-701: never a multiple of 500, and not a bad row) was created earlier;
      // its phone is cleared.
      const j = (i - 700) % 997 === 0 ? i - 701 : i - 700;
      line = `c${j}@example.com,First${j},Last${j},,"City, ${j % 50}"`;
      expected.updated += 1;
    } else if (i % 500 === 0 && last) {
      line = last;
      expected.unchanged += 1;
    } else {
      line = made(i);
      expected.created += 1;
    }
    lines.push(line);
    if (!line.startsWith('broken')) last = line;
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return expected;
}

// Issue 16: a customer import survives kill -9 of customer-service and of csv-import-service at
// any point; the final records and counts are those of an uninterrupted run. Both real processes,
// real Kafka and MariaDB (CUSTOMER_KILL_ROWS rows, 20,000 by default).
describeReal('fault: kill -9 of customer-service and csv-import-service during a customer import', () => {
  let dir: string;
  const drops: Array<() => Promise<void>> = [];
  const procs: { csv?: ServiceProcess; cust?: ServiceProcess } = {};

  afterAll(async () => {
    await procs.csv?.stop();
    await procs.cust?.stop();
    for (const drop of drops) await drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes with exactly the counts and customers of an uninterrupted run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cust-import-kill-'));
    const prefix = `${uniqueName('ckill')}.`;
    const csvDb = await freshMysqlDatabase('cimp_kill');
    const custDb = await freshMysqlDatabase('cimp_kill_cust');
    drops.push(csvDb.drop, custDb.drop);
    const common = {
      BUS: 'kafka',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      AUTH_JWT_SECRET: TEST_SECRET,
      OUTBOX_POLL_MS: '50',
    };
    const startCust = async () =>
      (procs.cust = await startServiceProcess('customer-service', {
        ...common,
        DATABASE_URL: custDb.url,
        CONSUMER_BATCH_MAX: '20',
      }));
    const startCsv = async () =>
      (procs.csv = await startServiceProcess('csv-import-service', {
        ...common,
        DATABASE_URL: csvDb.url,
        CSV_IMPORT_DIR: dir,
        CSV_IMPORT_LEASE_MS: '2000',
        CSV_IMPORT_POLL_MS: '200',
        CSV_IMPORT_MAX_ROWS_IN_FLIGHT: '5000',
      }));
    await startCust();
    await startCsv();

    const file = join(dir, 'customers.csv');
    const expected = writeFile(file);
    const accountId = uniqueName('acct');
    const token = await signDevToken(TEST_SECRET, { accountId });
    const auth = { Authorization: `Bearer ${token}` };
    const form = new FormData();
    form.append('kind', 'customers');
    form.append('file', await openAsBlob(file), 'customers.csv');
    const res = await fetch(`${procs.csv!.url}/v1/imports`, { method: 'POST', body: form, headers: auth });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = async () =>
      (await (await fetch(`${procs.csv!.url}/v1/imports/${jobId}`, { headers: auth })).json()) as {
        status: string;
        processedRows: number;
        totalRows: number | null;
        counts: Record<string, number>;
      };
    const reach = (fraction: number) =>
      waitFor(async () => (await job()).processedRows >= ROWS * fraction, {
        timeoutMs: 180_000,
        intervalMs: 100,
        what: `${fraction * 100}% of the rows answered`,
      });

    // customer-service dies in the middle of its batches; later csv-import-service too.
    await reach(0.2);
    await procs.cust!.kill9();
    await startCust();
    await reach(0.6);
    await procs.csv!.kill9();
    await startCsv();

    const done = await waitFor(
      async () => {
        const j = await job();
        return j.status === 'completed' && j;
      },
      { timeoutMs: 300_000, intervalMs: 250, what: 'the job to complete after the kills' },
    );
    expect(done.totalRows).toBe(ROWS);
    expect(done.processedRows).toBe(ROWS);
    expect(done.counts).toEqual(expected);
    const customers = async (query: string) =>
      (await (await fetch(`${procs.cust!.url}/v1/customers?${query}`, { headers: auth })).json()) as {
        total: number;
        customers: Array<{ email: string; phone: string | null; firstName: string; version: number }>;
      };
    // The list's `total` is exact only up to 1,000 (`totalRelation`): count the rows themselves.
    const conn = await mysql.createConnection(custDb.url);
    const [counted] = await conn.query('SELECT COUNT(*) AS n FROM customers');
    await conn.end();
    expect(Number((counted as Array<{ n: number }>)[0]!.n)).toBe(expected.created);
    const page = await customers('limit=500');
    // A chunk applied twice would have bumped versions (an update) or made a second record.
    const cleared = page.customers.filter((c) => c.phone === null);
    expect(
      page.customers
        .filter((c) => c.version !== 1)
        .map((c) => c.email)
        .sort(),
    ).toEqual(cleared.map((c) => c.email).sort());
    expect(page.customers.every((c) => /^c\d+@example\.com$/.test(c.email))).toBe(true);
  }, 600_000);
});
