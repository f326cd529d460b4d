import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../contracts/grpc/gen/grpc/health/v1/health_pb';
import { NotReady, type ReadinessCheck, type StartedCheck } from '../http/health';

/**
 * A started check (the deployed balancer's) that needs the service's gRPC server to listen too, so a task whose
 * internal port has stopped is replaced. It looks at the server only, never at the database: a database failover
 * must not fail it (/health/started in services/contracts/services.ts).
 */
export function startedWithGrpc(started: StartedCheck, server: { readonly listening: boolean }): StartedCheck {
  return () => {
    if (!started()) return false;
    if (!server.listening) throw new NotReady('The internal gRPC port does not listen.');
    return true;
  };
}

/**
 * A readiness check that needs the service's own gRPC port to answer too: its check first (migrations, the
 * database, with their reasons), then a grpc.health.v1 Check over the loopback, so a task whose internal port
 * does not answer is reported by /health/ready like any other unreadiness.
 */
export function readyWithGrpc(check: ReadinessCheck, grpcUrl: string, timeoutMs = 2_000): ReadinessCheck {
  const health = createClient(Health, createGrpcTransport({ baseUrl: grpcUrl }));
  return async () => {
    if (!(await check())) return false;
    const answer = await health.check({}, { timeoutMs }).catch(() => undefined);
    if (answer?.status !== Status.SERVING) throw new NotReady('The internal gRPC port does not answer.');
    return true;
  };
}
