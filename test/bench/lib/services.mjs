// Starts a service of this repository as its own process (node services/<name>/dist/main.js),
// as a deployment would, so that its RSS and CPU are its own.
import { execFileSync, spawn } from 'node:child_process';
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

/**
 * Node flags for a service process the bench starts (never for the bench itself):
 * BENCH_NODE_OPTIONS='--max-old-space-size=256 …' as a deployment's NODE_OPTIONS would set them, and
 * with BENCH_PROFILE_DIR=<dir> a V8 CPU profile written there when the process stops (--cpu-prof).
 */
export function serviceNodeFlags(name) {
  return [...nodeOptions(), ...profileFlags(name)];
}

/** BENCH_NODE_OPTIONS as the services run with it ('' = Node's defaults); printed with the figures. */
export function serviceNodeOptions() {
  return nodeOptions().join(' ');
}

const nodeOptions = () => (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);

function profileFlags(name) {
  return process.env.BENCH_PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`,
        `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
      ]
    : [];
}

export async function startService(name, env, { port, log = false } = {}) {
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags(name), resolve(root, 'services', name, 'dist', 'main.js')],
    {
      stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        AUTH_JWT_SECRET: SECRET,
        // Required in production since issue 19 (it seals Mailchimp API keys); any 32 bytes do here.
        MAILCHIMP_CREDENTIALS_KEY: 'be'.repeat(32),
        PORT: String(port),
        ...env,
      },
    },
  );
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

/**
 * Sizes the MariaDB at `mysqlBase` for volume (infra/local/mariadb-size.sh: buffer pool and redo
 * log raised where lower, never lowered, until the server restarts) unless BENCH_MARIADB_SIZE=0,
 * and returns the sizes the run had, for its report. With the server's own 128 MB pool, 200,000
 * orders ran at half the rate (docs/performance.md).
 */
export async function sizeMariadb(mysqlBase, log) {
  const url = new URL(mysqlBase);
  if (process.env.BENCH_MARIADB_SIZE !== '0') {
    const out = execFileSync('bash', [resolve(root, 'infra/local/mariadb-size.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        MYSQL_HOST: url.hostname,
        MYSQL_PORT: url.port || '3306',
        MYSQL_USER: decodeURIComponent(url.username || 'root'),
        MYSQL_PASSWORD: decodeURIComponent(url.password),
      },
    });
    log?.(String(out).trim());
  }
  const mysql = (await import('mysql2/promise')).default;
  const conn = await mysql.createConnection(mysqlBase);
  try {
    const [rows] = await conn.query(
      'SELECT @@innodb_buffer_pool_size DIV 1048576 AS pool, @@innodb_log_file_size DIV 1048576 AS redo',
    );
    return { innodb_buffer_pool_mb: Number(rows[0].pool), innodb_redo_log_mb: Number(rows[0].redo) };
  } finally {
    await conn.end();
  }
}

/** Events of a topic the service's consumers have finished with (every outcome), from its metrics. */
export async function consumedEvents(url, topic) {
  const text = await fetch(`${url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  let n = 0;
  for (const m of text.matchAll(/^consumer_messages_total\{([^}]*)\} (\S+)$/gm)) {
    if (new RegExp(`topic="[^"]*\\b${topic}"`).test(m[1])) n += Number(m[2]);
  }
  return n;
}
