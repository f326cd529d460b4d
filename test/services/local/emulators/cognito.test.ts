import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../../../services/local/emulators/cognito';
import { localCognitoClient, seedCognito, type CognitoSeedResult } from '../../../../services/local/emulators/cognito-seed';
import { existingClientId } from '../../../../services/local/emulators/cognito-state';
import { freePort } from '../../../../services/local/free-port';
import { createJwtVerifier } from '../../../../services/kit/auth/jwt-verifier';
import { createUserAndLogin, login, type TestCognitoEnv } from '../../../support/cognito';

const admin = { adminEmail: 'admin@example.com', adminPassword: 'Admin-Passw0rd!' };
let dir: string;
let cognito: LocalCognito | undefined;

const start = async () => (cognito = await startLocalCognito({ dataDir: dir, port: 0, ...admin }));
const envOf = (c: LocalCognito): TestCognitoEnv => ({ ...c, ...admin, adminGroup: 'admin' });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cognito-seed-test-'));
});

afterAll(async () => {
  await cognito?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function poolContents(c: LocalCognito) {
  const client = localCognitoClient(c.endpoint, c.region);
  const UserPoolId = c.userPoolId;
  const [clients, groups, admins] = await Promise.all([
    client.send(new ListUserPoolClientsCommand({ UserPoolId })),
    client.send(new ListGroupsCommand({ UserPoolId })),
    client.send(new ListUsersCommand({ UserPoolId, Filter: `email = "${admin.adminEmail}"` })),
  ]);
  client.destroy();
  return { clients: clients.UserPoolClients ?? [], groups: groups.Groups ?? [], admins: admins.Users ?? [] };
}

describe('when the platform Cognito is started on an empty data directory', () => {
  it('then the pool id has the production shape', async () => {
    const c = await start();
    expect(c.userPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(c.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('then the admin can log in, and its access token carries the admin group and passes the verifier', async () => {
    const c = cognito!;
    const tokens = await login(envOf(c), admin.adminEmail, admin.adminPassword);
    const verifier = createJwtVerifier({ userPoolId: c.userPoolId, clientId: c.clientId, jwksUrl: c.jwksUrl });
    await expect(verifier.verify(tokens.accessToken)).resolves.toMatchObject({ groups: ['admin'] });
  });
});

describe('when seeding runs twice', () => {
  it('then nothing is duplicated and the same ids come back', async () => {
    const c = cognito!;
    const again = await seedCognito({ ...c, ...admin });
    expect(again).toEqual({ userPoolId: c.userPoolId, clientId: c.clientId, endpoint: c.endpoint, region: c.region });
    const { clients, groups, admins } = await poolContents(c);
    expect(clients).toHaveLength(1);
    expect(groups.map((g) => g.GroupName)).toEqual(['admin']);
    expect(admins).toHaveLength(1);
  });
});

describe('when an earlier start created the admin but was cut short before its password was set', () => {
  it('then seeding sets the password, and the admin can log in', async () => {
    const c = cognito!;
    const half = { adminEmail: 'half-done@example.com', adminPassword: 'Half-Passw0rd!' };
    const client = localCognitoClient(c.endpoint, c.region);
    await client.send(
      new AdminCreateUserCommand({ UserPoolId: c.userPoolId, Username: half.adminEmail, MessageAction: 'SUPPRESS' }),
    );
    client.destroy();
    await seedCognito({ ...c, ...half });
    const tokens = await login(envOf(c), half.adminEmail, half.adminPassword);
    expect(tokens.accessToken).toBeTruthy();
  });
});

describe('when the emulator restarts with the same data directory', () => {
  it('then the pool, the client and the users are kept', async () => {
    const before = cognito!;
    const user = await createUserAndLogin(envOf(before));
    await before.stop();
    const after = await start();
    expect({ pool: after.userPoolId, client: after.clientId }).toEqual({
      pool: before.userPoolId,
      client: before.clientId,
    });
    await expect(login(envOf(after), user.email, user.password)).resolves.toMatchObject({ sub: user.sub });
    const { clients, admins } = await poolContents(after);
    expect({ clients: clients.length, admins: admins.length }).toEqual({ clients: 1, admins: 1 });
  });
});

describe('when it starts again on a fixed port with the data of an earlier start', () => {
  it('then it tells the pool, the client and the endpoint before the emulator answers, and they are the seeded ones', async () => {
    const before = cognito!;
    await before.stop();
    cognito = undefined;
    const port = await freePort();
    // A first start on this port: the ids are known only once seeded.
    const first: string[] = [];
    const seeded = await startLocalCognito({ dataDir: dir, port, ...admin, onKnown: (ids) => first.push(ids.clientId) });
    expect(first).toEqual([seeded.clientId]);
    await seeded.stop();

    let known: { ids: CognitoSeedResult; emulatorAnswered: boolean } | undefined;
    const starting = startLocalCognito({
      dataDir: dir,
      port,
      ...admin,
      onKnown: (ids) => {
        known = { ids, emulatorAnswered: false };
        fetch(`${ids.endpoint}/health`).then(() => (known = { ids, emulatorAnswered: true }), () => {});
      },
    });
    cognito = await starting;
    expect(known!.emulatorAnswered).toBe(false); // told before the emulator listened
    expect(known!.ids).toEqual({ userPoolId: cognito.userPoolId, clientId: cognito.clientId, endpoint: cognito.endpoint, region: cognito.region });
    expect(cognito.clientId).toBe(before.clientId);
  });

  it('then a clients file that cannot be read is no known client, and the seed finds the client', async () => {
    expect(await existingClientId(path.join(dir, 'nowhere'), 'us-east-1_AAAAAAAAA', 'platform')).toBeUndefined();
    expect(await existingClientId(dir, cognito!.userPoolId, 'platform')).toBe(cognito!.clientId);
    expect(await existingClientId(dir, 'us-east-1_Another00', 'platform')).toBeUndefined();
  });
});
