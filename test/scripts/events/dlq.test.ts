import { describe, expect, it } from 'vitest';
import { checkEndpoint, queuesOf } from '../../../scripts/events/dlq';

describe('dlq options', () => {
  it('when --consumer names no consumer, then the error lists the ones there are', () => {
    expect(() => queuesOf({ prefix: 'platform', consumer: 'nope', json: false })).toThrow(
      /^--consumer "nope" is no consumer of the bus; choose (identity|billing|product), (identity|billing|product), (identity|billing|product)$/,
    );
  });

  it.each(['nope', 'localhost:4566', 'ftp://127.0.0.1'])('when the endpoint is %j, then the error names --endpoint and what it wants', (endpoint) => {
    expect(() => checkEndpoint(endpoint)).toThrow(/^--endpoint \(or AWS_ENDPOINT_URL\) must be an http:\/\/ or https:\/\/ URL/);
  });

  it('when the endpoint is an http URL or unset (AWS), then it is taken', () => {
    expect(() => checkEndpoint('http://127.0.0.1:4566')).not.toThrow();
    expect(() => checkEndpoint(undefined)).not.toThrow();
  });
});
