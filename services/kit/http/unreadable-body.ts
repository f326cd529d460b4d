import type { AppError } from '../errors';

/**
 * A request body that could not be taken (not JSON, not UTF-8, too large, malformed, no object), kept in place of
 * `req.body` rather than answered at once. A guarded route answers 401 or 403 first, as the edge does, and the
 * body's problem only to a caller who may use the route: the guard throws it, and so does parseInput on a public
 * route.
 */
export class UnreadableBody {
  constructor(readonly problem: AppError) {}
}

/** Throws the body's problem, if it has one. */
export function requireReadableBody(body: unknown): void {
  if (body instanceof UnreadableBody) throw body.problem;
}
