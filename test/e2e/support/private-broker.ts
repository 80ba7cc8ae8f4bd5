import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const kafkaSh = resolve(__dirname, '..', '..', '..', 'infra', 'local', 'kafka.sh');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/**
 * A broker of this test's own (infra/local/kafka.sh on free ports, its own data dir), so the
 * test can crash and restart it without disturbing the shared broker other suites use.
 */
export async function privateBroker() {
  const env = {
    ...process.env,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_RUN_DIR: mkdtempSync(join(tmpdir(), 'crp-kafka-')),
  };
  const sh = (...args: string[]) => run('bash', [kafkaSh, ...args], { env, timeout: 120000 });
  await sh('start');
  return {
    brokers: `127.0.0.1:${env.KAFKA_PORT}`,
    start: () => sh('start'),
    /** SIGKILL: what a crash looks like to the clients. */
    kill: () => sh('stop', '--kill'),
    stop: () => sh('stop'),
  };
}
