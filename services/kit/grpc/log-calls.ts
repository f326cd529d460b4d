import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { REQUEST_LOG } from '../../contracts/server-faults';
import { runWithContext } from '../context';
import { pickRequestId } from '../http/request-id';
import type { Logger } from '../logger';

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

/**
 * One line per call, with the method, the code and the time, inside the caller's request id (the `x-request-id`
 * header when sane, else a fresh one) so Billing's line and Product's line of one invoice share it. A server
 * fault logs at error, marked `fault` so the deployment alarm counts it (services/contracts/server-faults.ts); a caller's mistake or a deadline at info, as an HTTP 4xx would. An error that is not a
 * ConnectError is answered INTERNAL without its message, which only the log keeps.
 */
export function logCalls(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const requestId = pickRequestId(req.header.get('x-request-id') ?? undefined);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const protocol = protocolOf(req.header.get('content-type'));
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    return runWithContext({ requestId }, async () => {
      try {
        const res = await next(req);
        logger.info({ rpc, protocol, code: 'ok', ms: ms() }, REQUEST_LOG.rpcMessage);
        return res;
      } catch (error) {
        // An error the handler did not mean for the caller (a database error, a bug) keeps its message in the log.
        const failure = error instanceof ConnectError ? error : new ConnectError('internal error', Code.Internal);
        const fields = { rpc, protocol, code: codeName(failure.code), ms: ms() };
        if (SERVER_FAULTS.has(failure.code)) logger.error({ ...fields, err: error, [REQUEST_LOG.faultField]: true }, REQUEST_LOG.rpcMessage);
        // What the server needs failed (its database): no bug, but worth a line with the cause.
        else if (failure.code === Code.Unavailable) logger.warn({ ...fields, err: failure.cause ?? error }, REQUEST_LOG.rpcMessage);
        else logger.info({ ...fields, detail: failure.rawMessage }, REQUEST_LOG.rpcMessage);
        throw failure;
      }
    });
  };
}
