import { describe, expect, it } from 'vitest';
import { identityConfigSchema } from '../../../services/identity/config';
import { cognitoClientFromConfig } from '../../../services/identity/data-access/cognito-client';
import { ConfigError, loadConfig } from '../../../services/kit/config';

const required = { COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123', COGNITO_CLIENT_ID: 'client' };

describe('identity config', () => {
  it('when only the pool is given, then it listens on 3001 against AWS (no emulator endpoint), its Cognito client in us-east-1', async () => {
    const config = loadConfig(identityConfigSchema, required);
    expect(config).toMatchObject({ PORT: 3001 });
    // Left unset in the config, so DATABASE_IAM_AUTH can tell it was never chosen; the client applies the default.
    expect(config.AWS_REGION).toBeUndefined();
    expect(await cognitoClientFromConfig(config).config.region()).toBe('us-east-1');
    expect(config.COGNITO_ENDPOINT).toBeUndefined();
    expect(config.MIGRATIONS_DIR).toMatch(/identity[/\\]data-access[/\\]migrations$/);
  });

  it('when the region is not an AWS region, then startup stops naming AWS_REGION', () => {
    expect(() => loadConfig(identityConfigSchema, { ...required, AWS_REGION: 'moon' })).toThrow(ConfigError);
    expect(() => loadConfig(identityConfigSchema, { ...required, AWS_REGION: 'moon' })).toThrow(/AWS_REGION/);
  });

  it('when the pool id is missing, then startup stops naming it', () => {
    expect(() => loadConfig(identityConfigSchema, { COGNITO_CLIENT_ID: 'client' })).toThrow(/COGNITO_USER_POOL_ID/);
  });
});
