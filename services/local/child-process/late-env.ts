import type { ChildProcess } from 'node:child_process';
import type { ChildMessage, LauncherMessage } from '../../kit/launcher-env';

/**
 * Sends `lateEnv` once the child says its code is loaded (services/kit/launcher-env.ts) and the environment
 * is known. Resolves with how long the loaded child waited for it (time that belongs to the parts it depends on,
 * not to the child); rejects at once if the environment cannot be had (a dependency failed), or if the child has
 * gone by the time it can.
 */
export function handOverEnv(child: ChildProcess, lateEnv: Promise<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    lateEnv.catch(reject);
    child.once('message', () => {
      const loadedAt = Date.now();
      lateEnv.then((env) => {
        // The child may be gone by now (stopped because another part failed): that is a refusal, not a crash.
        if (!child.connected) return reject(new Error('it exited before its environment could be sent'));
        const message: LauncherMessage = { env };
        child.send(message, (error) => (error ? reject(error) : resolve(Date.now() - loadedAt)));
      }, reject);
    });
  });
}

/**
 * The time a child says it spent waiting for a part it needs after receiving its environment (its database, which
 * may still be starting or being provisioned: services/kit/db/wait-for-database.ts), summed; read at ready.
 */
export function reportedWaits(child: ChildProcess): () => number {
  let waitedMs = 0;
  const onMessage = (message: ChildMessage) => {
    if ('waitedMs' in message && Number.isFinite(message.waitedMs) && message.waitedMs > 0) waitedMs += message.waitedMs;
  };
  child.on('message', onMessage);
  return () => {
    child.removeListener('message', onMessage);
    return waitedMs;
  };
}
