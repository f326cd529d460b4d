/**
 * `npm run db:generate [service…]`: generates each service's SQL migrations from its drizzle schema with
 * drizzle-kit. Every service owns its schema and its migrations folder; nothing is shared between databases.
 */
import { spawnSync } from 'node:child_process';

const SERVICES = ['identity', 'product', 'billing'] as const;
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(SERVICES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown service(s): ${unknown.join(', ')}; expected any of ${SERVICES.join(', ')}`);
  process.exit(2);
}

for (const service of requested.length > 0 ? requested : SERVICES) {
  console.log(`\n▶ ${service}`);
  const result = spawnSync(
    'npx',
    [
      'drizzle-kit', 'generate',
      '--dialect', 'postgresql',
      '--schema', `services/${service}/data-access/schema.ts`,
      '--out', `services/${service}/data-access/migrations`,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
