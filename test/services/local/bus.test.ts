import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/kit/config';
import { startBus } from '../../../services/local/bus';
import { loadLocalConfig } from '../../../services/local/config';

describe('npm start\'s bus on AWS_ENDPOINT_URL', () => {
  it('when nothing answers at the endpoint, then start-up stops with a config error naming AWS_ENDPOINT_URL, not a bare ECONNREFUSED', async () => {
    // Port 1 on loopback: refused at once.
    const attempt = startBus(loadLocalConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }));
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/AWS_ENDPOINT_URL: cannot use http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*Does an SNS\/SQS endpoint/);
  });
});
