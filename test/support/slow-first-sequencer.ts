/**
 * vitest's order, but the files that start `npm start` (test/e2e, the Prism test) go first even when vitest has no
 * timings yet. vitest runs the files that took longest last time first; on a fresh clone it has no timings and runs
 * the largest files first, so a small file that starts the platform twice (about 20 s on two busy cores) could
 * start last and run alone while the other worker sat idle.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const STARTS_THE_PLATFORM = [/\/test\/e2e\//, /\/test\/docs\/prism-proxy\.test\.ts$/];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (file: TestSpecification) => STARTS_THE_PLATFORM.some((pattern) => pattern.test(file.moduleId));
    return [...sorted.filter(first), ...sorted.filter((file) => !first(file))];
  }
}
