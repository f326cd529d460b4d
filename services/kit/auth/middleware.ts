/**
 * Route guards. Every service checks the token itself, even behind the gateway or API Gateway: a service port
 * reached directly (or a misrouted request) must not be an open door. The guard reads the body, and only once the
 * caller is let through (401 and 403 come first, as at the edge): an anonymous caller can make a service neither
 * wait for a body nor parse one. A body that could not be read is answered then, even on a route that reads none.
 */
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../errors';
import { readJsonBody } from '../http/json-body';
import { requireReadableBody } from '../http/unreadable-body';
import type { AccessTokenVerifier, Principal } from './jwt-verifier';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the only way to type Express's res.locals
  namespace Express {
    interface Locals {
      /** Set by requireUser / requireAdmin. */
      principal?: Principal;
    }
  }
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * Any signed-in user. 401 with `WWW-Authenticate: Bearer` when the token is missing or invalid. Every answer past
 * the guard is that user's own (an invoice, a profile), for no browser or proxy cache to keep: `no-store`.
 */
export function requireUser(verifier: AccessTokenVerifier): RequestHandler {
  return async (req, res, next) => {
    await admit(req, res, await authenticate(verifier, req.headers.authorization));
    next();
  };
}

/** A signed-in member of `groupName`: 401 as for requireUser, then 403 for anyone outside the group. */
export function requireAdmin(verifier: AccessTokenVerifier, groupName = 'admin'): RequestHandler {
  return async (req, res, next) => {
    const principal = await authenticate(verifier, req.headers.authorization);
    if (!principal.groups.includes(groupName)) throw AppError.forbidden();
    await admit(req, res, principal);
    next();
  };
}

/** Past either guard: the caller is known, the answer is theirs alone, and only now is their body read. */
async function admit(req: Request, res: Response, principal: Principal): Promise<void> {
  res.locals.principal = principal;
  res.set('Cache-Control', 'no-store');
  await readJsonBody(req, res);
  requireReadableBody(req.body);
}

/** The caller of a guarded route. Fails closed (401) if a route was mounted without a guard. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal;
  if (!principal) throw AppError.unauthorized();
  return principal;
}

async function authenticate(verifier: AccessTokenVerifier, header: string | undefined): Promise<Principal> {
  // No usable bearer credentials at all: RFC 6750 says to answer with the bare challenge, no error code.
  const token = header ? BEARER.exec(header)?.[1] : undefined;
  if (!token) throw AppError.unauthorized();
  return verifier.verify(token);
}
