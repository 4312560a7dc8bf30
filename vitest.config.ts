import { defineConfig } from 'vitest/config';

/**
 * Files that need a process of their own: they replace a module (`vi.mock`) or patch the global
 * fetch (nock) for everything imported after them.
 */
const ISOLATED = ['test/security/signature.test.ts', 'test/reliability/faults.test.ts'];

export default defineConfig({
  test: {
    // Generous: CI and development share two cores with other work, and a test that starts
    // processes or Chromium can take several times its quiet-machine time. Figures are measured
    // by `npm run bench`, never by these limits.
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // `expect.poll` waits for what a browser or a server shows next; its default 1 s is too short
    // when the two cores are shared (a run at load 9 to 12 saw the worklist still filtering).
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    // Most test files wait on servers, child processes and Chromium rather than compute: more
    // workers than cores keep both cores busy (vitest's default is one fewer than the cores,
    // a single worker on two). Measured in the report of issue 14.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          // One module graph per worker: @medplum/core, the R4 definitions and the catalog load
          // once per worker instead of once per file. Files restore what they change.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
