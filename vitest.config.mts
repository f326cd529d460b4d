import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker per core: many files mostly wait (emulators, redelivery timeouts), and they get their own
    // database each, so they do not contend for more than the CPU.
    maxWorkers: availableParallelism(),
    // A worker runs file after file in one process instead of a fresh process per file. Loading aws-cdk-lib,
    // drizzle, Express and the AWS SDK again for every file was over a third of the run. Files share nothing
    // mutable: each makes its own database, users, emulators and servers; none mocks modules or changes
    // process.env, and vitest restores spies between files.
    isolate: false,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
  },
});
