import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { stopChild } from '../../../../services/local/child-process/stop-child';

/** A child that says when it is listening for signals, and ignores `ignored`. */
function stubborn(ignored: NodeJS.Signals) {
  const child = spawn(process.execPath, ['-e', `process.on('${ignored}', () => {}); console.log('up'); setInterval(() => {}, 1_000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return once(child.stdout, 'data').then(() => child);
}

describe('stopChild', () => {
  it('when the child ignores the signal, then it is killed after the grace period', async () => {
    const child = await stubborn('SIGTERM');
    await stopChild(child, { signal: 'SIGTERM', graceMs: 200 });
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('when the child has exited already, then stopping it again resolves at once', async () => {
    const child = await stubborn('SIGUSR2');
    await stopChild(child, { signal: 'SIGTERM', graceMs: 10_000 });
    expect(child.signalCode).toBe('SIGTERM');
    await stopChild(child, { signal: 'SIGTERM', graceMs: 10_000 });
  });
});
