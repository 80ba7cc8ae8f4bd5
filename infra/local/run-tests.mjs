#!/usr/bin/env node
// `npm test`: runs every workspace's jest through turbo, then sums the jest --json reports into one
// line, `<N> passed, <M> failed`, printed last. With CI=true a skipped or missing suite fails the run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const workspaces = ['packages', 'services']
  .flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)))
  .concat([join(root, 'test')])
  .filter((dir) => existsSync(join(dir, 'package.json')));

// Stale reports must not count: remove them before the run.
for (const ws of workspaces) {
  rmSync(join(ws, 'reports'), { recursive: true, force: true });
  mkdirSync(join(ws, 'reports')); // jest --outputFile does not create it
}

const args = [
  'turbo',
  'run',
  'test',
  '--env-mode=loose',
  '--continue',
  `--concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
];
const passThrough = process.argv.slice(2);

// A time budget for the whole run (TEST_BUDGET_MINUTES, 65 by default): past it the run is stopped,
// every process of it killed, and whatever reports exist are summed, a missing one counting as a
// failure. CI has 90 minutes for install, infrastructure, build, lint and tests; a hang must end as
// a red summary line, not as a CI run that never reports.
const budgetMinutes = Number(process.env.TEST_BUDGET_MINUTES ?? '65');
const turbo = await new Promise((done) => {
  // Its own process group, so that a kill reaches turbo, every jest and every process they started.
  const child = spawn('npx', [...args, ...passThrough], { cwd: root, stdio: 'inherit', detached: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(
      `\n!! the test run exceeded its budget of ${budgetMinutes} minutes (TEST_BUDGET_MINUTES): stopping it`,
    );
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 15_000).unref();
  }, budgetMinutes * 60_000);
  const forward = (signal) => killGroup(child.pid, signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', async (status) => {
    clearTimeout(timer);
    // The summary must be the last line: wait until nothing of the stopped run can still print.
    if (timedOut) await groupGone(child.pid, 20_000);
    done({ status: timedOut ? 1 : status, timedOut });
  });
});

async function groupGone(pid, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) killGroup(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const problems = [];
for (const ws of workspaces) {
  const pkg = JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8'));
  if (!/\bjest\b/.test(pkg.scripts?.test ?? '')) continue;
  const file = join(ws, 'reports', 'jest.json');
  if (!existsSync(file)) {
    if (passThrough.length === 0 || turbo.timedOut) {
      problems.push(`${pkg.name}: no jest report (did its test run at all?)`);
      failed += 1; // a workspace whose tests did not report counts as a failure in the summary line
    }
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const suiteErrors = r.numRuntimeErrorTestSuites ?? 0;
  const wsSkipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) + (r.numPendingTestSuites ?? 0);
  passed += r.numPassedTests;
  failed += r.numFailedTests + suiteErrors;
  skipped += wsSkipped;
  rows.push(
    `${pkg.name.padEnd(30)} ${String(r.numPassedTests).padStart(5)} passed ${String(r.numFailedTests + suiteErrors).padStart(4)} failed ${String(wsSkipped).padStart(4)} skipped  (${r.numTotalTestSuites} suites)`,
  );
  for (const s of r.testResults ?? []) {
    if (s.status === 'failed') problems.push(`${relative(root, s.name)}: failed`);
  }
}

console.log('\nTest summary (jest --json reports)');
for (const row of rows) console.log(`  ${row}`);
for (const p of problems) console.log(`  ! ${p}`);
if (turbo.timedOut) problems.push(`the run was stopped after ${budgetMinutes} minutes (TEST_BUDGET_MINUTES)`);
let exit = turbo.status === 0 ? 0 : 1;
if (failed > 0 || problems.length > 0) exit = 1;
if (skipped > 0) {
  const msg = `${skipped} test(s) were skipped`;
  if (process.env.CI === 'true') {
    console.log(`  ! ${msg}: with CI=true every suite, real-infrastructure ones included, must run`);
    exit = 1;
  } else {
    console.log(`  ! ${msg} (real Kafka/MariaDB unavailable?): see the warnings above`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exit);
