/**
 * The PostgreSQL login role each service connects as, stated once: the offline launcher and the tests create it
 * (services/kit/db/provision.ts), the CDK app grants `rds-db:connect` for exactly this user name and tells the
 * task to log in as it. It owns its service's database and can connect to no other.
 */
import { SERVICES, type ServiceName } from './services';

export const databaseRole = (name: ServiceName): string => `${SERVICES[name].database}_service`;
