/**
 * How provisioning acts as a service's role when its admin is no superuser (RDS's master): as a member of the role,
 * only for the transaction that needs it (provision.ts).
 */
import type pg from 'pg';

/**
 * Runs `work` with the admin a member of `roles`, in one transaction that ends it: an admin that is no superuser
 * (RDS's master) may give a database or a table to a role, or SET ROLE to it, only as its member. A membership kept
 * after the run made the master a member of rds_iam through the role, and RDS sends such a login to IAM
 * authentication (pg_hba.conf: `hostssl all +rds_iam all pam`), refusing its password: the secret's rotation and
 * every later provisioning run failed. Granted and revoked in one transaction, the membership is never committed, so
 * no other session's login ever sees it, and a session that dies mid-way leaves none. The revoke also ends one an
 * earlier release kept (of the owner and of the app role, which it made the admin a member of too).
 */
export async function actingAs<T>(client: pg.Client, names: readonly string[], work: () => Promise<T>): Promise<T> {
  if (await isSuperuser(client)) return work();
  const roles = names.map((name) => client.escapeIdentifier(name)).join(', ');
  await client.query('BEGIN');
  try {
    await client.query(`GRANT ${roles} TO CURRENT_USER`);
    const result = await work();
    await client.query(`REVOKE ${roles} FROM CURRENT_USER`);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export async function isSuperuser(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.rolsuper === true;
}
