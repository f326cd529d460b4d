/**
 * Where provisioning connects as the server's admin for the steps that belong to no one database (roles, CREATE
 * DATABASE): `postgres` is there on a server of our own and on RDS, but a managed server may lack it or keep it
 * for its operator, so the admin's own database comes first when the URL names one (provision.ts, adminFromUrl).
 */
import type pg from 'pg';

/** How to reach the server as its admin. */
export interface AdminConnection {
  /**
   * Where the cluster-wide steps (roles, CREATE DATABASE) may run, in order: the first the admin can connect to is
   * used. A managed server may have no `postgres`, or close it to all but its operator.
   */
  readonly homes: readonly string[];
  /** The connection to a given database as the admin. */
  in(database: string): pg.ClientConfig;
}

/** No database of `AdminConnection.homes` let the admin in; the message names each one and why. */
export class NoAdminDatabaseError extends Error {
  override readonly name = 'NoAdminDatabaseError';
}

/**
 * The first of the admin's homes it can connect to. One that is absent (3D000), closed to it (no CONNECT: 42501)
 * or refused it by pg_hba.conf (28000, naming the file) is passed over; any other failure (a wrong password, no
 * server) would fail the same in every database, and is thrown as it is.
 */
export async function adminHome(admin: AdminConnection, tryConnecting: (config: pg.ClientConfig) => Promise<void>): Promise<string> {
  const passedOver: string[] = [];
  for (const database of admin.homes) {
    try {
      await tryConnecting(admin.in(database));
      return database;
    } catch (error) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      const closed = code === '3D000' || code === '42501' || (code === '28000' && /pg_hba\.conf/.test(String(message)));
      if (!closed) throw error;
      passedOver.push(`"${database}" (${String(message)})`);
    }
  }
  throw new NoAdminDatabaseError(`the admin may connect to none of the databases it provisions from: ${passedOver.join(', ')}`);
}

