/**
 * grpc.health.v1 (https://github.com/grpc/grpc/blob/master/doc/health-checking.md): SERVING while the service's
 * readiness check passes, for the server as a whole ("") and for each service it names. Probes (ECS, Service
 * Connect tooling, grpc_health_probe) and the service's own /health/ready ask it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as Status, HealthCheckResponseSchema } from '../../contracts/grpc/gen/grpc/health/v1/health_pb';

export interface GrpcHealthOptions {
  /** True when the service can serve (migrated, database answering); false or a throw means NOT_SERVING. */
  readonly ready: () => Promise<boolean>;
  /** Fully-qualified names a caller may ask about, e.g. `platform.product.v1.ProductCatalog`. */
  readonly services: readonly string[];
  /** How often Watch re-checks. @default 5000 */
  readonly watchIntervalMs?: number;
  /** How long one readiness answer serves every Check and Watch. @default the smaller of 1000 and watchIntervalMs */
  readonly readyFreshMs?: number;
  /** Watches open at once, over every connection; one more is RESOURCE_EXHAUSTED. @default 100 */
  readonly maxWatches?: number;
}

/**
 * One readiness check at a time, its answer shared while fresh: a caller with many watches or checks open (127 a
 * connection, any number of connections on the internal port) costs the database one query per `freshMs`, not one
 * per call. A check still running is shared too, however long it runs, so a database that hangs holds one probe,
 * not one per caller nor one per `freshMs` (a ping may wait 5 s for a pool slot, then 2 s for its answer: started
 * every second, they would take the small pool the requests need).
 */
function sharedReadiness(ready: () => Promise<boolean>, freshMs: number): () => Promise<boolean> {
  let last: { readonly at: number; readonly answer: Promise<boolean>; settled: boolean } | undefined;
  return () => {
    const now = performance.now();
    if (!last || (last.settled && now - last.at >= freshMs)) {
      const check = { at: now, answer: ready().catch(() => false), settled: false };
      void check.answer.then(() => (check.settled = true));
      last = check;
    }
    return last.answer;
  };
}

export function grpcHealth(router: ConnectRouter, options: GrpcHealthOptions): void {
  const known = new Set(['', ...options.services]);
  const interval = options.watchIntervalMs ?? 5_000;
  const ready = sharedReadiness(options.ready, options.readyFreshMs ?? Math.min(1_000, interval));
  const status = async (service: string) => {
    if (!known.has(service)) throw new ConnectError(`unknown service "${service.slice(0, 200)}"`, Code.NotFound);
    return (await ready()) ? Status.SERVING : Status.NOT_SERVING;
  };
  // A watch costs about 25 KB and a wake-up per interval for as long as its caller likes: 128 a connection on any
  // number of connections took hundreds of MB. Probers need a few.
  const maxWatches = options.maxWatches ?? 100;
  let watching = 0;
  router.service(Health, {
    check: async (req) => create(HealthCheckResponseSchema, { status: await status(req.service) }),
    // Sends the status at once, then again only when it changes, until the caller goes away.
    async *watch(req, context) {
      if (watching >= maxWatches) throw new ConnectError(`At most ${maxWatches} watches may be open at once.`, Code.ResourceExhausted);
      watching++;
      try {
        let last: Status | undefined;
        while (!context.signal.aborted) {
          const now = known.has(req.service) ? await status(req.service) : Status.SERVICE_UNKNOWN;
          if (now !== last) yield create(HealthCheckResponseSchema, { status: now });
          last = now;
          // Node's timer takes its abort listener off when it fires: a watch that lasts a day holds one, not 17,000.
          await sleep(interval, undefined, { signal: context.signal }).catch(() => {});
        }
      } finally {
        watching--;
      }
    },
  });
}
