import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../services/kit/config';
import { productConfigSchema } from '../../../services/product/config';

const required = { COGNITO_USER_POOL_ID: 'us-east-1_AbCdEf123', COGNITO_CLIENT_ID: 'client', EVENTS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/platform-product' };

describe('product config', () => {
  it('when only the required variables are set, then the gRPC port holds at most 256 connections', () => {
    expect(loadConfig(productConfigSchema, required)).toMatchObject({ PRODUCT_GRPC_PORT: 3012, PRODUCT_GRPC_MAX_CONNECTIONS: 256 });
  });

  it('when PRODUCT_GRPC_MAX_CONNECTIONS is set, then it is the cap', () => {
    expect(loadConfig(productConfigSchema, { ...required, PRODUCT_GRPC_MAX_CONNECTIONS: '32' }).PRODUCT_GRPC_MAX_CONNECTIONS).toBe(32);
  });

  it.each(['0', '-1', '1.5', '1e3', 'many'])('when PRODUCT_GRPC_MAX_CONNECTIONS is %s, then loading stops naming it', (value) => {
    const load = () => loadConfig(productConfigSchema, { ...required, PRODUCT_GRPC_MAX_CONNECTIONS: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PRODUCT_GRPC_MAX_CONNECTIONS/);
  });
});
