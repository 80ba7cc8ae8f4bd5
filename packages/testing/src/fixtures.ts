import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The channels' own published payloads live in `shared/fixtures`, beside the repository (CI
 * clones the repo next to it). SHARED_FIXTURES_DIR overrides the location.
 */
export function fixturesDir(): string {
  const candidates = [
    process.env.SHARED_FIXTURES_DIR,
    resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures'),
    resolve(process.cwd(), '..', 'shared', 'fixtures'),
    resolve(process.cwd(), '..', '..', '..', 'shared', 'fixtures'),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(resolve(p, 'README.md')));
  if (!found)
    throw new Error(
      `shared/fixtures not found (looked in ${candidates.join(', ')}); set SHARED_FIXTURES_DIR`,
    );
  return found;
}

export function fixturePath(...parts: string[]): string {
  return resolve(fixturesDir(), ...parts);
}

/** Parsed JSON of a fixture; tests that edit it get their own copy. */
export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8')) as T;
}
