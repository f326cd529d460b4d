import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { REQUEST_LOG } from '../../contracts/server-faults';
import { runWithContext } from '../context';
import { pickRequestId } from '../http/request-id';
import type { Logger } from '../logger';
import { isRefusedEncoding, markMessageCount, markUnreadableRequest, readAsCallersMessages } from './callers-mistakes';

/** Codes that say the server failed, not that the caller asked for something it could not have. */
const SERVER_FAULTS: ReadonlySet<Code> = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unimplemented]);

/** `Code.NotFound` → `not_found`: the name gRPC status tools and the Connect protocol both print. */
export const codeName = (code: Code) => Code[code].replace(/[A-Z]/g, (c, at: number) => (at ? '_' : '') + c.toLowerCase());

/** Which of the three protocols the call came in: the content type says it. */
function protocolOf(contentType: string | null): string {
  if (contentType?.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType?.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

interface CallFields {
  readonly rpc: string;
  readonly protocol: string;
  readonly ms: number;
}

const fieldsOf = (context: Pick<HandlerContext, 'service' | 'method' | 'requestHeader'>, started: number): CallFields => ({
  rpc: `${context.service.typeName}/${context.method.name}`,
  protocol: protocolOf(context.requestHeader.get('content-type')),
  ms: Math.round((performance.now() - started) * 10) / 10,
});

/**
 * The line of a call that failed, at the level its code deserves: a server fault at error, marked `fault` so the
 * deployment alarm counts it (services/contracts/server-faults.ts); what the server needs failing (its database) at
 * warn with the cause; a caller's mistake (an encoding refused included) or a deadline at info, as an HTTP 4xx would. An error that is not a
 * ConnectError is answered INTERNAL without its message, which only the log keeps: the error to answer is returned.
 */
function logFailure(logger: Logger, call: CallFields, error: unknown): ConnectError {
  const failure = error instanceof ConnectError ? error : new ConnectError('internal error', Code.Internal);
  const fields = { ...call, code: codeName(failure.code) };
  if (SERVER_FAULTS.has(failure.code) && !isRefusedEncoding(failure)) logger.error({ ...fields, err: error, [REQUEST_LOG.faultField]: true }, REQUEST_LOG.rpcMessage);
  else if (failure.code === Code.Unavailable) logger.warn({ ...fields, err: failure.cause ?? error }, REQUEST_LOG.rpcMessage);
  else logger.info({ ...fields, detail: failure.rawMessage }, REQUEST_LOG.rpcMessage);
  return failure;
}

/** Set by logCalls on each call it sees, so the request gate's line is written only for the others. */
const LOGGED = createContextKey(false, { description: 'the call has its line from logCalls' });

/**
 * One line per call, with the method, the code and the time, inside the caller's request id (the `x-request-id`
 * header when sane, else a fresh one) so Billing's line and Product's line of one invoice share it.
 */
export function logCalls(logger: Logger): Interceptor {
  return (next) => async (req) => {
    req.contextValues.set(LOGGED, true);
    const requestId = pickRequestId(req.header.get('x-request-id') ?? undefined);
    const started = performance.now();
    const context = { service: req.service, method: req.method, requestHeader: req.header };
    // A streaming call's request is read inside the handler: its unreadable messages are the caller's mistakes too.
    const request = req.stream ? { ...req, message: readAsCallersMessages(req.message) } : req;
    // Its outcome: ok, or the error to answer. A caller gone before the end is CANCELED, not a success.
    const line = (error?: unknown) =>
      runWithContext({ requestId }, () => {
        const failure = error ?? (req.signal.aborted ? ConnectError.from(req.signal.reason, Code.Canceled) : undefined);
        if (failure === undefined) return logger.info({ ...fieldsOf(context, started), code: 'ok' }, REQUEST_LOG.rpcMessage);
        markMessageCount(failure);
        return logFailure(logger, fieldsOf(context, started), failure);
      });
    return runWithContext({ requestId }, async () => {
      try {
        const res = await next(request);
        // A server-streaming answer (a Watch) ends, well or not, only as its messages run out: its line waits for that.
        if (res.stream) return { ...res, message: untilAnswerEnds(res.message, line) };
        line();
        return res;
      } catch (error) {
        throw line(error);
      }
    });
  };
}

/** The answer's messages, `line` called once they end: with the error they failed with (and that error thrown). */
async function* untilAnswerEnds<T>(messages: AsyncIterable<T>, line: (error?: unknown) => unknown): AsyncIterable<T> {
  let ended = false;
  try {
    yield* messages;
    ended = true;
    line();
  } catch (error) {
    ended = true;
    throw line(error);
  } finally {
    // Stopped from outside (the response could not be written): the caller is gone.
    if (!ended) line(new ConnectError('the caller went away', Code.Canceled));
  }
}

/**
 * A request gate that gives their line to the calls connect-es ends before any interceptor runs. It reads and parses
 * a unary call's request first, so bytes that are not protobuf, a deadline or an encoding it refuses, a message over
 * the limit, and the gate's own refusals ended with no line, and unreadable bytes answered INTERNAL. connect-es hands
 * every call's outcome to its context's `abort` (the error it then answers, or nothing once it succeeded), in all
 * three protocols, whether or not the deadline has already passed: wrapped, that is where such a call ends.
 */
export function logCallsBeforeInterceptors(logger: Logger): (context: HandlerContext) => void {
  return (context) => {
    const started = performance.now();
    const controller = context as HandlerContext & { abort(reason?: unknown): void };
    const abort = controller.abort.bind(controller);
    let ended = false;
    controller.abort = (reason?: unknown) => {
      if (!ended && reason !== undefined && !context.values.get(LOGGED)) {
        markUnreadableRequest(reason);
        markMessageCount(reason);
        const requestId = pickRequestId(context.requestHeader.get('x-request-id') ?? undefined);
        runWithContext({ requestId }, () => logFailure(logger, fieldsOf(context, started), reason));
      }
      ended = true;
      abort(reason);
    };
  };
}

/**
 * connect-node's answer to a path no method has: HTTP 404, which gRPC clients read as UNIMPLEMENTED. With its line
 * (at info: the caller's mistake, not a fault), so a caller probing for methods is seen in the log.
 */
export function answerUnknownMethod(logger: Logger): NonNullable<ConnectNodeAdapterOptions['fallback']> {
  return (req, res) => {
    const header = (name: string) => [req.headers[name]].flat()[0] ?? null;
    const requestId = pickRequestId(header('x-request-id') ?? undefined);
    const rpc = (req.url ?? '').split('?', 1)[0]!.replace(/^\//, '').slice(0, 200);
    runWithContext({ requestId }, () =>
      logger.info({ rpc, protocol: protocolOf(header('content-type')), ms: 0, code: 'unimplemented', detail: 'no such method' }, REQUEST_LOG.rpcMessage),
    );
    res.writeHead(404);
    res.end();
  };
}
