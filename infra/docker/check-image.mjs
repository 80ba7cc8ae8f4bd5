#!/usr/bin/env node
// Usage: node infra/docker/check-image.mjs <service> [--work <dir>] [--keep]
//
// Runs the steps of services/<service>/Dockerfile without Docker (none on these machines) and
// checks what the image would hold:
//   1. `turbo prune @crp/<service> --docker` (the service's workspaces and a pruned lockfile);
//   2. `npm install` from that lockfile + lockfile-check (exactly the pinned versions: ADR 0018),
//      the build, `npm prune --omit=dev`, assemble-runtime (install scripts skipped: the
//      better-sqlite3 addon comes from native-addon.mjs's cache for the running Node);
//   3. the runtime tree holds no dev tool, no test workspace, no other service, and every
//      production dependency of the service;
//   4. the service starts from it as an unprivileged user (uid 1000 when run as root) on an
//      embedded SQLite database (so the native addon must load), answers /healthz and /readyz,
//      and exits 0 on SIGTERM.
// Prints one JSON line with the figures (step times, runtime size). Exit 1 on any problem.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const service = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--work');
const workArg = args.includes('--work') ? args[args.indexOf('--work') + 1] : undefined;
const keep = args.includes('--keep');
if (!service || !existsSync(join(root, 'services', service, 'Dockerfile'))) {
  console.error(
    'usage: node infra/docker/check-image.mjs <service with a Dockerfile> [--work <dir>] [--keep]',
  );
  process.exit(2);
}

const work = resolve(workArg ?? mkdtempSync(join(tmpdir(), `crp-image-${service}-`)));
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
chmodSync(work, 0o755);
const figures = { service, node: process.version, steps: {} };
const problems = [];
const env = { ...process.env, FORCE_COLOR: '0', TURBO_TELEMETRY_DISABLED: '1' };
// As in .ci/run: better-sqlite3 compiles from source here and needs the local Node headers.
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h') && process.execPath === '/usr/bin/node')
  env.npm_config_nodedir = '/usr';

function step(name, cmd, argv, cwd) {
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  figures.steps[name] = Date.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}\n${r.stderr ?? ''}\n`);
    throw new Error(`${name} failed (exit ${r.status}): ${cmd} ${argv.join(' ')}`);
  }
  return r.stdout;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pruned = join(work, 'pruned');
const app = join(work, 'app');
const runtime = join(work, 'runtime');
let child;
try {
  // 1. prune
  step(
    'prune',
    join(root, 'node_modules', '.bin', 'turbo'),
    ['prune', `@crp/${service}`, '--docker', `--out-dir=${pruned}`],
    root,
  );
  // 2. install, check the lockfile, build, drop dev dependencies, assemble
  cpSync(join(pruned, 'json'), app, { recursive: true });
  cpSync(join(app, 'package-lock.json'), join(work, 'pinned-lock.json'));
  // The Dockerfile lets better-sqlite3's install script fetch or compile the addon; here the
  // build kept by native-addon.mjs for this Node is dropped in instead (minutes saved per run).
  step('install', npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], app);
  step(
    'native-addon',
    process.execPath,
    [join(root, 'infra/local/native-addon.mjs'), process.execPath, '--root', app],
    app,
  );
  step(
    'lockfile-check',
    process.execPath,
    [
      join(root, 'infra/docker/lockfile-check.mjs'),
      join(work, 'pinned-lock.json'),
      join(app, 'package-lock.json'),
    ],
    app,
  );
  cpSync(join(pruned, 'full'), app, { recursive: true });
  cpSync(join(root, 'tsconfig.base.json'), join(app, 'tsconfig.base.json'));
  step(
    'build',
    join(app, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', `--filter=@crp/${service}`, '--output-logs=errors-only'],
    app,
  );
  step('prune-dev', npm, ['prune', '--omit=dev', '--no-audit', '--no-fund'], app);
  step(
    'assemble',
    process.execPath,
    [join(root, 'infra/docker/assemble-runtime.mjs'), service, runtime],
    app,
  );

  // 3. what the runtime holds
  const nm = join(runtime, 'node_modules');
  for (const dev of [
    'typescript',
    'jest',
    'turbo',
    '@swc/core',
    'eslint',
    'prettier',
    'supertest',
    'dependency-cruiser',
    '@crp/testing',
    '@crp/tooling',
  ]) {
    if (existsSync(join(nm, dev))) problems.push(`runtime holds the dev package ${dev}`);
  }
  for (const other of readdirSync(join(root, 'services'))) {
    if (other !== service && existsSync(join(runtime, 'services', other)))
      problems.push(`runtime holds ${other}`);
  }
  const workspaceDirs = readdirSync(join(runtime, 'packages')).map((d) => join(runtime, 'packages', d));
  for (const dir of [join(runtime, 'services', service), ...workspaceDirs]) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      // Resolved the way Node does: beside the workspace first, then at the root.
      if (!existsSync(join(dir, 'node_modules', dep)) && !existsSync(join(nm, dep)))
        problems.push(`runtime lacks ${dep} (a dependency of ${pkg.name})`);
    }
  }
  figures.runtimeMB = Math.round(du(runtime) / 1e5) / 10;
  figures.packages = readdirSync(nm).flatMap((n) =>
    n.startsWith('@') ? readdirSync(join(nm, n)) : [n],
  ).length;

  // 4. start it as the image would
  const data = join(work, 'data');
  mkdirSync(data, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(data, 1000, 1000);
  const port = await freePort();
  const t0 = Date.now();
  child = spawn(process.execPath, [join('services', service, 'dist', 'main.js')], {
    cwd: runtime,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(asRoot ? { uid: 1000, gid: 1000 } : {}),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      BUS: 'in-process',
      DATABASE_URL: `sqlite:${join(data, `${service}.sqlite`)}`,
      AUTH_JWT_SECRET: 'image-check-secret-0123456789',
      CSV_IMPORT_DIR: join(data, 'csv-imports'),
      MAIL_DIR: join(data, 'mail'),
      // Keys a production start requires (a Secret in infra/k8s): throwaway values of the right shape.
      MAILCHIMP_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
      CHANNEL_CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  let ready = null;
  while (Date.now() - t0 < 60000 && child.exitCode === null) {
    ready = await fetch(`${url}/readyz`).then(
      (r) => (r.ok ? r.json() : null),
      () => null,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  figures.readyMs = Date.now() - t0;
  if (!ready) problems.push(`not ready within 60 s: ${stderr.slice(-2000)}`);
  else {
    const health = await fetch(`${url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (health !== 200) problems.push(`/healthz answered ${health}`);
    figures.ready = ready;
    figures.user = asRoot ? 'uid 1000' : `uid ${process.getuid?.()}`;
  }
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  if (code !== 0) problems.push(`exit on SIGTERM: ${signal ?? code} ${stderr.slice(-1000)}`);
} catch (err) {
  problems.push(err.message);
  if (child && child.exitCode === null) child.kill('SIGKILL');
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else figures.work = work;
}
figures.problems = problems;
console.log(JSON.stringify(figures));
process.exit(problems.length ? 1 : 0);

function du(path) {
  const s = lstatSync(path, { throwIfNoEntry: false });
  if (!s || s.isSymbolicLink()) return 0;
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    total += st.isDirectory() ? du(p) : st.size;
  }
  return total;
}

function freePort() {
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}
