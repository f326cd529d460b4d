/**
 * Shared price lookups: the ids that concurrent invoices ask for at about the same moment go to Product in one
 * GetPrices call, so under load Billing and Product pay the per-call cost (HTTP/2 stream, headers, interceptors,
 * a log line, a query) once for several invoices. Each caller still gets only its own ids.
 * - Light traffic waits for nothing: when the previous lookup came more than `DENSE × windowMs` earlier, a new batch
 *   leaves at the end of the event loop's turn. Under load (lookups closer than that) a batch stays open `windowMs`
 *   for more lookups to join it; no lookup waits longer.
 * - A batch never holds more than `maxIds` distinct ids (GetPrices' limit); a caller that would overflow it
 *   starts the next one. A caller's ids are never split: one asking for more than `maxIds` goes alone, and
 *   Product refuses it as before.
 * - A caller that cancels leaves at once (CANCELED); the shared call goes on for the others, and is cancelled
 *   only when every caller left (before it started, it is never made).
 * - The shared call is one call: one deadline, one retry policy, one count in the circuit breaker.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { currentContext, type RequestContext } from '../../kit/context';

export interface Batch {
  /** Distinct ids (case-insensitively: the first spelling asked), in the order first asked. */
  readonly ids: readonly string[];
  /** Aborted when every caller has left. */
  readonly signal: AbortSignal;
  /** The request context of each caller that joined, first come first: request ids for headers and logs. */
  readonly contexts: readonly RequestContext[];
  /** How many callers still wait for it. */
  waiting(): number;
}

export interface BatchOptions<R> {
  /** Most distinct ids in one call. */
  readonly maxIds: number;
  /** How long a batch stays open under load (lookups less than this apart); else it leaves at the end of the turn. */
  readonly windowMs: number;
  /** Makes the shared call; each caller that still waits gets its result or its error. */
  readonly run: (batch: Batch) => Promise<R>;
}

interface Caller<R> {
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface OpenBatch<R> {
  readonly keys: Map<string, string>;
  readonly callers: Set<Caller<R>>;
  readonly contexts: RequestContext[];
  readonly controller: AbortController;
  started: boolean;
  cancelTimer?: () => void;
}

/**
 * Lookups closer than this many windows count as load. Mean gaps of a few windows (2 ms: a few hundred invoices/s)
 * already leave most batches with one invoice each if they do not wait: measured, a 1-window lookback gathered
 * little more than none at 400 invoices/s.
 */
const DENSE = 5;

const callerWentAway = (signal: AbortSignal) =>
  signal.reason instanceof ConnectError ? signal.reason : new ConnectError('the caller went away', Code.Canceled, undefined, undefined, signal.reason);

/** `load(ids, signal)` answers the result of a shared call that asked for (at least) all of `ids`. */
export function batchedLookups<R>(options: BatchOptions<R>): { load(ids: readonly string[], signal?: AbortSignal): Promise<R> } {
  let open: OpenBatch<R> | undefined;
  /** When the previous lookup came (performance.now()). */
  let lastLookup = -Infinity;

  const start = (batch: OpenBatch<R>) => {
    if (batch.started) return;
    batch.started = true;
    if (open === batch) open = undefined;
    batch.cancelTimer?.();
    if (batch.callers.size === 0) return; // everyone left before it was sent: no call at all
    const shared: Batch = { ids: [...batch.keys.values()], signal: batch.controller.signal, contexts: batch.contexts, waiting: () => batch.callers.size };
    options.run(shared).then(
      (result) => batch.callers.forEach((caller) => caller.resolve(result)),
      (error: unknown) => batch.callers.forEach((caller) => caller.reject(error)),
    );
  };

  const newBatch = (dense: boolean): OpenBatch<R> => {
    const batch: OpenBatch<R> = { keys: new Map(), callers: new Set(), contexts: [], controller: new AbortController(), started: false };
    if (dense && options.windowMs > 0) {
      const timer = setTimeout(() => start(batch), options.windowMs);
      batch.cancelTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => start(batch));
      batch.cancelTimer = () => clearImmediate(immediate);
    }
    return batch;
  };

  /** Joins the open batch if the caller's new ids fit, else starts it and opens the next one. */
  const batchFor = (ids: readonly string[]): OpenBatch<R> => {
    const now = performance.now();
    const dense = now - lastLookup < DENSE * options.windowMs;
    lastLookup = now;
    if (open) {
      const added = new Set(ids.map((id) => id.toLowerCase()).filter((key) => !open!.keys.has(key))).size;
      if (open.keys.size + added <= options.maxIds) return open;
      start(open);
    }
    open = newBatch(dense);
    return open;
  };

  return {
    load(ids, signal) {
      if (signal?.aborted) return Promise.reject(callerWentAway(signal));
      const batch = batchFor(ids);
      for (const id of ids) if (!batch.keys.has(id.toLowerCase())) batch.keys.set(id.toLowerCase(), id);
      const context = currentContext();
      if (context) batch.contexts.push(context);
      const answer = new Promise<R>((resolve, reject) => {
        const leave = () => {
          signal?.removeEventListener('abort', onAbort);
          batch.callers.delete(caller);
        };
        const onAbort = () => {
          leave();
          reject(callerWentAway(signal!));
          // The last caller out cancels the shared call (Product stops working on it; the breaker ignores CANCELED).
          if (batch.callers.size > 0) return;
          if (batch.started) batch.controller.abort(callerWentAway(signal!));
          else start(batch);
        };
        const caller: Caller<R> = { resolve: (result) => (leave(), resolve(result)), reject: (error) => (leave(), reject(error)) };
        batch.callers.add(caller);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      // Too many ids for any batch: alone, at once (Product answers INVALID_ARGUMENT, as without batching); a full one
      // leaves at once too, rather than wait for lookups that would only repeat its ids.
      if (batch.keys.size >= options.maxIds) start(batch);
      return answer;
    },
  };
}
