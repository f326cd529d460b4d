/**
 * Configuration: one zod schema per service, parsed first thing at start. A bad or missing variable stops
 * startup with a message that names each offending variable.
 */
import { z } from 'zod';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, MAX_SHUTDOWN_DELAY_SECONDS } from '../contracts/shutdown';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A password's value stays out of the message, which ends up in terminals, CI logs and issue reports. */
const SECRET_NAME = /(PASSWORD|SECRET)$/; // not DATABASE_PASSWORD_FILE, a path worth showing

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<S> {
  // `FOO= npm start` means "not set" to people; treat an empty value like an absent one.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    const received = env[variable];
    const shown = received === undefined ? 'it is not set' : SECRET_NAME.test(variable) ? 'its value is not shown' : `got "${redactUrlPassword(received)}"`;
    return `${variable}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/** loadConfig for a step that answers CloudFormation, which shows one line: the problems after whose environment. */
export function loadStepConfig<S extends z.ZodObject>(schema: S, env: Readonly<Record<string, string | undefined>>, whose: string): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`${whose}: ${error.problems.join('; ')}`, { cause: error });
    throw error;
  }
}

/**
 * A URL's password as `***`, however it is written: everything between `scheme://user:` and the last `@` (a raw
 * `:`, `/` or `@` inside a password included). Values without credentials come back unchanged.
 */
export function redactUrlPassword(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/[^:/@]*:)(.*)@/is, '$1***@');
}

/** Why a postgres URL that hostAsWritten refuses is refused, and what to do. */
export const UNENCODED_CREDENTIALS = 'its user or password holds a character that must be percent-encoded (/ ? # @ : % space): write each as %XX, e.g. with encodeURIComponent';

/**
 * Whether a URL's user and password end where they seem to: a raw `/`, `?` or `#` in a password ends the host part
 * early for every URL parser (node-postgres' too), so `postgres://u:p/w@db:5432` connects to host `p`, and the error
 * that follows ("getaddrinfo ENOTFOUND p", shown redacted as `u:***@db:5432`) points nowhere near the cause. Such a
 * URL has an `@` after its host part; a correct one has none there (an `@` in a database name or option is %40 too).
 */
