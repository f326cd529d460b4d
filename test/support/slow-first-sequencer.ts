/**
 * vitest's order (the files that took longest last time first; on a fresh clone, which has no timings, the largest
 * first), with the files that start `npm start` (test/e2e, the Prism test) taken in turns with the others from the
 * start: one of them, then the next of the rest, and so on. Early, because a fresh clone could otherwise start a
 * small file that starts the platform twice (about 20 s on two busy cores) last, alone, while the other workers sat
 * idle. In turns, not all first: a platform start keeps both cores busy, while the longest of the other files mostly
 * wait (deadlines, timeouts, outages played out). All first, they ran four at a time and the waiting files after
 * them, together, with the CPU idle for much of half a minute (a whole run on 2 cores, 4 workers). Timed on those
 * files alone (the 9 platform files and the 15 longest others, 4 workers, two runs each): 85.8 and 82.6 s all
 * first, 70.9 and 64.6 s in turns, the same CPU time.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const STARTS_THE_PLATFORM = [/\/test\/e2e\//, /\/test\/docs\/prism-proxy\.test\.ts$/];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const startsPlatform = (file: TestSpecification) => STARTS_THE_PLATFORM.some((pattern) => pattern.test(file.moduleId));
    const platform = sorted.filter(startsPlatform);
    const others = sorted.filter((file) => !startsPlatform(file));
    const inTurns: TestSpecification[] = [];
    for (let i = 0; i < Math.max(platform.length, others.length); i += 1) {
      if (i < platform.length) inTurns.push(platform[i]!);
      if (i < others.length) inTurns.push(others[i]!);
    }
    return inTurns;
  }
}
