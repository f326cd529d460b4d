import type { Router, RequestHandler, Response } from 'express';
import { exactRouter } from '../../../kit/http/router';
import { principalOf } from '../../../kit/auth/middleware';
import { exactInteger } from '../../../kit/http/exact-integer';
import { jsonBody } from '../../../kit/http/json-body';
import { parseInput } from '../../../kit/http/validate';
import type { AccountUseCases } from '../../domain/account-use-cases';
import type { Tokens } from '../../domain/ports';
import type { Caller, Profile } from '../../domain/profile';
import type { SessionUseCases } from '../../domain/session-use-cases';
import type { SignupUseCases } from '../../domain/signup-use-cases';
import { refreshBody, signupBody, tokenBody, updateMeBody } from './schemas';

export interface IdentityRouteDeps {
  readonly signups: SignupUseCases;
  readonly sessions: SessionUseCases;
  readonly accounts: AccountUseCases;
  readonly requireUser: RequestHandler;
  readonly openApiDocument: object;
}

const toSignupResponse = (profile: Profile) => ({
  id: profile.id,
  email: profile.email,
  name: profile.name,
  createdAt: profile.createdAt.toISOString(),
});

const toMeResponse = (profile: Profile, caller: Caller) => ({
  ...toSignupResponse(profile),
  groups: [...caller.groups],
  paidInvoiceCount: profile.paidInvoiceCount,
  lifetimeSpendCents: exactInteger(profile.lifetimeSpendCents),
});

const toTokenResponse = (tokens: Tokens) => ({ ...tokens, tokenType: 'Bearer' as const });

const callerOf = (res: Response): Caller => {
  const { sub, username, groups, issuedAt } = principalOf(res);
  return { sub, username, groups, issuedAt };
};

/** Tokens must not end up in a cache (answers on signed-in routes get no-store from requireUser). */
const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

export function identityRoutes({ signups, sessions, accounts, requireUser, openApiDocument }: IdentityRouteDeps): Router {
  const router = exactRouter();

  router.get('/identity/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  // Public: the body is read as soon as the route is matched (the guarded routes read it past requireUser).
  router.post('/identity/signup', jsonBody, async (req, res) => {
    const profile = await signups.signUp(parseInput(signupBody, req.body));
    res.status(201).location('/identity/me').json(toSignupResponse(profile));
  });

  router.post('/identity/token', jsonBody, async (req, res) => {
    const { email, password } = parseInput(tokenBody, req.body);
    noStore(res).json(toTokenResponse(await sessions.signIn(email, password)));
  });

  router.post('/identity/token/refresh', jsonBody, async (req, res) => {
    const { refreshToken } = parseInput(refreshBody, req.body);
    noStore(res).json(toTokenResponse(await sessions.refresh(refreshToken)));
  });

  router.get('/identity/me', requireUser, async (_req, res) => {
    const caller = callerOf(res);
    res.json(toMeResponse(await accounts.me(caller), caller));
  });

  router.patch('/identity/me', requireUser, async (req, res) => {
    const caller = callerOf(res);
    const { name } = parseInput(updateMeBody, req.body);
    res.json(toMeResponse(await accounts.rename(caller, name), caller));
  });

  router.delete('/identity/me', requireUser, async (_req, res) => {
    await accounts.deleteAccount(callerOf(res));
    res.status(204).end();
  });

  return router;
}
