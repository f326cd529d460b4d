import { describe, expect, it } from 'vitest';
import { billingConfigSchema } from '../../../services/billing/config';
import { ConfigError, loadConfig } from '../../../services/kit/config';

const required = {
  COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123',
  COGNITO_CLIENT_ID: 'client',
  PRODUCT_GRPC_URL: 'http://127.0.0.1:3012',
};

describe('billing config', () => {
  it('when only the required variables are set, then the defaults apply: prices over gRPC', () => {
    const config = loadConfig(billingConfigSchema, required);
    expect(config).toMatchObject({ PORT: 3003, PRODUCT_CATALOG_PROTOCOL: 'grpc', PRODUCT_GRPC_URL: 'http://127.0.0.1:3012', PRODUCT_TIMEOUT_MS: 2000 });
    expect(config.MIGRATIONS_DIR).toMatch(/services\/billing\/data-access\/migrations$/);
  });

  it('when the REST fallback is chosen with its URL, then PRODUCT_GRPC_URL is not needed', () => {
    const config = loadConfig(billingConfigSchema, { ...required, PRODUCT_GRPC_URL: undefined, PRODUCT_CATALOG_PROTOCOL: 'http', PRODUCT_SERVICE_URL: 'http://127.0.0.1:3002' });
    expect(config).toMatchObject({ PRODUCT_CATALOG_PROTOCOL: 'http', PRODUCT_SERVICE_URL: 'http://127.0.0.1:3002' });
  });

  it('when the Connect protocol is chosen, then it reads Product\'s internal API at PRODUCT_GRPC_URL too', () => {
    expect(loadConfig(billingConfigSchema, { ...required, PRODUCT_CATALOG_PROTOCOL: 'connect' })).toMatchObject({ PRODUCT_CATALOG_PROTOCOL: 'connect' });
    expect(() => loadConfig(billingConfigSchema, { ...required, PRODUCT_CATALOG_PROTOCOL: 'connect', PRODUCT_GRPC_URL: undefined })).toThrow(
      /PRODUCT_GRPC_URL: must be set when PRODUCT_CATALOG_PROTOCOL is connect/,
    );
  });

  it.each([
    ['PRODUCT_GRPC_URL is missing while prices are read over gRPC', { PRODUCT_GRPC_URL: undefined }, /PRODUCT_GRPC_URL: must be set when PRODUCT_CATALOG_PROTOCOL is grpc/],
    ['PRODUCT_SERVICE_URL is missing while prices are read over HTTP', { PRODUCT_CATALOG_PROTOCOL: 'http' }, /PRODUCT_SERVICE_URL: must be set when PRODUCT_CATALOG_PROTOCOL is http/],
    ['PRODUCT_CATALOG_PROTOCOL is neither grpc nor http', { PRODUCT_CATALOG_PROTOCOL: 'soap' }, /PRODUCT_CATALOG_PROTOCOL.*got "soap"/],
    ['PRODUCT_GRPC_URL is not http', { PRODUCT_GRPC_URL: 'grpc://product' }, /PRODUCT_GRPC_URL/],
    ['PRODUCT_SERVICE_URL is not http', { PRODUCT_SERVICE_URL: 'ftp://product' }, /PRODUCT_SERVICE_URL/],
    ['PRODUCT_TIMEOUT_MS is not a positive number', { PRODUCT_TIMEOUT_MS: '0' }, /PRODUCT_TIMEOUT_MS/],
  ])('when %s, then loading stops naming it', (_what, change, message) => {
    expect(() => loadConfig(billingConfigSchema, { ...required, ...change })).toThrow(ConfigError);
    expect(() => loadConfig(billingConfigSchema, { ...required, ...change })).toThrow(message);
  });
});
