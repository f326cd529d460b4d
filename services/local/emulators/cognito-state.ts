/**
 * What must be on disk before cognito-local starts, because it reads it only at start-up:
 * - `.cognito/config.json` with the production issuer domain, so tokens carry
 *   `iss = https://cognito-idp.<region>.amazonaws.com/<poolId>` and the unchanged `CognitoJwtVerifier` accepts them;
 * - a pool file named after a production-shaped id (`us-east-1_AbCdEf123`). cognito-local's CreateUserPool can only
 *   make `local_xxxxxxxx` ids, which aws-jwt-verify rejects. It loads every `.cognito/db/<id>.json` as a pool with
 *   that id, and fills an empty file with its defaults (the same as CreateUserPool without options).
 */
import { randomInt } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CognitoState {
  readonly userPoolId: string;
  readonly region: string;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function issuerDomain(region: string): string {
  return `https://cognito-idp.${region}.amazonaws.com`;
}

/** Idempotent: a data directory that already holds a production-shaped pool keeps it (and its users). */
export async function prepareCognitoState(dataDir: string, region = 'us-east-1'): Promise<CognitoState> {
  const stateDir = path.join(path.resolve(dataDir), '.cognito');
  const dbDir = path.join(stateDir, 'db');
  await mkdir(dbDir, { recursive: true });
  await writeIssuerConfig(path.join(stateDir, 'config.json'), region);
  const existing = await findPoolId(dbDir, region);
  if (existing) return { userPoolId: existing, region };
  const userPoolId = newPoolId(region);
  await writeFile(path.join(dbDir, `${userPoolId}.json`), '', { flag: 'wx' });
  return { userPoolId, region };
}

/** Keeps whatever else an operator put in config.json; only the issuer domain is ours. */
/**
 * The id of the app client named `clientName` of the pool, when an earlier start made it: cognito-local keeps
 * every pool's clients in `.cognito/db/clients.json`. Undefined on a first start, or when the file says nothing
 * usable (the seed then finds or makes the client through the API).
 */
export async function existingClientId(dataDir: string, userPoolId: string, clientName: string): Promise<string | undefined> {
  const file = await readJson(path.join(path.resolve(dataDir), '.cognito', 'db', 'clients.json')).catch(() => ({}) as Record<string, unknown>);
  const clients = isObject(file.Clients) ? Object.values(file.Clients) : [];
  const found = clients.find((c) => isObject(c) && c.UserPoolId === userPoolId && c.ClientName === clientName) as Record<string, unknown> | undefined;
  return typeof found?.ClientId === 'string' && found.ClientId ? found.ClientId : undefined;
}

async function writeIssuerConfig(file: string, region: string): Promise<void> {
  const current = await readJson(file);
  const tokenConfig = isObject(current.TokenConfig) ? current.TokenConfig : {};
  const next = { ...current, TokenConfig: { ...tokenConfig, IssuerDomain: issuerDomain(region) } };
  await writeFile(file, `${JSON.stringify(next, null, 2)}\n`);
}

async function findPoolId(dbDir: string, region: string): Promise<string | undefined> {
  const shape = new RegExp(`^${region}_[A-Za-z0-9]{9}$`);
  const ids = (await readdir(dbDir))
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((id) => shape.test(id))
    .sort();
  return ids[0];
}

function newPoolId(region: string): string {
  const suffix = Array.from({ length: 9 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
  return `${region}_${suffix}`;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isObject(parsed) ? parsed : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
