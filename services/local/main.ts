/**
 * `npm start`: the whole platform offline, until Ctrl-C, SIGTERM, SIGHUP (its terminal closes) or the death of
 * the process that started it (see shutdown.ts). `npm start` runs it bundled, through start.mjs, which checks the
 * Node.js version first; `node --import tsx services/local/main.ts` runs it from source.
 */
import path from 'node:path';
import { runMain } from '../kit/run';
import { loadLocalConfig } from './config';
import { lockDataDir } from './data-dir-lock';
import { stopLeftoverDatabase } from './databases';
import { startPlatform } from './platform';
import { assertPortsFree } from './ports';
import { stopAndExit, whenToldToStop } from './shutdown';
import { whyStartFailed } from './start-failure';
import { status } from './status';

// Every Node child (services, gateway, emulators) keeps V8's compiled code of the modules it loads, so a warm
// start skips most compiling: loading Identity's bundle took 0.20 s of CPU instead of 0.25 s (timed by hand, five
// runs each), on two cores shared by seven processes.
process.env.NODE_COMPILE_CACHE ??= path.resolve('node_modules', '.cache', 'platform-local', 'node-compile-cache');

const NOTHING_STARTED = { stop: async () => {} };

runMain('npm start', async () => {
  // Listening from the first moment (and before, in start.mjs): a stop asked for during start-up waits for the
  // parts still starting, then stops them all in order, instead of killing the launcher and leaving them behind.
  const toldToStop = whenToldToStop();
  const config = loadLocalConfig();
  // Before anything touches DATA_DIR: a second launcher would otherwise stop the first one's PostgreSQL.
  lockDataDir(config.DATA_DIR);
  await stopLeftoverDatabase(config);
  await assertPortsFree(config);
  // Told before a part started (a Ctrl-C in the first moments): a start of 3 to 20 s only to stop it is not asked for.
  if (toldToStop.asked !== undefined) return stopAndExit(NOTHING_STARTED, toldToStop.asked);
  process.stdout.write(`Starting the platform (data in ${config.DATA_DIR})\n`);
  const platform = await startPlatform(config).catch(async (error: unknown) => {
    // Told to stop while it started, a part failing is most likely that stop's doing: a Ctrl-C reaches a child
    // forked in that instant, before it leaves the terminal's process group. Every part is stopped by now.
    if (toldToStop.asked !== undefined) return stopAndExit(NOTHING_STARTED, toldToStop.asked);
    throw await whyStartFailed(error, config);
  });
  process.stdout.write(`ready: gateway at ${platform.gatewayUrl} (API docs: ${platform.gatewayUrl}/docs) after ${status.elapsed()}\n`);
  await stopAndExit(platform, await Promise.race([toldToStop.reason, platform.died.then((died) => ({ died }))]));
}, { forTerminal: true });
