import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KafkaBus } from '@crp/messaging/kafka-bus';
import { signDevToken } from '@crp/platform/auth';
import { describeReal, freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { TEST_SECRET } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { ChildService, freePort } from '../support/child-service';
import { CustomerServiceDouble } from '../support/customer-service-double';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli', 'import.js');

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('exit', (code) => r({ code, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

describeReal('npm run import (the CLI) against csv-import-service on real Kafka + MariaDB', () => {
  const prefix = `${uniqueName('cli')}.`;
  let dir: string;
  let drops: Array<() => Promise<void>> = [];
  let service: ChildService;
  let bus: KafkaBus;
  let double: CustomerServiceDouble;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'csv-cli-'));
    const own = await freshMysqlDatabase('csv_cli');
    const theirs = await freshMysqlDatabase('csv_cli_cust');
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
      CSV_IMPORT_DIR: join(dir, 'uploads'),
      CSV_IMPORT_POLL_MS: '100',
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

  const env = () => ({ AUTH_JWT_SECRET: TEST_SECRET, CSV_IMPORT_URL: service.url });

  it('uploads, follows the job to the end, prints the counts and saves the error report (exit 0)', async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(
      file,
      'Email;Prénom;Téléphone\r\nana@example.com;Ana;+34 600 000 001\r\nbad-email;Bea;\r\nana@example.com;Ana;+34 600 000 001\r\n',
    );
    const mapping = join(dir, 'm.json');
    writeFileSync(mapping, JSON.stringify({ Prénom: 'firstName', Téléphone: 'phone' }));
    const errorsOut = join(dir, 'errors.csv');
    const { done } = runCli(
      [
        'customers',
        file,
        '--account',
        'acme',
        '--mapping',
        mapping,
        '--errors-out',
        errorsOut,
        '--interval',
        '100',
      ],
      env(),
    );
    const { code, stdout, stderr } = await done;
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/uploading .*customers\.csv/),
    });
    expect(stdout).toMatch(/^completed: 3 rows in [\d.]+ s$/m);
    expect(stdout).toMatch(/created 1, updated 0, unchanged 1, rejected 1/);
    expect(stdout).toContain(`error report: ${errorsOut}`);
    expect(readFileSync(errorsOut, 'utf8')).toBe(
      '\uFEFFline,reason,Email,Prénom,Téléphone\r\n3,"Email (email) ""bad-email"" is not an email address",bad-email,Bea,\r\n',
    );
    expect(double.byEmail('acme', 'ana@example.com')?.values).toEqual({
      email: 'ana@example.com',
      firstName: 'Ana',
      phone: '+34 600 000 001',
    });
  });

  it('a dry run says where its preview is; nothing changes', async () => {
    const file = join(dir, 'dry.csv');
    writeFileSync(file, 'Email,First Name\nana@example.com,Anita\n');
    const { code, stdout } = await runCli(
      ['customers', file, '--account', 'acme', '--dry-run', '--interval', '100'],
      env(),
    ).done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/dry run completed/);
    expect(stdout).toMatch(/would create 0, would update 1/);
    expect(stdout).toMatch(/preview: .*\/preview/);
    expect(double.byEmail('acme', 'ana@example.com')?.values.firstName).toBe('Ana');
  });

  it('exits 1 when the job does not complete (cancelled), 2 when the upload is refused', async () => {
    const file = join(dir, 'long.csv');
    writeFileSync(
      file,
      `Email\n${Array.from({ length: 20000 }, (_, i) => `l${i}@example.com`).join('\n')}\n`,
    );
    double.delayMs = 200;
    try {
      const run = runCli(['customers', file, '--account', 'acme', '--interval', '100'], env());
      const jobId = await waitFor(() => /job (imp_\w+)/.exec(run.stderr())?.[1], {
        timeoutMs: 30000,
        what: 'the job id',
      });
      const token = await signDevToken(TEST_SECRET, { accountId: 'acme' });
      const cancel = await fetch(`${service.url}/v1/imports/${jobId}/cancel`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(cancel.status).toBe(200);
      const { code, stdout } = await run.done;
      expect(code).toBe(1);
      expect(stdout).toMatch(/^cancelled: /m);
    } finally {
      double.delayMs = 0;
    }
    const notCsv = join(dir, 'photo.csv');
    writeFileSync(notCsv, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]));
    const refused = await runCli(['customers', notCsv, '--account', 'acme'], env()).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/upload refused \(415 NOT_CSV\): The file is a PNG image/);
    const usage = await runCli(['pets', notCsv], env()).done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run import/);
  });
});
