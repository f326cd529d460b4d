// @ts-check
/**
 * Mutation testing of the core rules (CONTRIBUTING.md, "Mutation testing"): `npm run mutation`. Each mutant runs
 * only the tests that cover it (perTest), from the files listed in vitest.mutation.config.mts.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mts', pool: 'forks', related: false },
  coverageAnalysis: 'perTest',
  mutate: [
    'services/gateway/routing.ts',
    'services/gateway/throttle.ts',
    'services/gateway/client-throttle.ts',
    'services/gateway/client-address.ts',
    'services/gateway/client-caps.ts',
    'services/gateway/edge-limits.ts',
    'services/billing/domain/invoice.ts',
    'services/billing/domain/idempotency.ts',
    'services/kit/inbox/handle-once.ts',
    'services/kit/inbox/inbox.ts',
    'services/kit/http/pagination.ts',
  ],
  // Two runners. On 2 shared cores (2026-12-02, back to back): 3 min 38 s with two, 4 min 39 s with one.
  // Under load a mutant's tests may time out, which counts it as detected: load can hide a survivor, not add one.
  concurrency: 2,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { logTests: false },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Not needed to run the tests, and large (.tools holds Node binaries): kept out of the sandbox copy.
  ignorePatterns: ['/.tools', '/cdk.out', '/.data', '/.cognito', '/coverage', '/.test-out', '/.test-child-*', '/docs', '/bench'],
  cleanTempDir: 'always',
};
