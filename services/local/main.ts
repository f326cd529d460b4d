/** `npm start`: the whole platform offline, until Ctrl-C, SIGTERM, or its terminal closes (SIGHUP). */
import { runMain } from '../platform/run';
import { loadLocalConfig } from './config';
import { startPlatform } from './platform';
import { assertPortsFree } from './ports';
import { status } from './status';

runMain('npm start', async () => {
  const config = loadLocalConfig();
  await assertPortsFree(config);
  process.stdout.write(`Starting the platform (data in ${config.DATA_DIR})\n`);
  warnOnceAboutOldNode();
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

/** The AWS SDK warns about Node < 22 once per process; say it once for the whole platform instead of six times. */
function warnOnceAboutOldNode(): void {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  status.warn(`Node ${process.version}: works, but AWS SDK releases from 2027 need Node 22 (the container image uses 22)`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