export function hostAsWritten(value: string): boolean {
  const afterScheme = value.slice(value.indexOf('//') + 2);
  const authorityEnd = afterScheme.search(/[/?#]/);
  return authorityEnd === -1 || !afterScheme.slice(authorityEnd).includes('@');
}

const portDigits = () => z.string().regex(/^\d+$/, 'must be a port number, digits only').transform(Number).pipe(z.number().max(65_535));

/** Building blocks for service schemas. Environment values are strings, so numbers and booleans are coerced. */
export const env = {
  /** Digits only: a plain number coercion would take `0x1f90` as 8080 and `1e3` as 1000, ports nobody meant. */
  port: (fallback: number) => portDigits().default(fallback),
  /** A server's port, to connect to: required, and 0 (a listener's "any free port") means nothing there. */
  serverPort: () => portDigits().pipe(z.number().min(1, 'must be a port from 1 to 65535')),
  /** Zod's own "Invalid URL" would call `ftp://host` invalid without saying that the scheme is what it refuses. */
  url: () => z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  postgresUrl: () =>
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .refine(hostAsWritten, UNENCODED_CREDENTIALS),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Digits only, as a port: `1e3` or `0x10` for a timeout or a pool size is a typo more often than a wish. */
  positiveInt: (fallback: number) =>
    z.string().regex(/^\d+$/, 'must be a whole number, digits only').transform(Number).pipe(z.number().positive()).default(fallback),
  /** Whole seconds from 0 to `max`, digits only, as a timeout: `1.5` or `1e1` is refused, not rounded or read as 10. */
  seconds: (fallback: number, max: number) =>
    z
      .string()
      .regex(/^\d+$/, 'must be whole seconds, digits only')
      .transform(Number)
      .pipe(z.number().max(max, `must be at most ${max} seconds`))
      .default(fallback),
  flag: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1'),
};

/**
 * The token verifier's variables (CognitoSettings, services/kit/auth/from-config.ts), in every service's schema
 * and the gateway's.
 */
export const cognitoEnvShape = {
  COGNITO_USER_POOL_ID: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must look like us-east-1_AbCdEf123'),
  COGNITO_CLIENT_ID: z.string().min(1),
  /** Emulator only: its keys are fetched from `<endpoint>/<poolId>/.well-known/jwks.json` over plain http. Unset in AWS. */
  COGNITO_ENDPOINT: env.url().optional(),
};

/** Variables every service reads: where it listens, how it logs, how it verifies tokens, where its data is. */
export const serviceEnvSchema = (defaultPort: number) =>
  z.object({
    PORT: env.port(defaultPort),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: env.logLevel(),
    /** A full URL; when absent node-postgres reads the libpq variables (PGHOST, PGUSER, …) by itself. */
    DATABASE_URL: env.postgresUrl().optional(),
    DATABASE_POOL_MAX: env.positiveInt(10),
    /** AWS: log in as PGUSER with IAM tokens instead of a password (services/kit/db/password-source-from-config.ts). */
    DATABASE_IAM_AUTH: env.flag(false),
    /**
     * `apply`: the service applies its migrations at start. `check`: another step applied them (AWS: the deploy's
     * migration step, lib/constructs/database-migrations.ts); the service only checks it can use its tables.
     */
    DATABASE_MIGRATIONS: z.enum(['apply', 'check']).default('apply'),
    /** The owner's login for migrations, where the service's own may only touch rows (services/kit/db/migration-login.ts). */
    DATABASE_MIGRATION_URL: env.postgresUrl().optional(),
    /** AWS: the owner's user name for migrations, logging in with IAM tokens on the same server and database. */
    DATABASE_MIGRATION_USER: z.string().min(1).optional(),
    /** A file holding the password, read again when the server refuses the one in use (a rotation). */
    DATABASE_PASSWORD_FILE: z.string().min(1).optional(),
    /** Where IAM tokens are for (node-postgres reads these libpq variables itself too). */
    PGHOST: z.string().min(1).optional(),
    PGPORT: env.port(5432),
    PGUSER: z.string().min(1).optional(),
    /** The region IAM tokens are signed for (ECS sets it in AWS). */
    AWS_REGION: z.string().min(1).optional(),
    ...cognitoEnvShape,
    SHUTDOWN_TIMEOUT_MS: env.positiveInt(DEFAULT_SHUTDOWN_TIMEOUT_MS),
    /**
     * Seconds between SIGTERM and closing the listener, answering 503 on /health/started and /health/ready meanwhile
     * and serving the rest: behind a balancer that keeps sending until it sees the task unhealthy (Fargate Spot,
     * services/kit/http/pre-stop.ts). 0: close at once.
     */
    SHUTDOWN_DELAY_SECONDS: env.seconds(0, MAX_SHUTDOWN_DELAY_SECONDS),
    /** How long start-up waits for the database to accept the service's login (starting, not yet provisioned). */
    DATABASE_WAIT_MS: env.positiveInt(60_000),
    /** How long migrations wait for another replica's migration lock before failing (naming the holder). */
    MIGRATION_LOCK_WAIT_MS: env.positiveInt(300_000),
    /** How long one migration statement waits for a table lock (PostgreSQL's lock_timeout). */
    MIGRATION_LOCK_TIMEOUT_MS: env.positiveInt(10_000),
  });

/**
 * Where a deploy step (the migrations, the provisioning) finds its database server; their constructs set these.
 * DB_SSLMODE is libpq's: in AWS the steps verify RDS's certificate and name.
 */
export const databaseServerEnv = {
  DB_HOST: z.string().min(1),
  /** Digits only, as every port variable: a number coercion read `0x10` as port 16 and `1e3` as 1000. */
  DB_PORT: env.serverPort(),
  DB_SSLMODE: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']).default('verify-full'),
};
