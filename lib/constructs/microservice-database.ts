/**
 * How a service task reaches its database: libpq variables in the environment (node-postgres reads them
 * natively), IAM authentication instead of a password, and the app role (rows only) as its one login. The owner
 * role is the migration step's (database-migrations.ts). The task definition holds no database secret at all; the
 * task role may connect as the app user of that one instance, and as nobody else.
 */
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { DatabaseConnection } from './database';

export function databaseEnvironment(database: DatabaseConnection): Record<string, string> {
  return {
    PGHOST: database.instance.dbInstanceEndpointAddress,
    PGPORT: database.instance.dbInstanceEndpointPort,
    PGDATABASE: database.databaseName,
    // The running service: it may read and write rows, and cannot change the schema.
    PGUSER: database.appUser,
    // A deploy step applied the migrations before the task started; the task checks it can use its tables.
    DATABASE_MIGRATIONS: 'check',
    // Each new connection signs a 15-minute token with the task role (services/kit/db/password-source-iam.ts).
    DATABASE_IAM_AUTH: 'true',
    // The image trusts the RDS CA bundle (NODE_EXTRA_CA_CERTS), so the certificate and host name are checked.
    PGSSLMODE: 'verify-full',
  };
}

/** `rds-db:connect` on `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>` for the app user of this instance only. */
export function grantDatabaseLogin(database: DatabaseConnection, grantee: IGrantable): void {
  database.instance.grantConnect(grantee, database.appUser);
}
