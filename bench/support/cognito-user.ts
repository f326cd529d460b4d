/**
 * A cognito-local for a benchmark, with one signed-in user: the real token path, so the gateway's authorizer
 * does in the benchmark what it does in use.
 */
import { AdminInitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startLocalCognito } from '../../services/local/emulators/cognito';
import { createConfirmedUser, localCognitoClient } from '../../services/local/emulators/cognito-seed';

export interface BenchUser {
  readonly accessToken: string;
  /** The variables a service or the gateway needs to verify the user's tokens. */
  readonly env: Record<string, string>;
  readonly cognito: { readonly name: string; stop(): Promise<void> };
}

export async function benchUser(dataDir: string): Promise<BenchUser> {
  const cognito = await startLocalCognito({
    dataDir,
    port: 0,
    adminEmail: 'admin@bench.example',
    adminPassword: 'Bench-Admin-Passw0rd!',
    onLog: () => {},
  });
  const client = localCognitoClient(cognito.endpoint, cognito.region);
  try {
    const email = `bench-${Date.now()}@bench.example`;
    const password = 'Bench-Passw0rd!';
    await createConfirmedUser(client, cognito.userPoolId, email, password);
    const { AuthenticationResult } = await client.send(
      // As the Identity service signs in: the app client allows no public password sign-in.
      new AdminInitiateAuthCommand({
        UserPoolId: cognito.userPoolId,
        ClientId: cognito.clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    if (!AuthenticationResult?.AccessToken) throw new Error('cognito-local gave the bench user no access token');
    return {
      accessToken: AuthenticationResult.AccessToken,
      env: {
        COGNITO_USER_POOL_ID: cognito.userPoolId,
        COGNITO_CLIENT_ID: cognito.clientId,
        COGNITO_ENDPOINT: cognito.endpoint,
      },
      cognito: { name: 'cognito-local', stop: cognito.stop },
    };
  } catch (error) {
    await cognito.stop();
    throw error;
  } finally {
    client.destroy();
  }
}
