/**
 * The operators' tool for the event bus: `npm run events -- <command>`.
 *
 *   dlq list     [--consumer <name>]      dead letters: event id, type, reason, receive count
 *   dlq redrive  --consumer <name>        moves that consumer's dead letters back to its queue
 *   outbox status [<postgres-url>…]       pending events and the oldest unsent, per service database
 *
 * Options: --prefix (default $BUS_PREFIX or "platform"), --endpoint (default $AWS_ENDPOINT_URL; unset means real
 * AWS), --json. Database URLs default to $DATABASE_URL; a server URL without a database name means the database
 * of every producing service on that server.
 */
import { parseArgs } from 'node:util';
import { createBusClients } from '../services/platform/bus/clients';
import { dlqList, dlqRedrive } from './events/dlq';
import { outboxStatusCommand } from './events/outbox';

const USAGE = 'usage: npm run events -- dlq list|redrive [--consumer <name>] [--prefix <p>] [--endpoint <url>] [--json]\n' +
  '       npm run events -- outbox status [<postgres-url>…] [--json]';

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      consumer: { type: 'string' },
      prefix: { type: 'string', default: process.env.BUS_PREFIX ?? 'platform' },
      endpoint: { type: 'string', default: process.env.AWS_ENDPOINT_URL },
      region: { type: 'string', default: process.env.AWS_REGION },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [group, command, ...rest] = positionals;
  const json = values.json ?? false;
  if (values.help) return console.log(USAGE);
  if (group === 'outbox' && command === 'status') {
    const urls = rest.length > 0 ? rest : process.env.DATABASE_URL ? [process.env.DATABASE_URL] : [];
    if (urls.length === 0) throw new Error('outbox status needs database URLs as arguments or DATABASE_URL');
    return outboxStatusCommand(urls, json);
  }
  if (group === 'dlq' && (command === 'list' || command === 'redrive')) {
    const clients = createBusClients({ ...(values.endpoint ? { endpoint: values.endpoint } : {}), ...(values.region ? { region: values.region } : {}) });
    const options = { prefix: values.prefix ?? 'platform', json, ...(values.consumer ? { consumer: values.consumer } : {}) };
    try {
      return await (command === 'list' ? dlqList(clients, options) : dlqRedrive(clients, options));
    } finally {
      clients.close();
    }
  }
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
