import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { describeReal, freshMysqlDatabase, uniqueName } from '@crp/testing/real-infra';

// Issue 20, findings 4 and 5, as a user meets them: `npm start -- --real` on a fresh topic prefix
// (the four services create and use their topics at the same moment) must come up, and the death
// of one service must leave the other three serving while it is restarted.

const root = resolve(__dirname, '..', '..');
const services = [
  ['order-ingest-service', 'ORDER_INGEST_SERVICE'],
  ['customer-service', 'CUSTOMER_SERVICE'],
  ['csv-import-service', 'CSV_IMPORT_SERVICE'],
  ['tpl-connection-service', 'TPL_CONNECTION_SERVICE'],
] as const;

const ok = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeReal('npm start -- --real (infra/local/start.mjs)', () => {
  let start: ChildProcess | undefined;
  let log = '';
  const drops: Array<() => Promise<void>> = [];
  const ports: Record<string, number> = {};

  afterAll(async () => {
    if (start && start.exitCode === null) {
      start.kill('SIGKILL');
    }
    await Promise.all(drops.map((d) => d()));
  });

  it('on a fresh topic prefix all four come up; one killed with -9 is restarted while the others keep answering; SIGTERM stops all', async () => {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      KAFKA_TOPIC_PREFIX: `${uniqueName('start')}.`,
      LOG_LEVEL: 'warn',
    };
    const base = 21000 + Math.floor(Math.random() * 15000);
    for (const [i, [name, key]] of services.entries()) {
      const db = await freshMysqlDatabase(name.split('-')[0]!);
      drops.push(db.drop);
      ports[name] = base + i;
      env[`${key}_PORT`] = String(base + i);
      env[`${key}_DATABASE_URL`] = db.url;
    }
    start = spawn(process.execPath, [resolve(root, 'infra/local/start.mjs'), '--real'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    start.stderr!.setEncoding('utf8');
    start.stderr!.on('data', (d: string) => (log += d));
    const pidOf = (name: string) => {
      const all = [...log.matchAll(new RegExp(`${name} started \\(pid (\\d+)\\)`, 'g'))];
      return all.length ? Number(all[all.length - 1]![1]) : 0;
    };

    await until('the banner of npm start', () => log.includes('Customer records platform is up'), 120_000);
    // Finding 5: no service fell over while they created their topics together.
    expect(log).not.toMatch(/exited \(/);

    const victim = 'customer-service';
    const first = pidOf(victim);
    process.kill(first, 'SIGKILL');
    const killedAt = Date.now();
    await until(`${victim} restarted`, () => pidOf(victim) !== first && pidOf(victim) > 0, 30_000);
    expect(log).toMatch(new RegExp(`${victim} exited \\(SIGKILL\\); restart 1 in \\d+ ms`));

    // The other three never stopped.
    for (const [name] of services) {
      if (name === victim) continue;
      expect(await ok(`http://127.0.0.1:${ports[name]}/healthz`)).toBe(true);
    }
    // Finding 6: the new process answers HTTP at once, long before its consumer can rejoin the group
    // (the killed member holds its partitions for the 30 s session timeout).
    await until(`${victim} answering again`, () => ok(`http://127.0.0.1:${ports[victim]}/readyz`), 15_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);

    const exited = new Promise<number | null>((r) => start!.once('exit', (code) => r(code)));
    start.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const [name] of services) expect(await ok(`http://127.0.0.1:${ports[name]}/healthz`)).toBe(false);
    expect(log).not.toMatch(/restart 2/);
  });
});
