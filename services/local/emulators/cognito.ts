/**
 * The offline Cognito in one call: state on disk, emulator up, platform seed applied.
 * Tokens it issues are signed with a key pair published inside the cognito-local package: anyone can forge
 * them, so this is for a laptop and tests only, never for anything reachable from outside.
 */
import type { ServerDeath } from '../child-process/death';
import { startCognitoEmulator } from './cognito-emulator';
import { PLATFORM_CLIENT_NAME, seedCognito, type CognitoSeedResult } from './cognito-seed';
import { existingClientId, prepareCognitoState } from './cognito-state';

export interface LocalCognitoOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly region?: string;
  readonly onLog?: (line: string) => void;
  /**
   * Told the pool, the app client and the endpoint as soon as they are known: before the emulator is up when an
   * earlier start left them in `dataDir` (and `port` is fixed), else once the seed has run. What uses only these
   * (a service's configuration) need not wait for the emulator's start.
   */
  readonly onKnown?: (ids: CognitoSeedResult) => void;
}

export interface LocalCognito extends CognitoSeedResult {
  /** Where services fetch the signing keys over plain http (`COGNITO_ENDPOINT` + this path). */
  readonly jwksUrl: string;
  /** Settles only if the emulator exits without stop() (cognito-emulator.ts). */
  readonly died: Promise<ServerDeath>;
  stop(): Promise<void>;
}

export function emulatorJwksUrl(endpoint: string, userPoolId: string): string {
  return `${endpoint}/${userPoolId}/.well-known/jwks.json`;
}

export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const { userPoolId, region } = await prepareCognitoState(options.dataDir, options.region);
  const knownClient = options.port === 0 ? undefined : await existingClientId(options.dataDir, userPoolId, PLATFORM_CLIENT_NAME);
  if (knownClient) options.onKnown?.({ userPoolId, clientId: knownClient, endpoint: `http://127.0.0.1:${options.port}`, region });
  const emulator = await startCognitoEmulator({ dataDir: options.dataDir, port: options.port, onLog: options.onLog });
  try {
    const seeded = await seedCognito({
      endpoint: emulator.endpoint,
      region,
      userPoolId,
      adminEmail: options.adminEmail,
      adminPassword: options.adminPassword,
    });
    if (!knownClient) options.onKnown?.(seeded);
    else if (seeded.clientId !== knownClient || seeded.endpoint !== `http://127.0.0.1:${options.port}`) {
      throw new Error(`cognito-local's app client or endpoint changed while it started (${knownClient} → ${seeded.clientId}, ${seeded.endpoint}); start again`);
    }
    return { ...seeded, jwksUrl: emulatorJwksUrl(seeded.endpoint, userPoolId), died: emulator.died, stop: emulator.stop };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
