import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';

const reasonOf = (signal: AbortSignal) =>
  signal.reason instanceof ConnectError ? signal.reason : new ConnectError('the caller went away', Code.Canceled);

/**
 * Answers a call when its deadline passes (DEADLINE_EXCEEDED) or its caller goes away (CANCELED), even while the
 * handler still waits on something that does not watch the call's signal, such as a database query: connect-es
 * would otherwise hold the stream open until the handler returns. The handler's late result is dropped.
 */
export const answerByDeadline: Interceptor = (next) => (req) => {
  if (req.signal.aborted) return Promise.reject(reasonOf(req.signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(reasonOf(req.signal));
    req.signal.addEventListener('abort', onAbort, { once: true });
    next(req)
      .then(resolve, reject)
      .finally(() => req.signal.removeEventListener('abort', onAbort));
  });
};
