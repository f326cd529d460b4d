import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { loadLocalConfig } from '../../../services/local/config';
import { freePort } from '../../../services/local/free-port';
import { assertPortsFree, portsToListenOn } from '../../../services/local/ports';

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

async function configOnFreePorts(extra: Record<string, string> = {}) {
  const names = ['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'PRODUCT_GRPC_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'POSTGRES_PORT'];
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, String(await freePort())] as const)));
  return loadLocalConfig({ ...ports, ...extra });
}

describe('assertPortsFree', () => {
  it('when every port is free, then it lets start-up go on', async () => {
    await expect(assertPortsFree(await configOnFreePorts())).resolves.toBeUndefined();
  });

  it('when two variables name the same port, then the error names both, not something that holds it', async () => {
    const config = await configOnFreePorts();
    const error = await assertPortsFree({ ...config, IDENTITY_PORT: config.PRODUCT_PORT }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`IDENTITY_PORT and PRODUCT_PORT: both set to ${config.PRODUCT_PORT}; give each its own port`]);
  });

  it('when ports are taken, then the error names each variable and its port, and no other', async () => {
    const config = await configOnFreePorts();
    await hold(config.GATEWAY_PORT);
    await hold(config.PRODUCT_GRPC_PORT);
    await hold(config.FAUXQS_PORT);
    const error = await assertPortsFree(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `GATEWAY_PORT: port ${config.GATEWAY_PORT} on 127.0.0.1 is in use; stop what holds it, or set GATEWAY_PORT to a free port`,
      `PRODUCT_GRPC_PORT: port ${config.PRODUCT_GRPC_PORT} on 127.0.0.1 is in use; stop what holds it, or set PRODUCT_GRPC_PORT to a free port`,
      `FAUXQS_PORT: port ${config.FAUXQS_PORT} on 127.0.0.1 is in use; stop what holds it, or set FAUXQS_PORT to a free port`,
    ]);
  });

  it('when embedded PostgreSQL\'s port is taken, then the error names POSTGRES_PORT', async () => {
    const config = await configOnFreePorts();
    await hold(config.POSTGRES_PORT);
    const error = await assertPortsFree(config).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([
      `POSTGRES_PORT: port ${config.POSTGRES_PORT} on 127.0.0.1 is in use; stop what holds it, or set POSTGRES_PORT to a free port`,
    ]);
  });

  it('when Cognito, the bus and the database are real servers, then their emulators\' ports are not needed', async () => {
    const config = await configOnFreePorts({
      COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123',
      COGNITO_CLIENT_ID: 'client',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432',
    });
    await hold(config.COGNITO_PORT);
    await hold(config.POSTGRES_PORT);
    expect(Object.keys(portsToListenOn(config))).toEqual(['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_PORT', 'BILLING_PORT', 'PRODUCT_GRPC_PORT']);
    await expect(assertPortsFree(config)).resolves.toBeUndefined();
  });
});
