import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';
import { cachedPasswordSource, type PasswordSource } from './password-source';

export interface IamPasswordSettings {
  readonly hostname: string;
  readonly port: number;
  /** The database user; the task role needs `rds-db:connect` on exactly this user of this instance. */
  readonly username: string;
  readonly region: string;
  /** Default: the SDK's chain (in ECS, the task role). */
  readonly credentials?: SignerConfig['credentials'];
}

/**
 * RDS IAM authentication: the password is a token signed with the task role's credentials, valid 15 minutes and
 * checked only when a connection opens, so open connections outlive it. A token is reused for 10 minutes, then
 * signed again; there is no password to rotate. Signing is local (SigV4); the SDK refreshes the role's credentials.
 */
export function iamPasswordSource(settings: IamPasswordSettings, ttlMs = 10 * 60_000): PasswordSource {
  const signer = new Signer(settings);
  return cachedPasswordSource(`IAM tokens for ${settings.username}@${settings.hostname}:${settings.port}`, () => signer.getAuthToken(), ttlMs);
}
