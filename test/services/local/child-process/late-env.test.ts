import { fork } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handOverEnv } from '../../../../services/local/child-process/late-env';

/** A child that says its code is loaded, as services/kit/launcher-env.ts does, then waits for its environment. */
const LOADED_CHILD = "process.send({ loaded: true }); process.on('message', (m) => { process.send({ got: m.env.GREETING }); });";

const forkChild = () => fork('-e', [LOADED_CHILD], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });

describe('handOverEnv', () => {
  it('when the child has said it is loaded and the environment comes, then it is sent, and the wait is reported', async () => {
    const child = forkChild();
    try {
      // The environment comes about 100 ms after the child said it was loaded: that wait is the child's, reported as
      // such. Timed here by the clock, not by the timer's delay (libuv starts a timer from the loop's cached time, so
      // on a busy worker it fires early), and seen here after handOverEnv has seen the same message (its listener
      // comes first), so the wait seen here is never longer than the one it reports, whatever the host's pauses.
      let provide!: (env: Record<string, string>) => void;
      const handed = handOverEnv(child, new Promise((resolve) => (provide = resolve)));
      let loadedSeenAt = 0;
      let envCameAt = 0;
      child.once('message', () => {
        loadedSeenAt = Date.now();
        setTimeout(() => {
          envCameAt = Date.now();
          provide({ GREETING: 'hello' });
        }, 100);
      });
      const waited = await handed;
      expect(envCameAt).toBeGreaterThan(0);
      expect(waited).toBeGreaterThanOrEqual(envCameAt - loadedSeenAt);
      const [reply] = (await once(child, 'message')) as [{ got: string }];
      expect(reply).toEqual({ got: 'hello' });
    } finally {
      child.kill();
    }
  });

  it('when the child is gone before its environment comes (stopped because another part failed), then the hand-over is refused, and nothing is thrown at the launcher', async () => {
    const child = forkChild();
    const errors: Error[] = [];
    child.on('error', (error) => errors.push(error)); // what would otherwise be an uncaught exception in the launcher
    let send!: (env: Record<string, string>) => void;
    const handed = handOverEnv(child, new Promise((resolve) => (send = resolve)));
    await once(child, 'message');
    child.kill();
    await once(child, 'exit');
    send({ GREETING: 'too late' });
    await expect(handed).rejects.toThrow('it exited before its environment could be sent');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
  });
});
