/**
 * Every way `npm start` is told to stop, and the one way it then stops. npm (with `exec` in the start script, so
 * no shell stands between) forwards SIGINT and SIGTERM to the launcher; Ctrl-C sends SIGINT to npm and the
 * launcher both; a closing terminal sends SIGHUP. npm dies of SIGHUP and of SIGKILL without passing anything on,
 * so the launcher also watches for its parent to go: it is then re-parented, and its parent pid changes. It stops
 * the same way when a part it cannot run without dies under it (PostgreSQL, an emulator), and then exits 1.
 */
import { STOP_SIGNALS, takeEarlyStops } from './early-stop.mjs';
import { status } from './status';

/** `died`: a part the platform cannot run without exited on its own (RunningPlatform.died), saying which and how. */
export type StopReason = NodeJS.Signals | 'parent gone' | { readonly died: string };

const PARENT_POLL_MS = 250;

export interface ToldToStop {
  /** Resolves with the first reason to stop. */
  readonly reason: Promise<StopReason>;
  /** That reason, once it came. */
  readonly asked: StopReason | undefined;
}

/**
 * Listens for every reason to stop, taking over what start.mjs kept before (early-stop.mjs): a signal that came
 * then is the first reason, and a parent that went then is found at the first look. The handlers stay: the second
 * SIGINT of a Ctrl-C (npm forwards the one it got too) and later signals change nothing while the stop runs, which
 * is bounded by each part's grace period.
 */
export function whenToldToStop(): ToldToStop {
  let asked: StopReason | undefined;
  const reason = new Promise<StopReason>((resolve) => {
    const stop = (why: StopReason) => {
      clearInterval(watch);
      asked ??= why;
      resolve(why);
    };
    // Ours first, then start.mjs's go: a signal's last listener going closes its handle, and a signal that had
    // arrived but was not yet handed to a listener was lost with it (the platform then started as if none came).
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
    const early = takeEarlyStops();
    const watch = setInterval(() => {
      if (process.ppid !== early.parent) stop('parent gone');
    }, PARENT_POLL_MS).unref();
    if (early.signals[0]) stop(early.signals[0]);
    else if (process.ppid !== early.parent) stop('parent gone');
  });
  return {
    reason,
    get asked() {
      return asked;
    },
  };
}

/**
 * Stops the platform and exits: 0 after a clean stop when told to stop (so npm adds no error lines of its own and
 * an IDE shows a normal end); 1 if a part died, as the platform then did not run as asked, or failed to stop.
 */
export async function stopAndExit(platform: { stop(): Promise<void> }, reason: StopReason): Promise<never> {
  // After SIGHUP or the parent's death the terminal may be gone: what is left to say must not stop the shutdown.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  if (typeof reason === 'object') status.fail(reason.died);
  status.info(`${describe(reason)}: stopping everything`);
  try {
    await platform.stop();
    status.info('stopped cleanly');
    process.exit(typeof reason === 'object' ? 1 : 0);
  } catch (error) {
    status.fail(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

function describe(reason: StopReason): string {
  if (typeof reason === 'object') return 'the platform cannot run without it';
  return reason === 'parent gone' ? 'the process that started npm start is gone' : reason;
}
