/**
 * For files that run code written for a terminal (npm start's launcher writes its progress lines straight to
 * process.stdout, which vitest does not capture as it does console output): each test's stdout is held back and
 * written out only if that test fails, so a passing run shows vitest's own lines alone. `held()` is what the current
 * test has written so far, for a test that checks what the code under test printed.
 */
import { afterEach, beforeEach } from 'vitest';

type Write = typeof process.stdout.write;

export function showStdoutOnlyOnFailure(): { held(): string } {
  let restore = () => {};
  let held: string[] = [];
  beforeEach(({ onTestFailed }) => {
    const original: Write = process.stdout.write;
    held = [];
    const hold = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      if (callback) queueMicrotask(callback);
      return true;
    };
    process.stdout.write = hold as Write;
    restore = () => {
      if (process.stdout.write === hold) process.stdout.write = original;
    };
    onTestFailed(() => {
      restore();
      if (held.length > 0) process.stdout.write(`--- stdout of the failed test ---\n${held.join('')}`);
    });
  });
  afterEach(() => restore());
  return { held: () => held.join('') };
}
