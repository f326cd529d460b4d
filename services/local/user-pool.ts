/**
 * Cognito for `npm start`: cognito-local on 127.0.0.1 with its state under DATA_DIR, or the real pool that
 * COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID name.
 */
import path from 'node:path';
import { describeDeath } from './child-process/death';
import type { LocalConfig } from './config';
import { startLocalCognito } from './emulators/cognito';
import type { CognitoSeedResult } from './emulators/cognito-seed';
import type { CognitoSettings } from './service-env';
import { status } from './status';

export interface UserPool {
  /** What the services and the gateway are told of it. */
  readonly env: CognitoSettings;
  /** cognito-local's death, named (stop-order.ts says why it stops the platform); absent for a real pool. */
  readonly died?: Promise<string>;
  stop(): Promise<void>;
}

/** `onKnown` hears the settings as soon as they are known, which can be before the emulator is up. */
export async function startUserPool(config: LocalConfig, onKnown: (settings: CognitoSettings) => void): Promise<UserPool> {
  if (config.COGNITO_USER_POOL_ID && config.COGNITO_CLIENT_ID) {
    status.step('cognito', `using the real pool ${config.COGNITO_USER_POOL_ID} in ${config.AWS_REGION}`);
    const env = { COGNITO_USER_POOL_ID: config.COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID: config.COGNITO_CLIENT_ID, AWS_REGION: config.AWS_REGION };
    onKnown(env);
    return { env, stop: async () => {} };
  }
  const dataDir = path.resolve(config.DATA_DIR, 'cognito');
  const cognito = await startLocalCognito({
    dataDir,
    port: config.COGNITO_PORT,
    adminEmail: config.ADMIN_EMAIL,
    adminPassword: config.ADMIN_PASSWORD,
    region: config.AWS_REGION,
    onKnown: (ids) => onKnown(emulatorSettings(ids)),
  });
  status.step('cognito', `cognito-local on ${cognito.endpoint}, pool ${cognito.userPoolId}, admin ${config.ADMIN_EMAIL}`);
  const address = new URL(cognito.endpoint).host;
  const died = cognito.died.then((death) => describeDeath('cognito-local, the Cognito emulator', `${address}, data in ${dataDir}`, death));
  return { env: emulatorSettings(cognito), died, stop: cognito.stop };
}

const emulatorSettings = (ids: CognitoSeedResult): CognitoSettings => ({
  COGNITO_USER_POOL_ID: ids.userPoolId,
  COGNITO_CLIENT_ID: ids.clientId,
  COGNITO_ENDPOINT: ids.endpoint,
  AWS_REGION: ids.region,
});
