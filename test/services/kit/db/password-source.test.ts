import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serviceEnvSchema } from '../../../../services/kit/config';
import { cachedPasswordSource } from '../../../../services/kit/db/password-source';
import { filePasswordSource } from '../../../../services/kit/db/password-source-file';
import { billingConfigSchema } from '../../../../services/billing/config';
import { identityConfigSchema } from '../../../../services/identity/config';
import { productConfigSchema } from '../../../../services/product/config';
import { migrationLogin } from '../../../../services/kit/db/migration-login';
import { passwordSourceFromConfig } from '../../../../services/kit/db/password-source-from-config';
import { iamPasswordSource } from '../../../../services/kit/db/password-source-iam';
import { testLogger } from '../../../support/silent-logger';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'password-source-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = (env: Record<string, string>) =>
  loadConfig(serviceEnvSchema(3000), { COGNITO_USER_POOL_ID: 'us-east-1_Abc', COGNITO_CLIENT_ID: 'client', ...env });

describe('passwordSourceFromConfig', () => {
  it('when neither IAM nor a file is asked for, then there is no source: the URL\'s or PGPASSWORD\'s password is used', () => {
    expect(passwordSourceFromConfig(config({}))).toBeUndefined();
  });

  it('when both are asked for, then startup stops naming both variables', () => {
    const attempt = () => passwordSourceFromConfig(config({ DATABASE_IAM_AUTH: 'true', DATABASE_PASSWORD_FILE: '/run/pw' }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_IAM_AUTH and DATABASE_PASSWORD_FILE/);
  });

  it('when IAM is asked for without where and as whom, then startup stops naming each missing variable', () => {
    const attempt = () => passwordSourceFromConfig(config({ DATABASE_IAM_AUTH: 'true', PGHOST: 'db.example' }));
    expect(attempt).toThrow(/PGUSER: required with DATABASE_IAM_AUTH=true[\s\S]*AWS_REGION: required/);
    expect(attempt).not.toThrow(/PGHOST/);
  });

  it('when IAM is asked for, then the source is IAM tokens for that user at that address, never a fixed password', () => {
    const source = passwordSourceFromConfig(config({ DATABASE_IAM_AUTH: 'true', PGHOST: 'db.example', PGPORT: '5433', PGUSER: 'identity_service', AWS_REGION: 'eu-west-1' }));
    expect(source?.description).toBe('IAM tokens for identity_service@db.example:5433');
  });
});

/*
 * The services' own schemas, not serviceEnvSchema alone: each adds the bus's variables (and Identity its own
 * AWS_REGION), and when those gave AWS_REGION a default of us-east-1, the check above could never fire in a service.
 */
describe('a service configured for IAM without AWS_REGION', () => {
  const SCHEMAS = { identity: identityConfigSchema, product: productConfigSchema, billing: billingConfigSchema };
  const iamEnv = { COGNITO_USER_POOL_ID: 'us-east-1_Abc', COGNITO_CLIENT_ID: 'client', DATABASE_IAM_AUTH: 'true', PGHOST: 'db.example', PGUSER: 'app' };

  it.each(Object.keys(SCHEMAS) as Array<keyof typeof SCHEMAS>)('when %s signs its login with IAM, then startup stops naming AWS_REGION, not tokens for a region nobody chose', (name) => {
    const config = loadConfig(SCHEMAS[name], { ...iamEnv, PRODUCT_GRPC_URL: 'http://127.0.0.1:3012' });
    expect(() => passwordSourceFromConfig(config)).toThrow(/^Invalid configuration:\n {2}- AWS_REGION: required with DATABASE_IAM_AUTH=true \(it is not set\)$/);
    expect(passwordSourceFromConfig({ ...config, AWS_REGION: 'eu-west-1' })?.description).toBe('IAM tokens for app@db.example:5432');
  });

  it.each(Object.keys(SCHEMAS) as Array<keyof typeof SCHEMAS>)('when %s migrates as an IAM user, then startup stops naming AWS_REGION too', async (name) => {
    const config = loadConfig(SCHEMAS[name], { ...iamEnv, DATABASE_MIGRATION_USER: 'owner', PRODUCT_GRPC_URL: 'http://127.0.0.1:3012' });
    const servicePool = new pg.Pool(); // never connects: the check comes first
    try {
      expect(() => migrationLogin(config, servicePool, testLogger)).toThrow(/AWS_REGION: required with DATABASE_MIGRATION_USER/);
    } finally {
      await servicePool.end();
    }
  });
});

const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'secret-example' };

describe('the IAM source', () => {
  it('when asked, then it signs an rds-db connect token for that user, address and region', async () => {
    const token = await iamPasswordSource({ hostname: 'db.example', port: 5433, username: 'identity_service', region: 'eu-west-1', credentials: CREDENTIALS }).password();
    expect(token).toMatch(/^db\.example:5433\/\?Action=connect&DBUser=identity_service&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect(token).toContain('%2Feu-west-1%2Frds-db%2Faws4_request');
    expect(token).toContain('X-Amz-Expires=900');
  });

  it('when refreshed, then the next password is signed anew; until then the same token is reused', async () => {
    const source = iamPasswordSource({ hostname: 'db.example', port: 5433, username: 'u', region: 'us-east-1', credentials: CREDENTIALS });
    const first = source.password();
    expect(source.password()).toBe(first);
    source.refresh();
    const second = source.password();
    expect(second).not.toBe(first);
    expect(await second).toMatch(/DBUser=u&/);
  });
});

describe('the file source', () => {
  it('when the file changes, then the cached password is kept until the server refuses it, and then the new one is read', async () => {
    const file = path.join(dir, 'password');
    await writeFile(file, 'first\n');
    const source = filePasswordSource(file);
    expect(await source.password()).toBe('first');
    await writeFile(file, '  second \n');
    expect(await source.password()).toBe('first');
    source.refresh();
    expect(await source.password()).toBe('second');
  });

  it('when the file is read while being rewritten (truncated, not yet written), then the new password is read, not an empty one', async () => {
    const file = path.join(dir, 'rewritten');
    await writeFile(file, '');
    const source = filePasswordSource(file);
    const read = source.password();
    setTimeout(() => void writeFile(file, 'after\n'), 5); // the rest of the rewrite, a moment later
    expect(await read).toBe('after');
  });

  it('when the file is empty or missing, then the error names the variable or the file', async () => {
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    await expect(filePasswordSource(empty).password()).rejects.toThrow(`DATABASE_PASSWORD_FILE: ${empty} is empty`);
    await expect(filePasswordSource(path.join(dir, 'absent')).password()).rejects.toThrow(/ENOENT.*absent/);
  });
});

describe('cachedPasswordSource', () => {
  it('when many connections ask at once, then one fetch serves them; a failed fetch is not kept; a stale value is fetched again', async () => {
    let fetches = 0;
    let fail = false;
    const source = cachedPasswordSource('counter', async () => {
      fetches += 1;
      if (fail) throw new Error('unreachable');
      return `p${fetches}`;
    }, 50);
    expect(await Promise.all([source.password(), source.password(), source.password()])).toEqual(['p1', 'p1', 'p1']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    fail = true;
    await expect(source.password()).rejects.toThrow('unreachable');
    fail = false;
    expect(await source.password()).toBe('p3');
  });
});
