/**
 * An error as one short line, for log fields, the outbox's last_error and a dead letter's reason. These lines
 * bypass the logger's error serializer (services/kit/logger.ts), so they do its work themselves:
 * - drizzle wraps a failed statement as "Failed query: <sql>\nparams: <values>" and keeps the database's own
 *   error (the SQLSTATE and its words) in `cause`. The outer message alone names neither why it failed nor
 *   anything an operator can act on, and its parameters are a user's email or name: the causes are named, the
 *   parameters left out;
 * - a schema error over an event someone else wrote can list thousands of issues, and a line past 16 KB is split
 *   by the container's log driver into pieces that are no JSON: the first issues are listed, the text is cut.
 */
import { inspect } from 'node:util';
import { PARAMS_IN_MESSAGE } from '../logger';

/** As the dead-letter reason and the outbox's last_error are kept. */
export const DESCRIPTION_MAX = 1_000;
const ISSUES_LISTED = 10;
const CAUSES_NAMED = 4;

export function describeError(error: unknown): string {
  const line = describeOrInspect(error).replace(/\s*\n\s*/g, ' ');
  return line.length > DESCRIPTION_MAX ? `${line.slice(0, DESCRIPTION_MAX - 1)}…` : line;
}

/**
 * Never throws: it runs in the catch blocks of the consumer and the relay, so a value it could not describe (a
 * handler's `throw Object.create(null)`, which String() refuses; a getter that throws) failed the whole batch
 * instead of its one event, at every delivery, and the event reached the dead-letter queue with no reason.
 */
function describeOrInspect(error: unknown): string {
  try {
    return describeChain(error);
  } catch {
    try {
      return `unprintable ${inspect(error, { depth: 2, breakLength: Infinity, getters: false })}`;
    } catch {
      return 'unprintable value';
    }
  }
}

function describeChain(error: unknown): string {
  const parts = [describeOne(error)];
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; depth < CAUSES_NAMED && cause !== undefined && cause !== null; depth++) {
    parts.push(`caused by ${describeOne(cause)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join('; ');
}

function describeOne(error: unknown): string {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues)) {
    const listed = issues.slice(0, ISSUES_LISTED).map((issue: { path?: unknown[]; message?: string }) => `${(issue.path ?? []).join('.') || '(root)'}: ${issue.message}`);
    const more = issues.length > ISSUES_LISTED ? [`and ${issues.length - ISSUES_LISTED} more`] : [];
    return `${(error as Error).name ?? 'ValidationError'}: ${[...listed, ...more].join('; ')}`;
  }
  if (!(error instanceof Error)) return String(error);
  // node-postgres names every server error "error"; its SQLSTATE says more.
  const { code } = error as { code?: unknown };
  const name = typeof code === 'string' ? `${error.name} ${code}` : error.name;
  return `${name}: ${error.message.replace(PARAMS_IN_MESSAGE, '')}`;
}
