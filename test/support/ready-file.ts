/**
 * A file that says a shared part started in the background by the global setup is ready (`{}`) or failed
 * (`{ error }`). The global setup provides its path and does not wait; a test file waits only when it uses the
 * part, so files that need nothing of it run meanwhile. Only node built-ins: the global setup runs in vitest's
 * main process.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Written atomically, so a reader never sees half of it. */
export function writeReadyFile(file: string, result: { error?: string }): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(result));
  renameSync(`${file}.tmp`, file);
}

export const errorText = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/** Resolves once `what` is ready; throws its error if it failed, or after the timeout. */
export async function awaitReadyFile(file: string, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms (no ${file})`);
    await sleep(50);
  }
  const { error } = JSON.parse(readFileSync(file, 'utf8')) as { error?: string };
  if (error) throw new Error(`${what} failed in the global setup:\n${error}`);
}
