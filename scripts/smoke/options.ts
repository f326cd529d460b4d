/**
 * The smoke journey's defaults and checks. The defaults come from the variables `npm start` reads, and as there an
 * empty one counts as unset: `GATEWAY_PORT=` sent the journey to `http://127.0.0.1:` (port 80).
 */
import { env as envSchemas } from '../../services/kit/config';
import { DEFAULT_ADMIN_PASSWORD } from '../../services/local/config';

type Env = Readonly<Record<string, string | undefined>>;

export function smokeDefaults(env: Env): { url: string; adminEmail: string; adminPassword: string; urlProblem?: string } {
  // Digits only, as npm start reads it: `0x10` made the default URL `http://127.0.0.1:0x10`, refused as if --url were wrong.
  const port = env.GATEWAY_PORT || '8080';
  return {
    url: `http://127.0.0.1:${port}`,
    ...(envSchemas.serverPort().safeParse(port).success ? {} : { urlProblem: `GATEWAY_PORT, which the default --url is built from, must be a port number from 1 to 65535, digits only (got "${port}")` }),
    adminEmail: env.ADMIN_EMAIL || 'admin@example.com',
    adminPassword: env.ADMIN_PASSWORD || DEFAULT_ADMIN_PASSWORD,
  };
}

/** What is wrong with the options, in one sentence each; fetch's own "Failed to parse URL from nope/identity/signup" came after the first step had started. */
export function smokeOptionProblems(options: { url: string; eventTimeout: string; urlProblem?: string | undefined }): string[] {
  const problems: string[] = [];
  if (options.urlProblem) problems.push(options.urlProblem);
  else if (!URL.canParse(options.url) || !/^https?:$/.test(new URL(options.url).protocol)) {
    problems.push(`--url must be an http:// or https:// URL such as http://127.0.0.1:8080 (got "${options.url}")`);
  }
  if (!(Number(options.eventTimeout) > 0)) problems.push(`--event-timeout must be a number of seconds above 0 (got "${options.eventTimeout}")`);
  return problems;
}
