import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The channels' own published payloads, copied into the repository under `test/fixtures/channels`
 * (its README names each file's publisher, origin and licence). Nothing reads outside the
 * repository: a fresh clone has everything its tests need.
 */
export function fixturesDir(): string {
  const dir = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'channels');
  if (!existsSync(resolve(dir, 'README.md')))
    throw new Error(`fixtures not found at ${dir}: the repository's test/fixtures/channels is missing`);
  return dir;
}

export function fixturePath(...parts: string[]): string {
  return resolve(fixturesDir(), ...parts);
}

/** Parsed JSON of a fixture; tests that edit it get their own copy. */
export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8')) as T;
}
