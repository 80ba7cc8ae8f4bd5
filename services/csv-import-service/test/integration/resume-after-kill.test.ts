import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { signDevToken } from '@crp/platform/auth';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { ChildService, freePort } from '../support/child-service';
import { CustomerServiceDouble } from '../support/customer-service-double';

const ROWS = Number(process.env.KILL_TEST_ROWS ?? 100_000);

/**
 * A 100,000-row file with known answers: every 1,000th row repeats the one before it (unchanged),
 * every 997th has a bad email (rejected at the door), the rest are new customers.
 */
function writeFile(path: string) {
  const lines = ['Email,First Name,Last Name,Phone,City'];
  const expected = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let last = '';
  for (let i = 1; i <= ROWS; i++) {
    let line: string;
    if (i % 997 === 0) {
      line = `broken-${i},Bad,Row,,Nowhere`;
      expected.rejected += 1;
    } else if (i % 1000 === 0 && last) {
      line = last;
      expected.unchanged += 1;
    } else {
      line = `c${i}@example.com,First${i},Last${i},+1 613 555 ${String(i % 10000).padStart(4, '0')},"City, ${i % 50}"`;
      expected.created += 1;
    }
    lines.push(line);
    if (!line.startsWith('broken')) last = line;
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
  return expected;
}

describeReal('csv-import-service survives kill -9 at any point (real Kafka + MariaDB, 100,000 rows)', () => {
  const prefix = `${uniqueName('kill')}.`;
  let dir: string;
  let drops: Array<() => Promise<void>> = [];
  let service: ChildService;
  let bus: KafkaBus;
  let double: CustomerServiceDouble;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'csv-kill-'));
    const own = await freshMysqlDatabase('csv_kill');
    const theirs = await freshMysqlDatabase('csv_kill_cust');
    drops = [own.drop, theirs.drop];
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      clientId: 'customer-double',
      topicPrefix: prefix,
      logger: testLogger(),
    });
    double = new CustomerServiceDouble({
      bus,
      logger: testLogger('customer-double'),
      databaseUrl: theirs.url,
      maxBatch: 50,
    });
    await double.start();
    service = new ChildService(await freePort(), {
      DATABASE_URL: own.url,
      BUS: 'kafka',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      AUTH_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      OUTBOX_POLL_MS: '50',
      CSV_IMPORT_DIR: dir,
      CSV_IMPORT_LEASE_MS: '2000',
      CSV_IMPORT_POLL_MS: '200',
      CSV_IMPORT_MAX_ROWS_IN_FLIGHT: '5000',
    });
    await service.start();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await double?.stop();
    await bus?.close();
    for (const drop of drops) await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after two SIGKILLs with exactly the counts of an uninterrupted run: no row applied twice, none lost', async () => {
    const file = join(dir, 'big.csv');
    const expected = writeFile(file);
    const token = await signDevToken(TEST_SECRET, { accountId: 'acme' });
    const form = new FormData();
    form.append('kind', 'customers');
    form.append('file', await openAsBlob(file), 'big.csv');
    const res = await fetch(`${service.url}/v1/imports`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = async () =>
      (await (
        await fetch(`${service.url}/v1/imports/${jobId}`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as {
        status: string;
        processedRows: number;
        counts: Record<string, number>;
        totalRows: number | null;
        attempts: number;
        progress: { bytes: number };
      };

    // Kill once while the file is being read and rows are in flight, and once later.
    for (const fraction of [0.15, 0.55]) {
      await waitFor(async () => (await job()).processedRows >= ROWS * fraction, {
        timeoutMs: 120_000,
        intervalMs: 100,
        what: `${fraction * 100}% of the rows`,
      }).catch(async (err: Error) => {
        throw new Error(
          `${err.message}\njob: ${JSON.stringify(await job())}\nchunks handled by the double: ${double.chunks}\nservice log:\n${service.log}`,
        );
      });
      const before = await job();
      expect(before.status).toBe('running');
      await service.kill();
      await service.start();
    }

    const done = await waitFor(
      async () => {
        const j = await job();
        return j.status === 'completed' && j;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'the job to complete after the kills' },
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\njob: ${JSON.stringify(await job())}\nchunks handled by the double: ${double.chunks}\nservice log:\n${service.log}`,
      );
    });
    expect(done.totalRows).toBe(ROWS);
    expect(done.processedRows).toBe(ROWS);
    expect(done.counts).toEqual(expected);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    // Every row that travelled was applied exactly once by customer-service's stand-in.
    const applied = [...double.applied.entries()].filter(([k]) => k.startsWith(`${jobId}:`));
    expect(applied).toHaveLength(ROWS - expected.rejected);
    expect(applied.filter(([, n]) => n !== 1)).toEqual([]);
    expect(double.customers.size).toBe(expected.created);
    const errors = await (
      await fetch(`${service.url}/v1/imports/${jobId}/errors.csv`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).text();
    expect(errors.trim().split('\r\n')).toHaveLength(1 + expected.rejected);
  }, 420_000);
});
