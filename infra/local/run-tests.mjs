#!/usr/bin/env node
// `npm test`: runs every workspace's jest through turbo, then sums the jest --json reports into one
// line, `<N> passed, <M> failed`, printed last. With CI=true a skipped or missing suite fails the run.
import { spawnSync } from 'node:child_process';
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
const turbo = spawnSync('npx', [...args, ...passThrough], { cwd: root, stdio: 'inherit' });

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
    if (passThrough.length === 0) problems.push(`${pkg.name}: no jest report (did its test run at all?)`);
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
