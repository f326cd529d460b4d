/**
 * The two PostgreSQL login roles of each service, stated once: the offline launcher and the tests create them
 * (services/kit/db/provision.ts), the CDK app grants `rds-db:connect` for exactly these user names and tells the
 * task which is which. Neither can connect to another service's database.
 *
 * - `databaseRole`: owns the service's database and its tables; only the service's migrations log in as it.
 * - `databaseAppRole`: what the running service logs in as; it may read and write the rows of the tables and
 *   nothing else (no DROP, ALTER, TRUNCATE or CREATE), so a bug or an injected statement cannot change the schema.
 */
import { SERVICES, type ServiceName } from './services';

export const databaseRole = (name: ServiceName): string => `${SERVICES[name].database}_service`;

export const databaseAppRole = (name: ServiceName): string => `${SERVICES[name].database}_app`;
