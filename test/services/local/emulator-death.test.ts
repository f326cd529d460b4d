/**
 * npm start's two emulators, fauxqs (SNS/SQS) and cognito-local, as the launcher starts them: killed, each used to
 * go unnoticed, with events or sign-ins failing and no word. Now each part says it died, naming it (stop-order.ts
 * says why the platform then stops rather than restarting it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBus } from '../../../services/local/bus';
import { loadLocalConfig, type LocalConfig } from '../../../services/local/config';
import { freePort } from '../../../services/local/free-port';
import { startUserPool } from '../../../services/local/user-pool';
import { listenerPid } from '../../support/listener-pid';
import { showStdoutOnlyOnFailure } from '../../support/quiet-stdout';
import { within } from '../../support/within';

let dir: string;
let config: LocalConfig;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-emulators-'));
  config = loadLocalConfig({ DATA_DIR: dir, FAUXQS_PORT: String(await freePort()), COGNITO_PORT: String(await freePort()) });
});
afterAll(() => rm(dir, { recursive: true, force: true }));
showStdoutOnlyOnFailure();

const EMULATORS = [
  { part: 'fauxqs, the SNS/SQS emulator', folder: 'fauxqs', port: () => config.FAUXQS_PORT, start: () => startBus(config), says: '' },
  {
    part: 'cognito-local, the Cognito emulator',
    folder: 'cognito',
    port: () => config.COGNITO_PORT,
    start: () => startUserPool(config, () => {}),
    says: '; its last log lines:', // it logs its start; fauxqs runs with its logger off
  },
] as const;

describe.each(EMULATORS)('npm start\'s $folder', { timeout: 60_000 }, ({ part, folder, port, start, says }) => {
  it('when its process is killed, then it says which emulator died, with its address and data, and how it ended', async () => {
    const started = await start();
    try {
      const pid = listenerPid(port());
      process.kill(pid, 'SIGKILL');
      const why = await within(10_000, `${folder}'s death reported`, started.died!);
      const named = `${part} (pid ${pid}, 127.0.0.1:${port()}, data in ${path.join(dir, folder)})`;
      // Its last log lines follow when it wrote any (on Node 22, fauxqs' node:sqlite prints an experimental warning).
      expect([`${named} exited unexpectedly (SIGKILL)${says}`, `${named} exited unexpectedly (SIGKILL); its last log lines:`]).toContain(why.split('\n')[0]);
    } finally {
      await started.stop(); // returns at once: there is nothing left to stop
    }
  });

  it('when it is stopped, then no death is reported', async () => {
    const started = await start();
    await started.stop();
    // Longer than a death takes to be reported (its last lines are awaited up to 0.5 s).
    const quiet = new Promise((resolve) => setTimeout(resolve, 1_500, 'nothing reported'));
    expect(await Promise.race([started.died!, quiet])).toBe('nothing reported');
  });
});
