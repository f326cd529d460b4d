/**
 * The offline Cognito in one call: state on disk, emulator up, platform seed applied.
 * Tokens it issues are signed with a key pair published inside the cognito-local package: anyone can forge
 * them, so this is for a laptop and tests only, never for anything reachable from outside.
 */
import { startCognitoEmulator } from './cognito-emulator';
import { seedCognito, type CognitoSeedResult } from './cognito-seed';
import { prepareCognitoState } from './cognito-state';

export interface LocalCognitoOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly region?: string;
  readonly onLog?: (line: string) => void;
}

export interface LocalCognito extends CognitoSeedResult {
  /** Where services fetch the signing keys over plain http (`COGNITO_ENDPOINT` + this path). */
  readonly jwksUrl: string;
  stop(): Promise<void>;
}

export function emulatorJwksUrl(endpoint: string, userPoolId: string): string {
  return `${endpoint}/${userPoolId}/.well-known/jwks.json`;
}

export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const { userPoolId, region } = await prepareCognitoState(options.dataDir, options.region);
  const emulator = await startCognitoEmulator({ dataDir: options.dataDir, port: options.port, onLog: options.onLog });
  try {
    const seeded = await seedCognito({
      endpoint: emulator.endpoint,
      region,
      userPoolId,
      adminEmail: options.adminEmail,
      adminPassword: options.adminPassword,
    });
    return { ...seeded, jwksUrl: emulatorJwksUrl(seeded.endpoint, userPoolId), stop: emulator.stop };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
