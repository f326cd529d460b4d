/**
 * The operators' tool for the event bus: `npm run events -- <command>`.
 *
 *   dlq list     [--consumer <name>]      dead letters: event id, type, reason, receive count
 *   dlq redrive  --consumer <name>        moves that consumer's dead letters back to its queue
 *   outbox status [<postgres-url>…]       pending events and the oldest of them, per service database
 *
 * Options: --prefix (default $BUS_PREFIX or "platform"), --endpoint (default $AWS_ENDPOINT_URL; unset means real
 * AWS), --region (default $AWS_REGION, else us-east-1), --json. Database URLs default to $DATABASE_URL; a server
 * URL without a database name means the database of every producing service on that server. --local points both
 * at the platform `npm start` runs (its region too), so it is refused beside --endpoint, --region or database URLs.
 */
import { parseArgs } from 'node:util';
import { createBusClients } from '../services/kit/bus/clients';
import { checkEndpoint, dlqList, dlqRedrive, REDRIVE_NEEDS_CONSUMER } from './events/dlq';
import { localTargets, type LocalTarget } from './events/local';
import { outboxStatusCommand } from './events/outbox';

const USAGE =
  'usage: npm run events -- dlq list [--consumer <name>] | dlq redrive --consumer <name>\n' +
  '         [--prefix <p>] [--endpoint <url> | --local] [--region <region>] [--json]\n' +
  '       npm run events -- outbox status [<postgres-url>… | --local] [--json]';

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      consumer: { type: 'string' },
      prefix: { type: 'string' },
      // No defaults from the environment here: --local must tell a flag typed beside it from a variable.
      endpoint: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [group, command, ...rest] = positionals;
  const json = values.json ?? false;
  if (values.help) return console.log(USAGE);
  const refused = refusedArguments(group, command, rest, values);
  if (refused) throw new Error(refused);
  const local = values.local ? localTargets() : undefined;
  if (group === 'outbox' && command === 'status') {
    if (local) await reading(local.database);
    const fallback = local?.database.value ?? variable('DATABASE_URL');
    const urls = rest.length > 0 ? rest : fallback ? [fallback] : [];
    if (urls.length === 0) throw new Error('outbox status needs database URLs as arguments, DATABASE_URL, or --local for npm start\'s');
    return outboxStatusCommand(urls, json);
  }
  if (group === 'dlq' && (command === 'list' || command === 'redrive')) {
    // A missing argument first: with --local it was told only after "reading fauxqs …", or as "no platform found".
    if (command === 'redrive' && !values.consumer) throw new Error(REDRIVE_NEEDS_CONSUMER);
    if (local) await reading(local.bus);
    const endpoint = local?.bus.value.endpoint ?? values.endpoint ?? variable('AWS_ENDPOINT_URL');
    const region = local?.bus.value.region ?? values.region ?? variable('AWS_REGION');
    checkEndpoint(endpoint);
    const clients = createBusClients({ ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
    const options = { prefix: values.prefix ?? variable('BUS_PREFIX') ?? 'platform', json, ...(values.consumer ? { consumer: values.consumer } : {}) };
    try {
      return await (command === 'list' ? dlqList(clients, options) : dlqRedrive(clients, options));
    } finally {
      clients.close();
    }
  }
  throw new Error(USAGE);
}

/**
 * What the command line asks for that the tool would otherwise ignore without a word: --local beside the bus or
 * database it replaces (the "reading …" line would name one and the tool read the other), an option or argument
 * the command does not take, a command that does not exist.
 */
function refusedArguments(
  group: string | undefined,
  command: string | undefined,
  rest: readonly string[],
  values: { consumer?: string; prefix?: string; endpoint?: string; region?: string; local?: boolean },
): string | undefined {
  // `--consumer=` is parsed as an empty value: for dlq list that silently meant every consumer.
  const empty = (['consumer', 'prefix', 'endpoint', 'region'] as const).find((name) => values[name] === '');
  if (empty) return `--${empty} needs a value; see --help`;
  const given = (names: readonly (keyof typeof values)[]) => names.filter((name) => values[name] !== undefined).map((name) => `--${name}`);
  if (group === 'outbox' && command === 'status') {
    const busOptions = given(['consumer', 'prefix', 'endpoint', 'region']);
    if (busOptions.length > 0) return `outbox status takes no ${busOptions.join(', ')} (those are for dlq list and dlq redrive)`;
    if (values.local && rest.length > 0) return 'outbox status takes database URLs or --local, not both: --local reads npm start\'s own server';
    return undefined;
  }
  if (group === 'dlq' && (command === 'list' || command === 'redrive')) {
    if (rest.length > 0) return `dlq ${command} takes no argument "${rest[0]}"; see --help`;
    const busOptions = given(['endpoint', 'region']);
    if (values.local && busOptions.length > 0) return `${busOptions.join(' and ')} cannot go with --local, which reads npm start's own bus and region: give one or the other`;
    return undefined;
  }
  const named = [group, command].filter(Boolean).join(' ');
  return named ? `unknown command "${named}"\n${USAGE}` : undefined;
}

/** An empty variable counts as unset, as npm start counts it: `AWS_ENDPOINT_URL=` was refused as no http:// URL. */
const variable = (name: string): string | undefined => process.env[name] || undefined;

/** Goes on only if npm start's part runs there, and says on stderr what is read (stdout stays the report). */
async function reading(target: LocalTarget<unknown>): Promise<void> {
  await target.found();
  process.stderr.write(`reading ${target.description}\n`);
}

/** What the SDK's message leaves out: offline, these are a missing flag or a stopped platform. */
function hint(error: unknown): string {
  if (!(error instanceof Error)) return '';
  if (error.name === 'CredentialsProviderError') {
    return '\n(no AWS credentials found: for the platform `npm start` runs, add --local, or --endpoint <url> for another emulator)';
  }
  if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return '\n(nothing answers there: is `npm start` running?)';
  return '';
}

/**
 * An answer that is no AWS error at all (another server on the port: the local gateway, a
 * proxy) reaches the SDK as a bare "UnknownError", which names neither the endpoint nor what it said.
 */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined || error.message !== 'UnknownError') return error.message;
  return `the endpoint answered HTTP ${status} with no SNS/SQS error in it: is --endpoint (or AWS_ENDPOINT_URL) the bus, ` +
    'such as npm start\'s fauxqs (FAUXQS_PORT, or --local) or LocalStack (port 4566)?';
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`${messageOf(error)}${hint(error)}`);
  process.exitCode = 1;
});
