/**
 * `npm run lint` enforces the import directions of CONTRIBUTING.md ("Layout"), and that HTTP entry points check
 * client input without a schema's bare parse(), checked here on one-line files placed where the code would be
 * wrong (and right), through ESLint with the project's own config.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, from: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${from}';\nexport const y = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import directions, as npm run lint enforces them', () => {
  it.each([
    ['services/gateway/x.ts', '../../lib/stages', /never imports the infrastructure/],
    ['services/identity/domain/x.ts', '../../../lib/stages', /never imports the infrastructure/],
    ['lib/x.ts', '../services/identity/app', /imports only services\/contracts/],
    ['lib/constructs/x.ts', '../../services/kit/logger', /imports only services\/contracts/],
    ['bin/x.ts', '../services/local/config', /imports only services\/contracts/],
    ['services/identity/app-x.ts', '../billing/app', /imports no other service/],
    ['services/billing/data-access/x.ts', '../../product/domain/product', /imports no other service/],
    ['services/product/x.ts', '../gateway/routing', /imports no other service/],
    ['services/kit/db/x.ts', '../../identity/config', /knows no service/],
    ['services/contracts/x.ts', '../kit/logger', /imports nothing of the project/],
    ['services/contracts/x.ts', 'express', /no framework/],
    ['services/billing/domain/x.ts', 'drizzle-orm', /no framework/],
    ['services/identity/domain/x.ts', '@aws-sdk/client-cognito-identity-provider', /no framework/],
  ])('when %s imports %s, then lint fails saying why', async (file, from, why) => {
    const messages = await restrictedImports(file, from);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(why);
  });

  it.each([
    ['lib/x.ts', '../services/contracts/routes'],
    ['services/gateway/x.ts', '../contracts/routes'],
    ['services/identity/domain/x.ts', '../../contracts/events'],
    ['services/billing/data-access/x.ts', '../../kit/db/sql-executor'],
    ['services/billing/data-access/x.ts', 'drizzle-orm'],
    ['services/contracts/x.ts', './services'],
    ['services/contracts/x.ts', 'zod'],
    ['scripts/x.ts', '../services/local/config'],
    ['test/x.ts', '../lib/stages'],
  ])('when %s imports %s, then lint allows it', async (file, from) => {
    expect(await restrictedImports(file, from)).toEqual([]);
  });
});

/** A bare ZodError reaching the error handler is a 500 fault (services/kit/http/error-handler.ts): client input goes through parseInput or safeParse. */
async function bareParses(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('client input in the HTTP entry points, as npm run lint checks it', () => {
  it.each([
    ['services/product/entry-points/http/x.ts', 'export const f = (s: { parse(v: unknown): unknown }, q: unknown) => s.parse(q);'],
    ['services/kit/http/x.ts', 'export const f = async (s: { parseAsync(v: unknown): Promise<unknown> }, q: unknown) => s.parseAsync(q);'],
  ])('when %s checks a request with a schema\'s own parse, then lint fails: its ZodError would answer a malformed request 500', async (file, code) => {
    const messages = await bareParses(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/answers 500.*parseInput/);
  });

  it.each([
    ['services/billing/entry-points/http/x.ts', 'export const f = (s: { safeParse(v: unknown): unknown }, q: string) => [s.safeParse(q), JSON.parse(q)];'],
    ['services/billing/data-access/x.ts', 'export const f = (s: { parse(v: unknown): unknown }, q: unknown) => s.parse(q);'],
  ])('when %s uses safeParse, JSON.parse or checks its own data, then lint allows it', async (file, code) => {
    expect(await bareParses(file, code)).toEqual([]);
  });
});
