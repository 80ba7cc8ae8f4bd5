// `start`: from `npm start` to every service's /readyz answering 200, after a build (turbo's cache
// holds it, as after any earlier `npm start`), with a fresh data directory. Three runs; the median.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pct } from '../lib/report.mjs';
import { SECRET, freePort, root, sleep } from '../lib/services.mjs';

export async function start(ctx) {
  // "After a build": build once untimed, so every timed run finds turbo's cache warm.
  execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=none'], { cwd: root, stdio: 'ignore' });
  const runs = [];
  for (let i = 0; i < (ctx.runs ?? 3); i++) runs.push(await once());
  const ms = pct(runs, 50);
  ctx.report.note(`npm start → all four /readyz: ${runs.map((r) => `${r} ms`).join(', ')}`);
  return {
    scenario: 'start',
    runs: runs.length,
    start_to_ready_ms: ms,
    min_ms: Math.min(...runs),
    max_ms: Math.max(...runs),
  };
}

async function once() {
  const dataDir = mkdtempSync(join(tmpdir(), 'crp-start-'));
  const base = freePort();
  const ports = [base, base + 1, base + 2, base + 3];
  const t0 = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    stdio: 'ignore',
    detached: true,
    env: {
      ...process.env,
      CRP_DATA_DIR: dataDir,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      ORDER_INGEST_SERVICE_PORT: String(ports[0]),
      CUSTOMER_SERVICE_PORT: String(ports[1]),
      CSV_IMPORT_SERVICE_PORT: String(ports[2]),
      TPL_CONNECTION_SERVICE_PORT: String(ports[3]),
    },
  });
  try {
    const deadline = Date.now() + 180_000;
    for (const p of ports) {
      while (
        !(await fetch(`http://127.0.0.1:${p}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode})`);
        if (Date.now() > deadline) throw new Error('npm start not ready within 180 s');
        await sleep(25);
      }
    }
    return Math.round(performance.now() - t0);
  } finally {
    // npm start runs turbo then node: stop the whole process group.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
