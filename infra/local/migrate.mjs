#!/usr/bin/env node
// `npm run migrate`: applies every service's pending migrations to its local MySQL/MariaDB
// database (crp_<service>, or <SERVICE>_DATABASE_URL), each through the service's own migrate script.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { SERVICES, envKey } from './services.mjs';

const root = resolve(import.meta.dirname, '..', '..');
let failed = 0;
for (const s of SERVICES) {
  const url = process.env[envKey(s, 'DATABASE_URL')] ?? `mysql://root@127.0.0.1:3306/${s.db}`;
  process.stderr.write(`${s.name}: migrating ${url.replace(/\/\/[^@]*@/, '//…@')}\n`);
  const r = spawnSync(process.execPath, [resolve(root, 'services', s.name, 'dist', 'migrate.js')], {
    stdio: 'inherit',
    env: {
      ...process.env,
      DATABASE_URL: url,
      AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? 'migrate-only-not-used-for-auth',
    },
  });
  if (r.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
