// Starts a service of this repository as its own process (node services/<name>/dist/main.js),
// as a deployment would, so that its RSS and CPU are its own.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..', '..');
export const SECRET = 'bench-secret-bench-secret-bench';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A bench that fails must not leave services running: kill every child on the way out.
const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

export async function startService(name, env, { port, log = false } = {}) {
  // BENCH_PROFILE_DIR=<dir>: each service writes a V8 CPU profile there when it stops (node --cpu-prof).
  const prof = process.env.BENCH_PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`,
        `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
      ]
    : [];
  const child = spawn(process.execPath, [...prof, resolve(root, 'services', name, 'dist', 'main.js')], {
    stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      AUTH_JWT_SECRET: SECRET,
      // customer-service refuses to start in production without it (issue 19); a bench-only key.
      MAILCHIMP_CREDENTIALS_KEY: 'b'.repeat(64),
      PORT: String(port),
      ...env,
    },
  });
  children.add(child);
  const exited = new Promise((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      r({ code, signal });
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`${name} exited at start (${child.exitCode})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within 60 s`);
    }
    await sleep(100);
  }
  return {
    name,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export const freePort = () => 20000 + Math.floor(Math.random() * 20000);

/** Sum and count of Prometheus histograms a service exposes, e.g. consumer_batch_size. */
export async function histograms(url, names) {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const out = {};
  for (const name of names) {
    let sum = 0;
    let count = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}_sum`)) sum += Number(line.split(' ').pop());
      if (line.startsWith(`${name}_count`)) count += Number(line.split(' ').pop());
    }
    out[name] = { sum, count, mean: count ? sum / count : null };
  }
  return out;
}
