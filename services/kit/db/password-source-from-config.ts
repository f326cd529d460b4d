import { ConfigError } from '../config';
import type { PasswordSource } from './password-source';
import { filePasswordSource } from './password-source-file';
import { iamPasswordSource } from './password-source-iam';

export interface DatabaseCredentialSettings {
  readonly DATABASE_IAM_AUTH: boolean;
  readonly DATABASE_PASSWORD_FILE?: string | undefined;
  readonly PGHOST?: string | undefined;
  readonly PGPORT: number;
  readonly PGUSER?: string | undefined;
  readonly AWS_REGION?: string | undefined;
}

/**
 * The service's password source from its config: IAM tokens in AWS (DATABASE_IAM_AUTH, with PGHOST, PGUSER and
 * AWS_REGION), a file that rotation rewrites (DATABASE_PASSWORD_FILE), or none: the URL's or PGPASSWORD's fixed
 * password. A missing or contradictory setting stops startup naming the variables.
 */
export function passwordSourceFromConfig(config: DatabaseCredentialSettings): PasswordSource | undefined {
  if (config.DATABASE_IAM_AUTH && config.DATABASE_PASSWORD_FILE) {
    throw new ConfigError(['DATABASE_IAM_AUTH and DATABASE_PASSWORD_FILE: set one of them, not both']);
  }
  if (config.DATABASE_PASSWORD_FILE) return filePasswordSource(config.DATABASE_PASSWORD_FILE);
  if (!config.DATABASE_IAM_AUTH) return undefined;
  const missing = (['PGHOST', 'PGUSER', 'AWS_REGION'] as const).filter((name) => !config[name]);
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name}: required with DATABASE_IAM_AUTH=true (it is not set)`));
  return iamPasswordSource({ hostname: config.PGHOST!, port: config.PGPORT, username: config.PGUSER!, region: config.AWS_REGION! });
}
