#!/usr/bin/env node
// Usage (in a `turbo prune --docker` tree after `npm install`, the build and `npm prune --omit=dev`):
//   node assemble-runtime.mjs <service> <out-dir>
//
// Copies what one service needs at run time into <out-dir>: the root package.json, the
// package.json and dist/ of the service and of the workspaces it depends on (transitively,
// production dependencies only), and node_modules without links to other workspaces. better-sqlite3
// keeps only its compiled addon (its sources and object files are ~25 MB). Used by each service's
// Dockerfile and by infra/docker/check-image.mjs, which checks the result without Docker.
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

const [service, outArg] = process.argv.slice(2);
if (!service || !outArg) {
  console.error('usage: node assemble-runtime.mjs <service> <out-dir>');
  process.exit(2);
}
const root = process.cwd();
const out = resolve(outArg);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Workspace name -> directory (relative to the root). */
const workspaces = new Map();
for (const parent of ['packages', 'services']) {
  if (!existsSync(join(root, parent))) continue;
  for (const dir of readdirSync(join(root, parent))) {
    const file = join(root, parent, dir, 'package.json');
    if (existsSync(file)) workspaces.set(readJson(file).name, join(parent, dir));
  }
}
const start = `services/${service}`;
if (![...workspaces.values()].includes(start)) {
  console.error(`assemble-runtime: no workspace at ${start}`);
  process.exit(2);
}

// The service and the workspaces its production dependencies reach.
const needed = new Set();
const visit = (dir) => {
  if (needed.has(dir)) return;
  needed.add(dir);
  for (const dep of Object.keys(readJson(join(root, dir, 'package.json')).dependencies ?? {})) {
    const ws = workspaces.get(dep);
    if (ws) visit(ws);
  }
};
visit(start);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const rootPkg = readJson(join(root, 'package.json'));
delete rootPkg.devDependencies;
delete rootPkg.scripts;
rootPkg.workspaces = [...needed];
writeFileSync(join(out, 'package.json'), `${JSON.stringify(rootPkg, null, 2)}\n`);

for (const dir of needed) {
  if (!existsSync(join(root, dir, 'dist'))) {
    console.error(`assemble-runtime: ${dir}/dist is missing (build first)`);
    process.exit(1);
  }
  cpSync(join(root, dir, 'package.json'), join(out, dir, 'package.json'));
  cpSync(join(root, dir, 'dist'), join(out, dir, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.tsbuildinfo') && !src.endsWith('.d.ts.map'),
  });
  // Dependencies npm could not hoist (another version at the root) live beside the workspace.
  if (existsSync(join(root, dir, 'node_modules')))
    cpSync(join(root, dir, 'node_modules'), join(out, dir, 'node_modules'), {
      recursive: true,
      verbatimSymlinks: true,
    });
}

const unneededLinks = [...workspaces].filter(([, dir]) => !needed.has(dir)).map(([name]) => name);
const sqliteKeep =
  /better-sqlite3[\\/](package\.json|lib|LICENSE|build$|build[\\/]Release$|build[\\/]Release[\\/]better_sqlite3\.node)/;
cpSync(join(root, 'node_modules'), join(out, 'node_modules'), {
  recursive: true,
  verbatimSymlinks: true,
  filter: (src) => {
    const rel = src.slice(join(root, 'node_modules').length + 1);
    if (unneededLinks.includes(rel)) return false;
    if (rel === '.package-lock.json' || rel === '.cache') return false;
    if (rel.startsWith('better-sqlite3/') || rel.startsWith('better-sqlite3\\')) {
      return sqliteKeep.test(rel) || /better-sqlite3[\\/]lib[\\/]/.test(rel);
    }
    // Empty scope folders left behind by `npm prune`.
    if (
      rel.startsWith('@') &&
      !rel.includes('/') &&
      lstatSync(src).isDirectory() &&
      readdirSync(src).length === 0
    )
      return false;
    return true;
  },
});
console.log(`assemble-runtime: ${service} with ${[...needed].sort().join(', ')} -> ${out}`);
