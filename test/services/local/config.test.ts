import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { loadLocalConfig, localEnvSchema } from '../../../services/local/config';

describe('npm start\'s ADMIN_EMAIL', () => {
  it('when it has capitals, then the admin is made lower-case, as Identity signs every email in (so the admin can sign in)', () => {
    expect(loadLocalConfig({ ADMIN_EMAIL: 'Admin.Ops@Example.COM' }).ADMIN_EMAIL).toBe('admin.ops@example.com');
  });

  it('when it is longer than sign-in takes (128), then the error names it, instead of an admin that can never sign in', () => {
    expect(() => loadLocalConfig({ ADMIN_EMAIL: `${'a'.repeat(60)}@${'b'.repeat(64)}.com` })).toThrow(/ADMIN_EMAIL/);
  });

  it('when it is unset or not an email, then the default, or an error naming it', () => {
    expect(loadLocalConfig({}).ADMIN_EMAIL).toBe('admin@example.com');
    expect(() => loadLocalConfig({ ADMIN_EMAIL: 'admin' })).toThrow(/ADMIN_EMAIL/);
  });
});

describe('npm start\'s other settings, checked before anything starts', () => {
  it.each(['GATEWAY_PORT', 'IDENTITY_PORT', 'PRODUCT_GRPC_PORT', 'POSTGRES_PORT'])(
    'when %s is 0, then the config error names it, instead of the other parts being told port 0 (a 30 s wait for a service never found)',
    (name) => {
      expect(() => loadLocalConfig({ [name]: '0' })).toThrow(new RegExp(`${name}: must be a port from 1 to 65535 \\(got "0"\\)`));
    },
  );

  it.each(['~/platform-data', '~'])('when DATA_DIR is %j (a ~ no shell expanded), then the config error names it, instead of a folder named ~ here', (dir) => {
    expect(() => loadLocalConfig({ DATA_DIR: dir })).toThrow(/DATA_DIR: starts with ~, which no shell expanded here/);
  });

  it('when DATA_DIR is relative or unset, then it is the absolute folder it stands for, so every line naming it says where it is', () => {
    expect(loadLocalConfig({ DATA_DIR: 'rel-data' }).DATA_DIR).toBe(path.resolve('rel-data'));
    expect(loadLocalConfig({}).DATA_DIR).toBe(path.resolve('.data'));
  });

  const problemsOf = (source: Record<string, string>) => {
    try {
      loadLocalConfig(source);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
  };

  const PORT_VARIABLES = Object.keys(localEnvSchema.shape).filter((name) => name.endsWith('_PORT'));

  it('when any port variable npm start reads is written 0x10 or 1e3, then the config error names it, not port 16 or 1000', () => {
    expect(PORT_VARIABLES).toEqual(expect.arrayContaining(['POSTGRES_PORT', 'GATEWAY_PORT', 'COGNITO_PORT', 'FAUXQS_PORT', 'PRODUCT_GRPC_PORT']));
    for (const name of PORT_VARIABLES) {
      for (const written of ['0x10', '1e3']) {
        expect(problemsOf({ [name]: written }), name).toEqual([`${name}: must be a port number, digits only (got "${written}")`]);
      }
    }
  });

  it.each([
    ['GATEWAY_RATE_LIMIT', '-1'],
    ['GATEWAY_TRUSTED_PROXIES', 'not-an-ip'],
    ['GATEWAY_HEADERS_TIMEOUT_MS', 'abc'],
    ['GATEWAY_CORS_ORIGINS', 'notaurl'],
    ['GATEWAY_CORS_ORIGINS', 'https://app.example.org/path'],
  ])('when the gateway\'s %s is %s, then the config error names it (not a gateway that exits and restarts)', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: .*"${value}"`))]);
  });

  it('when GATEWAY_CORS_ORIGINS names origins, or * alone, then it is accepted; * beside an origin is not', () => {
    expect(problemsOf({ GATEWAY_CORS_ORIGINS: 'http://localhost:5173, https://app.example.org/, http://[::1]:3000' })).toEqual([]);
    expect(problemsOf({ GATEWAY_CORS_ORIGINS: '*' })).toEqual([]);
    expect(problemsOf({ GATEWAY_CORS_ORIGINS: '*,https://app.example.org' })).toEqual([expect.stringMatching(/^GATEWAY_CORS_ORIGINS: \* allows every origin, so it stands alone/)]);
  });

  it('when AWS_REGION is not a region code, then the config error names it', () => {
    expect(problemsOf({ AWS_REGION: 'us east 1' })).toEqual([expect.stringMatching(/^AWS_REGION: must be an AWS region code such as us-east-1 \(got "us east 1"\)$/)]);
    expect(problemsOf({ AWS_REGION: 'ap-southeast-2' })).toEqual([]);
    expect(problemsOf({ AWS_REGION: 'eusc-de-east-1' })).toEqual([]);
  });

  it('when only one of COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID is set, then the config error names both', () => {
    expect(problemsOf({ COGNITO_USER_POOL_ID: 'us-east-1_abc' })).toEqual(['COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID go together: set both to use a real pool, or neither']);
  });
});
