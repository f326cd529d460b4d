import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../../services/gateway/config';
import { gatewayOptionsFromEnv } from '../../../services/gateway/start';
import { ConfigError } from '../../../services/kit/config';
import { testLogger } from '../../support/silent-logger';

const required = { COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123', COGNITO_CLIENT_ID: 'client' };

describe('when only the Cognito settings are given', () => {
  it('then the documented defaults apply', () => {
    expect(loadGatewayConfig(required)).toMatchObject({
      GATEWAY_PORT: 8080,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_CORS_ORIGINS: [],
      GATEWAY_INTEGRATION_TIMEOUT_MS: 29_000, // a REST API's default integration timeout, which lib/constructs/api.ts keeps
      GATEWAY_MAX_BODY_BYTES: 1_048_576,
      GATEWAY_MAX_BUFFERED_BYTES: 67_108_864,
      GATEWAY_TRUSTED_PROXIES: [],
      GATEWAY_HEADERS_TIMEOUT_MS: 10_000,
      GATEWAY_BODY_TIMEOUT_MS: 30_000,
      GATEWAY_MAX_CONNECTIONS_PER_CLIENT: 128,
      GATEWAY_MAX_CONNECTIONS: 512,
      GATEWAY_SEND_TIMEOUT_MS: 10_000,
      GATEWAY_MAX_IN_FLIGHT_PER_CLIENT: 64,
      IDENTITY_URL: 'http://127.0.0.1:3001',
      PRODUCT_URL: 'http://127.0.0.1:3002',
      BILLING_URL: 'http://127.0.0.1:3003',
    });
  });

  it('then throttling and per-client throttling are left to the route table, and no proxy is trusted', () => {
    const options = gatewayOptionsFromEnv(loadGatewayConfig(required), testLogger);
    expect(options.throttleOverride).toEqual({ rateLimit: undefined, burstLimit: undefined });
    expect(options.perClientOverride).toEqual({ rateLimit: undefined, burstLimit: undefined });
    expect(options.trustedProxies).toEqual([]);
    expect(options).toMatchObject({ maxBodyBytes: 1_048_576, maxBufferedBytes: 67_108_864, maxConnections: 512, sendTimeoutMs: 10_000 });
  });
});

describe('when the throttle variables are set', () => {
  it('then they become the override, and an empty one counts as unset (not 0)', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_RATE_LIMIT: '50', GATEWAY_BURST_LIMIT: '' });
    expect(gatewayOptionsFromEnv(config, testLogger).throttleOverride).toEqual({ rateLimit: 50, burstLimit: undefined });
  });

  it('then a rate may have a decimal part and a burst is a whole number, 0 included', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_RATE_LIMIT: '0.5', GATEWAY_BURST_LIMIT: '010', GATEWAY_PER_CLIENT_RATE_LIMIT: '0', GATEWAY_PER_CLIENT_BURST_LIMIT: '0' });
    const options = gatewayOptionsFromEnv(config, testLogger);
    expect(options.throttleOverride).toEqual({ rateLimit: 0.5, burstLimit: 10 });
    expect(options.perClientOverride).toEqual({ rateLimit: 0, burstLimit: 0 });
  });

  it('then a per-client rate overrides the table\'s per-client limits, with one second of burst by default', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_PER_CLIENT_RATE_LIMIT: '5' });
    expect(gatewayOptionsFromEnv(config, testLogger).perClientOverride).toEqual({ rateLimit: 5, burstLimit: 5 });
  });

  it('then a per-client burst alone overrides only the burst', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_PER_CLIENT_BURST_LIMIT: '7' });
    expect(gatewayOptionsFromEnv(config, testLogger).perClientOverride).toEqual({ rateLimit: undefined, burstLimit: 7 });
  });

  it('then trusted proxies are read as addresses and CIDR blocks', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16,::1' });
    expect(gatewayOptionsFromEnv(config, testLogger).trustedProxies).toEqual(['10.0.0.1', '10.1.0.0/16', '::1']);
  });

  it('then CORS origins are read as a comma-separated list', () => {
    const config = loadGatewayConfig({ ...required, GATEWAY_CORS_ORIGINS: 'http://a.localhost, http://b.localhost ,' });
    expect(config.GATEWAY_CORS_ORIGINS).toEqual(['http://a.localhost', 'http://b.localhost']);
  });
});

describe('when a variable is wrong', () => {
  const problemsOf = (source: Record<string, string>): readonly string[] => {
    try {
      loadGatewayConfig(source);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
  };

  it('then startup fails naming each one', () => {
    const attempt = () => loadGatewayConfig({ GATEWAY_RATE_LIMIT: '-1', PRODUCT_URL: 'ftp://x' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/GATEWAY_RATE_LIMIT[\s\S]*PRODUCT_URL|PRODUCT_URL[\s\S]*GATEWAY_RATE_LIMIT/);
    expect(attempt).toThrow(/COGNITO_USER_POOL_ID/);
  });

  it("then a body limit over API Gateway's own 10 MiB, which no body could reach, stops startup naming GATEWAY_MAX_BODY_BYTES", () => {
    expect(loadGatewayConfig({ ...required, GATEWAY_MAX_BODY_BYTES: '10485760' }).GATEWAY_MAX_BODY_BYTES).toBe(10_485_760);
    const attempt = () => loadGatewayConfig({ ...required, GATEWAY_MAX_BODY_BYTES: '10485761' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/GATEWAY_MAX_BODY_BYTES: must be at most 10485760/);
  });

  it.each(['proxy.example.com', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1'])(
    'then a trusted proxy "%s" that is no address or CIDR block stops startup naming GATEWAY_TRUSTED_PROXIES',
    (entry) => {
      const attempt = () => loadGatewayConfig({ ...required, GATEWAY_TRUSTED_PROXIES: `10.0.0.1,${entry}` });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/GATEWAY_TRUSTED_PROXIES/);
    },
  );

  it.each([
    ['GATEWAY_RATE_LIMIT', '0x10'],
    ['GATEWAY_RATE_LIMIT', '1e3'],
    ['GATEWAY_RATE_LIMIT', '+5'],
    ['GATEWAY_RATE_LIMIT', ' 5'],
    ['GATEWAY_RATE_LIMIT', '.5'],
    ['GATEWAY_RATE_LIMIT', 'Infinity'],
    ['GATEWAY_BURST_LIMIT', '0x10'],
    ['GATEWAY_BURST_LIMIT', '1e3'],
    ['GATEWAY_BURST_LIMIT', '10 '],
    ['GATEWAY_BURST_LIMIT', '2.5'],
    ['GATEWAY_PER_CLIENT_RATE_LIMIT', '0b11'],
    ['GATEWAY_PER_CLIENT_BURST_LIMIT', '1_000'],
  ])('then %s written %j stops startup naming it and the value, not read as another number', (name, written) => {
    const problems = problemsOf({ ...required, [name]: written });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: must be `))]);
    expect(problems[0]).toContain(`(got "${written}")`);
  });

  it.each([
    'GATEWAY_HEADERS_TIMEOUT_MS',
    'GATEWAY_BODY_TIMEOUT_MS',
    'GATEWAY_SEND_TIMEOUT_MS',
    'GATEWAY_MAX_CONNECTIONS_PER_CLIENT',
    'GATEWAY_MAX_CONNECTIONS',
    'GATEWAY_MAX_IN_FLIGHT_PER_CLIENT',
  ])(
    'then %s of 0 stops startup naming it',
    (name) => {
      expect(() => loadGatewayConfig({ ...required, [name]: '0' })).toThrow(new RegExp(name));
    },
  );
});
