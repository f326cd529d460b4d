/**
 * provisionDatabases provisions its databases at once, each in a session of its own. When one fails, the error is
 * reported only once the others have ended too: a caller told it failed (npm start giving up, the provisioning
 * Lambda answering CloudFormation) must not have sessions still creating roles and databases behind it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFromUrl, provisionDatabases, urlOfDatabase, type ServiceDatabase } from '../../../../services/kit/db/provision';
import type { AdminConnection } from '../../../../services/kit/db/provision-admin';
import { dropAfterRun, testServerUrl } from '../../../support/database';

const run = randomBytes(3).toString('hex');
/** Its sessions' application_name: other files provision on the same server at the same time. */
const application = `t-provfail-${run}`;
const waiting: ServiceDatabase = { database: `t_provfail_${run}_waiting`, role: `t_provfail_${run}_waiting_service` };
const refused: ServiceDatabase = { database: `t_provfail_${run}_refused`, role: `t_provfail_${run}_refused_service` };
const stranger = `t_provfail_${run}_stranger`;

let server: string;
let admin: AdminConnection;

async function asAdmin<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: urlOfDatabase(server, 'postgres') });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** This file's provisioning sessions still on the server. */
const provisioningSessions = async () =>
  Number((await asAdmin<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [application]))[0]?.n);

beforeAll(async () => {
  server = await testServerUrl();
  const fromUrl = adminFromUrl(server);
  admin = { homes: fromUrl.homes, in: (database) => ({ ...fromUrl.in(database), application_name: application }) };
  // Another application's database of the same name: provisioning refuses it at once.
  await asAdmin(`CREATE ROLE "${stranger}"`);
  await asAdmin(`CREATE DATABASE "${refused.database}" OWNER "${stranger}"`);
});
afterAll(() => dropAfterRun({ databases: [waiting.database, refused.database], roles: [waiting.role, refused.role, stranger] }));

describe('provisioning several databases when one fails', () => {
  it('when one database is refused while another still waits for its lock, then the refusal is reported only once the other has ended, and no provisioning session is left', async () => {
    const holder = new pg.Client({ connectionString: urlOfDatabase(server, 'postgres'), application_name: `${application}-holder` });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`platform:provision:${waiting.role}`]);
      const began = Date.now();
      const failure = await provisionDatabases(admin, [waiting, refused], { lockWaitMs: 3_000 }).then(() => undefined, (error: unknown) => error);
      const elapsed = Date.now() - began;
      // The server ends a backend a moment after its client closed the connection.
      const deadline = Date.now() + 500;
      let left = await provisioningSessions();
      while (left > 0 && Date.now() < deadline) left = await provisioningSessions();

      expect(String(failure)).toContain(`database "${refused.database}" already exists, owned by "${stranger}"`);
      expect(left).toBe(0);
      expect(elapsed).toBeGreaterThanOrEqual(3_000);
    } finally {
      await holder.end();
    }
  });
});
