/**
 * The tests that `npm run mutation` (stryker.config.mjs) runs against each mutant of the core rules: only the
 * files that cover those modules, so a mutant never waits on unrelated suites. Everything else is the project's
 * vitest config: its global setup gives the inbox tests PostgreSQL (TEST_DATABASE_URL's server, else an embedded one).
 */
import { defineConfig } from 'vitest/config';
// `.mjs` names vitest.config.mts for TypeScript (which maps output extensions back) and for vitest alike.
import base from './vitest.config.mjs';

const MUTATION_TESTS = [
  'test/services/gateway/routing.test.ts',
  'test/services/gateway/throttle.test.ts',
  'test/services/gateway/client-address.test.ts',
  'test/services/gateway/client-caps.test.ts',
  'test/services/gateway/edge-limits.test.ts',
  'test/services/billing/domain/invoice.test.ts',
  'test/services/billing/domain/idempotency.test.ts',
  'test/services/kit/inbox/handle-once.test.ts',
  'test/services/kit/inbox/inbox.test.ts',
  'test/services/kit/http/pagination.test.ts',
];

export default defineConfig({
  ...base,
  test: { ...base.test, include: MUTATION_TESTS },
});
