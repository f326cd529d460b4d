/** `--local`: the bus and databases of the platform `npm start` runs, from the same variables and defaults. */
import { embeddedServerUrl } from '../../services/local/embedded-postgres';
import { loadLocalConfig } from '../../services/local/config';

export interface LocalTargets {
  /** SNS/SQS: AWS_ENDPOINT_URL when npm start uses it, else its fauxqs. */
  readonly endpoint: string;
  readonly region: string;
  /** DATABASE_URL when npm start uses it, else its embedded server: each producing service's database on it. */
  readonly databaseServerUrl: string;
}

export function localTargets(env: Readonly<Record<string, string | undefined>> = process.env): LocalTargets {
  const config = loadLocalConfig(env);
  return {
    endpoint: config.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${config.FAUXQS_PORT}`,
    region: config.AWS_REGION,
    databaseServerUrl: config.DATABASE_URL ?? embeddedServerUrl(config.POSTGRES_PORT),
  };
}
