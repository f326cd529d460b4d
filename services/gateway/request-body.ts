/**
 * The request body, read whole before any upstream connection is taken: a client that sends slowly holds only
 * its own socket, never one of the connections every client shares (undici's pool per service). Bounded in size
 * (GATEWAY_MAX_BODY_BYTES, 413) and in time (GATEWAY_BODY_TIMEOUT_MS from the first byte asked for, 408).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../kit/errors';
import { declaresMoreThan } from '../kit/http/body-limit';
import { sendContinue } from '../kit/http/continue-when-read';
import type { BodyShare, Growth } from './body-budget';
import { gatewayProblems } from './problem';

/** The client left (closed or reset) before its body was complete: nobody is there to answer. */
export class ClientWentAway extends Error {}

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Throws the 413 problem when `Content-Length` is over the limit; the body is never read. */
export function rejectDeclaredOversize(req: IncomingMessage, maxBytes: number): void {
  if (declaresMoreThan(req.headers, maxBytes)) throw gatewayProblems.tooLarge(maxBytes);
}

/**
 * `null` when the request has no body; rejects with 413, 408, 429, 503 or ClientWentAway. The body's bytes are taken
 * from `share` (its declared length at once, else each chunk as it comes); the caller releases it when done.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits, share: BodyShare): Promise<Buffer | null> {
  const declared = req.headers['content-length'];
  if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) return Promise.resolve(null);
  rejectDeclaredOversize(req, limits.maxBytes);
  // Gone while its token was checked: 'close' has been and will not come again, so waiting would only hold the
  // budget (and the in-flight slot) until the deadline.
  if (req.destroyed) return Promise.reject(new ClientWentAway());
  // node:http delivers no more than Content-Length says, so a declared body needs nothing beyond this.
  const sized = declared !== undefined;
  const refusal = sized ? refused(share.grow(Number(declared))) : undefined;
  if (refusal) return Promise.reject(refusal);
  // Only now, past the token check and the budget, is a client that expects 100-continue asked for its body.
  sendContinue(req, res);
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      share.arriving(undefined);
      req.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      // Whatever is still coming is drained by the answer (Exchange.drainUnreadBody), not left paused.
      if (error) req.pause();
      if (error) reject(error);
      else resolve(total === 0 ? null : Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      share.progressed();
      total += chunk.length;
      if (total > limits.maxBytes) return finish(gatewayProblems.tooLarge(limits.maxBytes));
      const refusal = sized ? undefined : refused(share.grow(chunk.length));
      if (refusal) return finish(refusal);
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onClose = () => finish(new ClientWentAway());
    const timer = setTimeout(() => finish(bodyTimeout(limits.timeoutMs)), limits.timeoutMs);
    // Until it has all arrived, its room may go to a client holding less (body-budget.ts): answered as a full budget.
    share.arriving(() => finish(gatewayProblems.busy()));
    req.on('data', onData).once('end', onEnd).once('error', onClose).once('close', onClose);
  });
}

/** The answer to a body the budget cannot take: the client's own part is full (429), or everyone's (503). */
function refused(growth: Growth): AppError | undefined {
  if (growth === 'client') return gatewayProblems.tooMuchBuffered();
  if (growth === 'all') return gatewayProblems.busy();
  return undefined;
}

function bodyTimeout(ms: number): AppError {
  return new AppError(408, 'request-timeout', { detail: `The request body did not arrive within ${ms} ms.` });
}
