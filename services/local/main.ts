/** `npm start`: the whole platform offline, until Ctrl-C, SIGTERM, or its terminal closes (SIGHUP). */
import { runMain } from '../platform/run';
import { loadLocalConfig } from './config';
import { startPlatform } from './platform';
import { unsupportedNode } from './node-version';
import { assertPortsFree } from './ports';
import { status } from './status';

const tooOld = unsupportedNode(process.version);
if (tooOld) {
  process.stderr.write(`npm start: cannot start. ${tooOld}\n`);
  process.exit(1);
}

runMain('npm start', async () => {
  const config = loadLocalConfig();
  await assertPortsFree(config);
  process.stdout.write(`Starting the platform (data in ${config.DATA_DIR})\n`);
  const platform = await startPlatform(config);
  process.stdout.write(`ready: gateway at ${platform.gatewayUrl} (API docs: ${platform.gatewayUrl}/docs) after ${status.elapsed()}\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    status.info(`${signal}: stopping everything`);
    platform.stop().then(
      () => {
        status.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        status.fail(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', (signal) => {
    // The terminal is gone: what is left to say has nowhere to go, and must not stop the shutdown.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    shutdown(signal);
  });
});
