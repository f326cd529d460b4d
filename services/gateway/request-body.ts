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
import { EDGE_PAYLOAD_LIMIT_BYTES } from './gateway-options';
import { gatewayProblems } from './problem';

/** The client left (closed or reset) before its body was complete: nobody is there to answer. */
export class ClientWentAway extends Error {}

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Throws the 413 problem when `Content-Length` is over the limit; the body is never read. */
export function rejectDeclaredOversize(req: IncomingMessage, maxBytes: number, problem = gatewayProblems.tooLarge): void {
  if (declaresMoreThan(req.headers, maxBytes)) throw problem(maxBytes);
}

/** A body framed by chunks: its size is known only once its bytes have come. */
export const isChunked = (req: IncomingMessage): boolean => req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;

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
  const chunks: Buffer[] = [];
  const reading = receive(req, limits, {
    // At API Gateway's own limit (GATEWAY_MAX_BODY_BYTES may be set to it), what is still coming is not drained.
    tooLarge: limits.maxBytes >= EDGE_PAYLOAD_LIMIT_BYTES ? gatewayProblems.tooLargeForEdge : gatewayProblems.tooLarge,
    take: (chunk) => {
      share.progressed();
      const refusal = sized ? undefined : refused(share.grow(chunk.length));
      if (!refusal) chunks.push(chunk);
      return refusal;
    },
    // Synchronously, however it ended: a body read whole, waiting for its service, is never cut for room.
    ended: () => share.arriving(undefined),
  });
  // Until it has all arrived, its room may go to a client holding less (body-budget.ts): answered as a full budget.
  share.arriving(() => reading.stop(gatewayProblems.busy()));
  return reading.done.then((total) => (total === 0 ? null : Buffer.concat(chunks, total)));
}

/**
 * A chunked body the gateway will not use (it answers the request itself), read to its end and dropped before the
 * answer, as API Gateway reads every request whole first: rejects with `tooLarge` as soon as more than `maxBytes`
 * came, reading no further, and with 408 or ClientWentAway like readBody. Nothing is kept.
 */
export function skipBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits, tooLarge: (maxBytes: number) => AppError): Promise<void> {
  if (req.destroyed) return Promise.reject(new ClientWentAway());
  sendContinue(req, res);
  return receive(req, limits, { tooLarge }).done.then(() => undefined);
}

interface Receiving {
  /** The body's size once it has all come. */
  readonly done: Promise<number>;
  /** Ends the reading with `error`, from outside (its room went to another client). */
  stop(error: Error): void;
}

interface ReceiveSteps {
  /** The problem for more than `limits.maxBytes`. */
  readonly tooLarge: (maxBytes: number) => AppError;
  /** Keeps a chunk, or refuses it with the problem that ends the reading. */
  readonly take?: (chunk: Buffer) => AppError | undefined;
  /** Called once the reading has ended, however it did. */
  readonly ended?: () => void;
}

/**
 * Reads the body chunk by chunk, counting its bytes: past `limits.maxBytes` it ends with `tooLarge`, reading no more.
 * Once it has ended with an error the request is paused: whatever is still coming is drained by the answer
 * (Exchange.drainUnreadBody) or dropped by the connection's close, not read here.
 */
function receive(req: IncomingMessage, limits: BodyLimits, steps: ReceiveSteps): Receiving {
  let stop: (error: Error) => void = () => {};
  const done = new Promise<number>((resolve, reject) => {
    let total = 0;
    const finish = (error: Error | undefined) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      steps.ended?.();
      if (error) req.pause();
      if (error) reject(error);
      else resolve(total);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limits.maxBytes) return finish(steps.tooLarge(limits.maxBytes));
      const refusal = steps.take?.(chunk);
      if (refusal) finish(refusal);
    };
    const onEnd = () => finish(undefined);
    const onClose = () => finish(new ClientWentAway());
    const timer = setTimeout(() => finish(bodyTimeout(limits.timeoutMs)), limits.timeoutMs);
    stop = finish;
    req.on('data', onData).once('end', onEnd).once('error', onClose).once('close', onClose);
  });
  return { done, stop: (error) => stop(error) };
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
