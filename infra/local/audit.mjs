#!/usr/bin/env node
// `npm run audit`: `npm audit --omit=dev` (production dependencies only), failing on any high or
// critical advisory that infra/security/audit-exceptions.json does not list with a reason. When the
// registry cannot answer audits (a mirror without the advisories endpoint), it says so loudly and
// exits 0, or 1 with AUDIT_REQUIRED=true: an unknown result is never reported as a clean one.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const { exceptions } = JSON.parse(readFileSync(join(root, 'infra/security/audit-exceptions.json'), 'utf8'));
// AUDIT_REPORT=<file>: read a saved `npm audit --json` report instead (to check this script).
const run = process.env.AUDIT_REPORT
  ? { stdout: readFileSync(process.env.AUDIT_REPORT, 'utf8'), stderr: '' }
  : spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = null;
}
if (!report || report.error || !report.metadata) {
  const why =
    report?.error?.summary || report?.message || (run.stderr || run.stdout).trim().split('\n').pop();
  console.log(`npm audit: UNAVAILABLE — the registry did not answer the audit (${why}).`);
  console.log('Nothing is known about advisories from this run; see docs/security.md (npm audit).');
  process.exit(process.env.AUDIT_REQUIRED === 'true' ? 1 : 0);
}

const accepted = new Map(exceptions.map((e) => [e.advisory, e]));
const blocking = [];
const noted = [];
for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
  for (const via of v.via ?? []) {
    if (typeof via !== 'object') continue; // reached through another package: listed under that one
    const id = via.url?.split('/').pop() ?? String(via.source);
    const line = `${via.severity.padEnd(8)} ${name}@${v.range} ${id}: ${via.title}`;
    if (!['high', 'critical'].includes(via.severity)) noted.push(line);
    else if (accepted.has(id)) noted.push(`${line} (accepted: ${accepted.get(id).why})`);
    else blocking.push(line);
  }
}
const counts = report.metadata.vulnerabilities;
console.log(
  `npm audit --omit=dev: ${report.metadata.dependencies?.prod ?? report.metadata.dependencies?.total ?? '?'} production dependencies; ` +
    `critical ${counts.critical}, high ${counts.high}, moderate ${counts.moderate}, low ${counts.low}`,
);
for (const l of noted) console.log(`  ${l}`);
for (const l of blocking) console.log(`! ${l}`);
if (blocking.length) {
  console.log(
    `${blocking.length} high/critical advisories without a written exception: upgrade, or add each to infra/security/audit-exceptions.json with why (docs/security.md).`,
  );
  process.exit(1);
}
