/**
 * What to do about a DATABASE_URL server that provisioning could not use, by what failed: one hint for every
 * failure ("Is the server running, and may this user create roles…?") sent a wrong password or a missing
 * CREATEROLE to the wrong place. Unknown failures get none: their own message is all there is to say.
 */
import { NoAdminDatabaseError } from '../kit/db/provision-admin';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
const BAD_CERTIFICATE = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED']);

export function databaseUrlAdvice(error: unknown, server: { host: string; port: string }): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const where = `${server.host || 'localhost'}:${server.port || '5432'}`;
  const unreachable = (typeof code === 'string' && UNREACHABLE.has(code)) || /timeout|terminated unexpectedly/i.test(message);
  if (unreachable) return `Is a PostgreSQL server running and reachable at ${where}?`;
  if (code === '28P01' || code === '28000') return 'Check the user and password in the URL (a password is written percent-encoded) and the server\'s pg_hba.conf.';
  if (error instanceof NoAdminDatabaseError) return 'This user creates the services\' databases from the URL\'s own database (…:5432/<database>), else from "postgres": name one in the URL that it may connect to.';
  if (code === '42501') return 'This user must be a superuser, or have CREATEROLE and CREATEDB (ALTER ROLE … CREATEROLE CREATEDB).';
  if (/does not support SSL/i.test(message)) return 'This server has no TLS: drop sslmode from the URL (or set sslmode=disable), or turn ssl on in the server.';
  if (typeof code === 'string' && BAD_CERTIFICATE.has(code)) return 'Its TLS certificate is not trusted here: give sslrootcert=<file> in the URL, or sslmode=no-verify for a server you trust.';
  return undefined;
}
