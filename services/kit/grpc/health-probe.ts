import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../contracts/grpc/gen/grpc/health/v1/health_pb';
import { NotReady, type ReadinessCheck } from '../http/health';

/**
 * A readiness check that needs the service's own gRPC port to answer too: its check first (migrations, the
 * database, with their reasons), then a grpc.health.v1 Check over the loopback, so a task whose internal port
 * is down is taken out of the balancer and reported by /health/ready like any other unreadiness.
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
