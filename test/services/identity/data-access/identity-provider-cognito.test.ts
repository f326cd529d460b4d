/** The Cognito adapter against a loopback stand-in for Cognito that answers as the case needs. */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { cognitoClientFromConfig } from '../../../../services/identity/data-access/cognito-client';
import { identityProviderCognito } from '../../../../services/identity/data-access/identity-provider-cognito';
import { EmailInUseError, IdentityProviderUnavailableError } from '../../../../services/identity/domain/ports';

const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };
const exists = (res: Parameters<RequestListener>[1]) =>
  res.writeHead(400, { ...JSON_TYPE, 'x-amzn-errortype': 'UsernameExistsException' }).end(JSON.stringify({ __type: 'UsernameExistsException', message: 'exists' }));

/** createUser's outcome against a stand-in whose n-th AdminCreateUser is answered by `answer(n, res)`. */
async function createUserWhen(answer: (n: number, res: Parameters<RequestListener>[1]) => void): Promise<{ error: unknown; creates: number }> {
  let creates = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (!String(req.headers['x-amz-target']).endsWith('AdminCreateUser')) return void res.writeHead(500).end();
    creates += 1;
    answer(creates, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = cognitoClientFromConfig({ AWS_REGION: 'us-east-1', COGNITO_ENDPOINT: endpoint }, { connectMs: 300, requestMs: 300 });
  try {
    const directory = identityProviderCognito({ client, userPoolId: 'us-east-1_stand1n', clientId: 'c' });
    const error = await directory.createUser('ada@example.org', 'Passw0rd!').then(() => undefined, (e: unknown) => e);
    return { error, creates };
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
}

it('when Cognito made the user but answered past the deadline, and the retry meets it, then the directory is unavailable (a 503 whose next signup cleans up), not "email taken"', { timeout: 20_000 }, async () => {
  const { error, creates } = await createUserWhen((n, res) => {
    if (n === 1) setTimeout(() => res.writeHead(200, JSON_TYPE).end(JSON.stringify({ User: { Attributes: [{ Name: 'sub', Value: 'abc' }] } })), 600);
    else exists(res);
  });
  expect(creates).toBe(2);
  expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
});

it('when the first attempt already meets a user with the email, then the email is in use', { timeout: 20_000 }, async () => {
  const { error, creates } = await createUserWhen((_n, res) => exists(res));
  expect(creates).toBe(1);
  expect(error).toBeInstanceOf(EmailInUseError);
});
