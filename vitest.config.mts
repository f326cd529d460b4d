import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // A bound for a hung test, not a speed check (those are benchmarks): on a loaded 2-core CI host a test that spawns
    // a whole synthesis or a CLI through tsx took 14-21 s of the 30 s this once was.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two workers more than cores: many files mostly wait (child platforms starting and stopping, emulators,
    // redelivery timeouts), and each gets its own database, servers and ports, so they contend for nothing but the
    // CPU. Timed by hand on 2 cores (2026-12-02, one or two runs each): 2 workers 115-119 s, 4 workers 86-99 s with
    // CPU about 2× wall, 6 workers 104 s. docs/benchmarks.md ("Test suite") records the run against its baseline.
    maxWorkers: availableParallelism() + 2,
    // A worker runs file after file in one process instead of a fresh process per file. Loading aws-cdk-lib,
    // drizzle, Express and the AWS SDK again for every file was over a third of the run. Files share nothing
    // mutable: each makes its own database, users, emulators and servers; none mocks modules or changes
    // process.env, and vitest restores spies between files.
    isolate: false,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
    // A passing test's console output is noise (CDK's synthesis reports, a launcher's progress lines): shown only
    // for a failing test, next to its failure.
    silent: 'passed-only',
  },
});
