/**
 * `npm run smoke -- --url <base>`: the client journey against a running platform, the local gateway or the
 * deployed API. Prints each step's outcome and exits non-zero on the first failure.
 */
import { parseArgs } from 'node:util';
import { runJourney } from './smoke/journey';
import { smokeDefaults, smokeOptionProblems } from './smoke/options';

const defaults = smokeDefaults(process.env);

const USAGE = 'usage: npm run smoke -- [--url http://127.0.0.1:8080] [--admin-email E] [--admin-password P] [--event-timeout SECONDS]';

// parseArgs throws on an unknown option or a missing value; uncaught, that was a stack trace.
const { values } = parseOrExit(() => parseArgs({
  options: {
    url: { type: 'string', default: defaults.url },
    'admin-email': { type: 'string', default: defaults.adminEmail },
    'admin-password': { type: 'string', default: defaults.adminPassword },
    'event-timeout': { type: 'string', default: '30' },
    help: { type: 'boolean', default: false },
  },
}));

function parseOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    console.error(`smoke: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const problems = smokeOptionProblems({
  url: values.url,
  eventTimeout: values['event-timeout'],
  urlProblem: values.url === defaults.url ? defaults.urlProblem : undefined, // a --url given replaces GATEWAY_PORT's
});
if (problems.length > 0) {
  console.error(`smoke: ${problems.join('; ')}`);
  process.exit(2);
}

const started = Date.now();
console.log(`Smoke journey against ${values.url}`);
runJourney({
  baseUrl: values.url,
  adminEmail: values['admin-email'],
  adminPassword: values['admin-password'],
  eventTimeoutMs: Number(values['event-timeout']) * 1000,
  report: (step, outcome) => console.log(`  ${outcome.startsWith('FAILED') ? '✘' : '✔'} ${step}: ${outcome}`),
}).then(
  () => console.log(`smoke passed in ${((Date.now() - started) / 1000).toFixed(1)} s`),
  (error: unknown) => {
    const refused = error instanceof Error && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
    console.log(refused ? `smoke failed: nothing answers at ${values.url}; start the platform (npm start) or pass --url` : 'smoke failed');
    process.exit(1);
  },
);
