import { afterEach, describe, expect, it } from 'vitest';
import { createPlatform } from '../../lib/platform';
import { STAGES } from '../../lib/stages';
import { disposeTestApps, TEST_ENV, testApp } from './synth';

afterEach(disposeTestApps);

describe('the platform\'s stacks', () => {
  it.each([
    ['prod', true],
    ['dev', false],
  ] as const)('when %s, then termination protection on both stacks is %s: the app stack holds the user pool, its groups and members', (stage, on) => {
    // Built without synthesis or bundling: termination protection is a property of the stacks themselves.
    const platform = createPlatform(testApp({ bundle: false }).app, { stage: STAGES[stage], env: TEST_ENV });
    expect([platform.data.terminationProtection, platform.app.terminationProtection]).toEqual([on, on]);
  });
});
