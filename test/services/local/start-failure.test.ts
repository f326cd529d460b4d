/**
 * What `npm start` says when the platform failed to start after its checks (whyStartFailed): the part's reason, and
 * what to do. Its own parts are stopped by then, so a port held now was taken by another program after the check.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { StartFailure, tryAgain } from '../../../services/kit/start-failure.mjs';
import { loadLocalConfig } from '../../../services/local/config';
import { freePort } from '../../../services/local/free-port';
import { whyStartFailed } from '../../../services/local/start-failure';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const hold = (port: number) =>
  new Promise<void>((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(port, '127.0.0.1', resolve);
  });

async function configOnFreePorts() {
  const names = ['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'PRODUCT_GRPC_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'POSTGRES_PORT'];
  return loadLocalConfig(Object.fromEntries(await Promise.all(names.map(async (name) => [name, String(await freePort())] as const))));
}

const EXITED = new Error('gateway did not become ready: it exited (code 1)');

describe('whyStartFailed', () => {
  it('when another program holds one of its ports now, then the failure keeps the reason and says which variable to change', async () => {
    const config = await configOnFreePorts();
    await hold(config.GATEWAY_PORT);
    const failure = await whyStartFailed(EXITED, config);
    expect(failure).toBeInstanceOf(StartFailure);
    expect((failure as StartFailure).message).toBe(EXITED.message);
    expect((failure as StartFailure).cause).toBe(EXITED);
    expect((failure as StartFailure).whatToDo).toBe(
      `GATEWAY_PORT: port ${config.GATEWAY_PORT} on 127.0.0.1 was taken by another program after npm start checked it; stop what holds it, or set GATEWAY_PORT to a free port.`,
    );
  });

  it('when its ports are free, then the failure says to fix what the lines above name and how to see where it failed', async () => {
    const failure = await whyStartFailed(EXITED, await configOnFreePorts());
    expect((failure as StartFailure).whatToDo).toBe(tryAgain('npm start'));
    expect(tryAgain('npm start')).toContain('LOG_LEVEL=debug npm start');
  });

  it('when the failure is a config error, then it passes unchanged: it names its variable already', async () => {
    const error = new ConfigError(['AWS_ENDPOINT_URL: cannot use http://127.0.0.1:1']);
    expect(await whyStartFailed(error, await configOnFreePorts())).toBe(error);
  });
});
