// Fast TypeScript transform (swc, no type-check: `npm run typecheck` does that) for every workspace.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      require.resolve('@swc/jest'),
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: [require.resolve('./check-responses.cjs')],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  // In CI a handle left open by a test must not keep jest alive after its report is written:
  // one did (e2e, "Jest did not exit"), and CI hung until its 90-minute limit. Locally jest still
  // waits and warns, so a leak stays visible (run with --detectOpenHandles to find it).
  forceExit: process.env.CI === 'true',
};
