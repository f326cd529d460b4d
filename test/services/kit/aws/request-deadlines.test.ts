import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createBusClients } from '../../../../services/kit/bus/clients';
import { awsAnswering } from '../../../support/aws-answering';

describe('the deadline of an AWS call', () => {
  it('when the service takes the request and never answers, then the call fails at its deadline instead of hanging', { timeout: 20_000 }, async () => {
    const standIn = await awsAnswering('never');
    // SNS publishes have the outbox's rows locked while they wait: publishTimeoutMs is what bounds that.
    const bus = createBusClients({ endpoint: standIn.url, publishTimeoutMs: 300 });
    try {
      const started = performance.now();
      const outcome = await Promise.race([
        bus.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:platform-events', Message: '{}' })).then(
          () => 'answered',
          (error: unknown) => (error as Error).name,
        ),
        new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting after 10 s')),
      ]);
      expect(outcome).toBe('TimeoutError');
      // Two attempts of 300 ms, and the SDK's backoff between them.
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      bus.close();
      await standIn.close();
    }
  });
});
