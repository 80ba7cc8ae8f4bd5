#!/usr/bin/env node
// Usage: node lockfile-check.mjs <pinned-lockfile> <lockfile-after-npm-install>
//
// What `npm ci` would guarantee, for the `npm install` the images use instead (docs/adr/0018):
// every package entry of the pinned lockfile installed at the same version, none added or
// dropped. Only the formatting of the file may differ (npm rewrites turbo's pruned lockfile).
import { readFileSync } from 'node:fs';

const [pinnedFile, installedFile] = process.argv.slice(2);
if (!pinnedFile || !installedFile) {
  console.error('usage: node lockfile-check.mjs <pinned> <installed>');
  process.exit(2);
}
const entries = (file) => {
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  return new Map(Object.entries(lock.packages ?? {}).map(([path, p]) => [path, p.version ?? '']));
};
const pinned = entries(pinnedFile);
const installed = entries(installedFile);
const problems = [];
for (const [path, version] of pinned) {
  if (!installed.has(path)) problems.push(`dropped ${path}@${version}`);
  else if (installed.get(path) !== version) problems.push(`${path}: ${version} -> ${installed.get(path)}`);
}
for (const [path, version] of installed) if (!pinned.has(path)) problems.push(`added ${path}@${version}`);
if (problems.length) {
  console.error(`lockfile-check: npm install did not follow the lockfile:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`lockfile-check: ${pinned.size} entries installed exactly as pinned`);
