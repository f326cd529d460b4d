import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, databaseServerEnv, env, loadConfig, redactUrlPassword, serviceEnvSchema } from '../../../services/kit/config';

const valid = { COGNITO_USER_POOL_ID: 'us-east-1_AbC123', COGNITO_CLIENT_ID: 'client' };

describe('loadConfig', () => {
  it('when every variable is valid, then defaults fill the rest', () => {
    const config = loadConfig(serviceEnvSchema(3002), valid);
    expect(config).toMatchObject({ PORT: 3002, LOG_LEVEL: 'info', DATABASE_POOL_MAX: 10 });
  });

  it('when variables are missing or malformed, then the error names each one', () => {
    const attempt = () => loadConfig(serviceEnvSchema(3002), { PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of ['PORT', 'DATABASE_URL', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID']) expect(message).toContain(name);
    expect(message).toContain('"eighty"');
  });

  it('when DATABASE_MIGRATIONS is unset, then the service applies its migrations; check is taken, anything else refused by name', () => {
    expect(loadConfig(serviceEnvSchema(3002), valid).DATABASE_MIGRATIONS).toBe('apply');
    expect(loadConfig(serviceEnvSchema(3002), { ...valid, DATABASE_MIGRATIONS: 'check' }).DATABASE_MIGRATIONS).toBe('check');
    expect(() => loadConfig(serviceEnvSchema(3002), { ...valid, DATABASE_MIGRATIONS: 'skip' })).toThrow(/DATABASE_MIGRATIONS/);
  });

  it('when a variable is set to an empty string, then it counts as unset', () => {
    const config = loadConfig(serviceEnvSchema(3002), { ...valid, DATABASE_URL: '', PORT: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3002);
  });

  it.each(['0x1f90', '1e3', ' 8080', '80.5', '-1'])('when a port is written %j, then it is refused by name, not read as another number', (written) => {
    expect(() => loadConfig(serviceEnvSchema(3002), { ...valid, PORT: written })).toThrow(/PORT: must be a port number, digits only/);
  });

  it.each(['0x10', '1e3', ' 5432', '5432.0', '0'])('when a deploy step\'s DB_PORT is written %j, then it is refused by name, not read as another port', (written) => {
    const schema = z.object(databaseServerEnv);
    expect(() => loadConfig(schema, { DB_HOST: 'db.example', DB_PORT: written })).toThrow(new RegExp(`DB_PORT: must be a port (number, digits only|from 1 to 65535) \\(got "${written.replace('.', '\\.')}"\\)`));
    expect(loadConfig(schema, { DB_HOST: 'db.example', DB_PORT: '5432' }).DB_PORT).toBe(5432);
  });

  it('when a port is digits, then it is that number, up to 65535', () => {
    expect(loadConfig(serviceEnvSchema(3002), { ...valid, PORT: '08080' }).PORT).toBe(8080);
    expect(() => loadConfig(serviceEnvSchema(3002), { ...valid, PORT: '65536' })).toThrow(/PORT: Too big/);
  });

  it.each(['ftp://emulator', 'localhost:4566', 'not a url'])('when a URL variable is %j, then the error says an http(s) URL is wanted', (written) => {
    const schema = z.object({ AWS_ENDPOINT_URL: env.url() });
    expect(() => loadConfig(schema, { AWS_ENDPOINT_URL: written })).toThrow(/AWS_ENDPOINT_URL: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('when a password variable is refused, then the error names it without its value', () => {
    const schema = z.object({ ADMIN_PASSWORD: z.string().min(8) });
    expect(() => loadConfig(schema, { ADMIN_PASSWORD: 'hunter2' })).toThrow(/ADMIN_PASSWORD: .*\(its value is not shown\)/);
    expect(() => loadConfig(schema, { ADMIN_PASSWORD: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it.each(['1e3', '0x10', '2.5', '0'])('when a count or a duration is written %j, then it is refused by name', (written) => {
    expect(() => loadConfig(serviceEnvSchema(3002), { ...valid, DATABASE_POOL_MAX: written })).toThrow(/DATABASE_POOL_MAX: /);
  });

  it('when SHUTDOWN_DELAY_SECONDS is unset or empty, then there is no pre-stop delay; whole seconds up to 60 are taken, anything else stops the start naming it', () => {
    expect(loadConfig(serviceEnvSchema(3002), valid).SHUTDOWN_DELAY_SECONDS).toBe(0);
    expect(loadConfig(serviceEnvSchema(3002), { ...valid, SHUTDOWN_DELAY_SECONDS: '' }).SHUTDOWN_DELAY_SECONDS).toBe(0);
    expect(loadConfig(serviceEnvSchema(3002), { ...valid, SHUTDOWN_DELAY_SECONDS: '20' }).SHUTDOWN_DELAY_SECONDS).toBe(20);
    expect(loadConfig(serviceEnvSchema(3002), { ...valid, SHUTDOWN_DELAY_SECONDS: '60' }).SHUTDOWN_DELAY_SECONDS).toBe(60);
    for (const value of ['61', '1.5', '-1', '1e1', '0x10', 'twenty']) {
      expect(() => loadConfig(serviceEnvSchema(3002), { ...valid, SHUTDOWN_DELAY_SECONDS: value }), value).toThrow(
        new RegExp(`SHUTDOWN_DELAY_SECONDS: .*got "${value}"`),
      );
    }
  });

  it('when a flag is not a boolean word, then it is rejected', () => {
    const schema = z.object({ VERBOSE: env.flag(false) });
    expect(loadConfig(schema, { VERBOSE: '1' }).VERBOSE).toBe(true);
    expect(() => loadConfig(schema, { VERBOSE: 'yes please' })).toThrow(/VERBOSE/);
  });
});

describe('env.postgresUrl', () => {
  const schema = z.object({ DATABASE_URL: env.postgresUrl() });
  const load = (url: string) => () => loadConfig(schema, { DATABASE_URL: url });

  it('when a password holds a raw / ? or # (not percent-encoded), then the URL is refused, saying to encode it, without the password', () => {
    for (const url of ['postgres://admin:pa/ss@db:5432', 'postgres://admin:pa?ss@db:5432', 'postgres://admin:S3cret p@ss/%:#?&@127.0.0.1:5432']) {
      expect(load(url), url).toThrow(/DATABASE_URL: its user or password holds a character that must be percent-encoded/);
      expect(load(url), url).not.toThrow(/pa\/ss|pa\?ss|S3cret/);
    }
  });

  it('when the same passwords are percent-encoded, or the URL has no password, a socket host, an IPv6 host or options, then it is taken', () => {
    const encoded = `postgres://admin:${encodeURIComponent('S3cret p@ss/%:#?&')}@127.0.0.1:5432/app?sslmode=require`;
    for (const url of [encoded, 'postgres://admin:pa%2Fss@db:5432', 'postgresql://admin@[::1]:5432/app', 'postgres://u@/app?host=/tmp', 'postgres:///app', 'postgres://db']) {
      expect(load(url)().DATABASE_URL, url).toBe(url);
    }
  });
});

describe('redactUrlPassword', () => {
  it('when a URL carries a password, however odd, then only the password is hidden', () => {
    expect(redactUrlPassword('postgres://admin:s3cret@db:5432/app')).toBe('postgres://admin:***@db:5432/app');
    expect(redactUrlPassword('postgresql://admin:a:b/c@d@db/app')).toBe('postgresql://admin:***@db/app');
    expect(redactUrlPassword('postgres://admin@db/app')).toBe('postgres://admin@db/app');
    expect(redactUrlPassword('not a url: x@y')).toBe('not a url: x@y');
  });

  it('when a variable with a password in it is malformed, then the error names it without the password', () => {
    const schema = z.object({ DATABASE_URL: env.postgresUrl() });
    expect(() => loadConfig(schema, { DATABASE_URL: 'mysql://root:hunter2@db/app' })).toThrow(/DATABASE_URL: .*got "mysql:\/\/root:\*\*\*@db\/app"/);
    expect(() => loadConfig(schema, { DATABASE_URL: 'mysql://root:hunter2@db/app' })).not.toThrow(/hunter2/);
  });
});
