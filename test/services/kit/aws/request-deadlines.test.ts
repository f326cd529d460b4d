import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { cognitoClientFromConfig } from '../../../../services/identity/data-access/cognito-client';
import { createBusClients } from '../../../../services/kit/bus/clients';
import { awsAnswering } from '../../../support/aws-answering';
import { within } from '../../../support/within';

describe('the deadline of an AWS call', () => {
  it('when the service takes the request and never answers, then the call fails at its deadline instead of hanging', { timeout: 20_000 }, async () => {
    const standIn = await awsAnswering('never');
    // SNS publishes have the outbox's rows locked while they wait: publishTimeoutMs is what bounds that.
    const bus = createBusClients({ endpoint: standIn.url, publishTimeoutMs: 300 });
    try {
      const started = performance.now();
      // within() clears its timer: a bare race left a 10 s timer running in the worker after the test.
      const outcome = await within(10_000, 'the publish settling', bus.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:platform-events', Message: '{}' })).then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      ));
      expect(outcome).toBe('TimeoutError');
      // Two attempts of 300 ms, and the SDK's backoff between them.
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      bus.close();
      await standIn.close();
    }
  });

  it('when the service sends the headers and then stalls in the body, then the call still fails at its deadline', { timeout: 20_000 }, async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '1000' });
      res.write('{"Username":"x",');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = cognitoClientFromConfig({ AWS_REGION: 'us-east-1', COGNITO_ENDPOINT: endpoint }, { connectMs: 300, requestMs: 300 });
    try {
      const outcome = await within(5_000, 'the call settling', client.send(new AdminGetUserCommand({ UserPoolId: 'us-east-1_stand1n', Username: 'x' })).then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      ));
      expect(outcome).toBe('TimeoutError');
    } finally {
      client.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
