/**
 * How a service task reaches its database: libpq variables in the environment (node-postgres reads them
 * natively), its own login role as the user, and IAM authentication instead of a password. The task definition
 * holds no database secret at all; the task role may connect as that one user of that one instance.
 */
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { DatabaseConnection } from './database';

export function databaseEnvironment(database: DatabaseConnection): Record<string, string> {
  return {
    PGHOST: database.instance.dbInstanceEndpointAddress,
    PGPORT: database.instance.dbInstanceEndpointPort,
    PGDATABASE: database.databaseName,
    PGUSER: database.user,
    // Each new connection signs a 15-minute token with the task role (services/kit/db/password-source-iam.ts).
    DATABASE_IAM_AUTH: 'true',
    // The image trusts the RDS CA bundle (NODE_EXTRA_CA_CERTS), so the certificate and host name are checked.
    PGSSLMODE: 'verify-full',
  };
}

/** `rds-db:connect` on `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>`: this user only. */
export function grantDatabaseLogin(database: DatabaseConnection, grantee: IGrantable): void {
  database.instance.grantConnect(grantee, database.user);
}
