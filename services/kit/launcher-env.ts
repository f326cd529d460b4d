/**
 * The local launcher (`npm start`) starts each process before the parts it depends on (PostgreSQL, Cognito, the
 * bus) are up, so that loading its code overlaps with their start-up instead of following it. Such a process is
 * started with PLATFORM_ENV_OVER_IPC=1: it says when its code is loaded, then waits for the rest of its
 * environment over IPC. Anywhere else (ECS, tests, a plain `node main.mjs`) the environment is complete at start
 * and this resolves at once.
 */
export const ENV_OVER_IPC = 'PLATFORM_ENV_OVER_IPC';

export interface LauncherMessage {
  readonly env: Record<string, string>;
}

/** What a child tells the launcher: its code is loaded; or how long it then waited for a part it needs. */
export type ChildMessage = { readonly loaded: true } | { readonly waitedMs: number };

let startedByLauncher = false;

/** Whether `npm start`'s launcher started this process (its terminal is a person's, not a log's). */
export function isStartedByLauncher(): boolean {
  return startedByLauncher;
}

/** Tells the launcher something about this start; does nothing anywhere else. */
export function tellLauncher(message: ChildMessage): void {
  if (startedByLauncher && process.connected) process.send!(message);
}

export function environmentFromLauncher(): Promise<void> {
  if (process.env[ENV_OVER_IPC] !== '1' || !process.send) return Promise.resolve();
  startedByLauncher = true;
  // The launcher gone before it sent anything (it failed, or was killed): nothing to start for.
  const orphaned = () => process.exit(0);
  process.once('disconnect', orphaned);
  return new Promise((resolve) => {
    process.once('message', (message: LauncherMessage) => {
      process.removeListener('disconnect', orphaned);
      Object.assign(process.env, message.env);
      delete process.env[ENV_OVER_IPC];
      resolve();
    });
    tellLauncher({ loaded: true });
  });
}
