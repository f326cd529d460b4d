import { describe, expect, it } from 'vitest';
import { billingConfigSchema } from '../../../services/billing/config';
import { ConfigError, loadConfig } from '../../../services/kit/config';

const required = {
  COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123',
  COGNITO_CLIENT_ID: 'client',
  PRODUCT_SERVICE_URL: 'http://127.0.0.1:3002',
};

describe('billing config', () => {
  it('when only the required variables are set, then the defaults apply', () => {
    const config = loadConfig(billingConfigSchema, required);
    expect(config).toMatchObject({ PORT: 3003, PRODUCT_SERVICE_URL: 'http://127.0.0.1:3002', PRODUCT_TIMEOUT_MS: 2000 });
    expect(config.MIGRATIONS_DIR).toMatch(/services\/billing\/data-access\/migrations$/);
  });

  it.each([
    ['PRODUCT_SERVICE_URL is missing', { PRODUCT_SERVICE_URL: undefined }, 'PRODUCT_SERVICE_URL'],
    ['PRODUCT_SERVICE_URL is not http', { PRODUCT_SERVICE_URL: 'ftp://product' }, 'PRODUCT_SERVICE_URL'],
    ['PRODUCT_TIMEOUT_MS is not a positive number', { PRODUCT_TIMEOUT_MS: '0' }, 'PRODUCT_TIMEOUT_MS'],
  ])('when %s, then loading stops naming it', (_what, change, variable) => {
    expect(() => loadConfig(billingConfigSchema, { ...required, ...change })).toThrow(ConfigError);
    expect(() => loadConfig(billingConfigSchema, { ...required, ...change })).toThrow(variable);
  });
});
