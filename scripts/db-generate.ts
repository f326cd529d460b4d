/**
 * `npm run db:generate [service…]`: generates each service's SQL migrations from its drizzle schema with
 * drizzle-kit. Every service owns its schema and its migrations folder; nothing is shared between databases.
 */
import { spawnSync } from 'node:child_process';
import { migrationsFolder, SERVICE_NAMES, type ServiceName } from '../services/contracts/services';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown service(s): ${unknown.join(', ')}; expected any of ${SERVICE_NAMES.join(', ')}`);
  process.exit(2);
}

for (const service of requested.length > 0 ? requested : SERVICE_NAMES) {
  console.log(`\n▶ ${service}`);
  const result = spawnSync(
    'npx',
    [
      'drizzle-kit', 'generate',
      '--dialect', 'postgresql',
      '--schema', `services/${service}/data-access/schema.ts`,
      '--out', migrationsFolder(service as ServiceName), // checked against SERVICE_NAMES above
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
