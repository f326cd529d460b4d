/** `outbox status`: pending rows and the oldest of them, per service database. */
import pg from 'pg';
import { EVENT_CATALOG } from '../../services/contracts/events';
import { outboxStatus, type OutboxStatus } from '../../services/kit/outbox/status';
import { describeError } from '../../services/kit/bus/describe-error';
import { hostAsWritten, redactUrlPassword, UNENCODED_CREDENTIALS } from '../../services/kit/config';
import { urlOfDatabase } from '../../services/kit/db/provision';

/** The services that produce events, hence have an outbox. */
const PRODUCERS = [...new Set(Object.values(EVENT_CATALOG).map((definition) => definition.producer))];

/** A URL naming a database stays as is; a server URL stands for each producing service's database on it. */
export function databaseUrls(given: readonly string[]): string[] {
  return given.flatMap((raw) => {
    // new URL's own "Invalid URL" names neither the argument nor what was expected.
    if (!/^postgres(ql)?:\/\//.test(raw) || !URL.canParse(raw)) {
      throw new Error(`outbox status: "${redactUrlPassword(raw)}" is not a postgres:// or postgresql:// URL`);
    }
    if (!hostAsWritten(raw)) throw new Error(`outbox status: "${redactUrlPassword(raw)}": ${UNENCODED_CREDENTIALS}`);
    const url = new URL(raw);
    if (url.pathname.length > 1) return [raw];
    // Not new URL(`/${service}`, url): resolving a path drops the query, and sslmode=require with it (a plaintext
    // connection where TLS was asked for), as it does host=/socket/dir and every other option.
    return PRODUCERS.map((service) => urlOfDatabase(raw, service));
  });
}

type OutboxReportRow = { database: string; error: string } | ({ database: string } & OutboxStatus);

export async function outboxStatusCommand(urls: readonly string[], json: boolean): Promise<void> {
  const report: OutboxReportRow[] = [];
  for (const url of databaseUrls(urls)) {
    const database = new URL(url).pathname.slice(1);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      report.push({ database, ...(await outboxStatus(client)) });
    } catch (error) {
      report.push({ database, error: withoutPasswordHint(describeError(error), url) });
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
  // A status that could not be read is no "all clear": a script or a cron job checking the exit code must see it.
  const unread = report.filter((row) => 'error' in row).map((row) => row.database);
  if (unread.length > 0) throw new Error(`outbox status: could not read ${unread.join(', ')}`);
}

/**
 * node-postgres's words when the server asks for a password and none was given ("SASL: SCRAM-SERVER-FIRST-MESSAGE:
 * client password must be a string") say nothing of the URL; a newcomer pointing the tool at npm start's server
 * meets them first.
 */
function withoutPasswordHint(described: string, url: string): string {
  if (!/client password must be a string/.test(described) || new URL(url).password) return described;
  return `${described} (the server asks for a password and the URL has none: add it as postgres://user:password@…, ` +
    'or use --local for the platform npm start runs)';
}

function printReport(report: readonly OutboxReportRow[]): void {
  for (const row of report) {
    if ('error' in row) {
      console.log(`${row.database}: ${row.error}`);
      continue;
    }
    const age = row.oldestPendingAt ? `${Math.round((Date.now() - row.oldestPendingAt.getTime()) / 1000)} s ago (${row.oldestPendingAt.toISOString()})` : '-';
    console.log(`${row.database}: pending ${row.pending}, oldest pending ${age}, retrying ${row.retrying}, failed ${row.failed}, sent (kept) ${row.sent}`);
    if (row.lastError) console.log(`  last error: ${row.lastError}`);
    if (row.lastFailure) console.log(`  failed for good (never retried; docs/events.md, "Outbox backlog"): seq ${row.lastFailure.seq}: ${row.lastFailure.error ?? ''}`);
  }
}
