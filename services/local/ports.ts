/**
 * Before anything starts: the ports `npm start` will listen on must be free. Otherwise the part that finds its
 * port taken dies half-way through start-up, and the message is that it "did not become ready".
 */
import { createServer } from 'node:net';
import { ConfigError } from '../kit/config';
import type { LocalConfig } from './config';

/**
 * The ports this configuration listens on, by the variable that sets each. An embedded PostgreSQL left running
 * on POSTGRES_PORT by a killed launcher is stopped before this check (stopLeftoverDatabase), so only a stranger
 * holding it is refused.
 */
export function portsToListenOn(config: LocalConfig): Record<string, number> {
  return {
    GATEWAY_PORT: config.GATEWAY_PORT,
    IDENTITY_PORT: config.IDENTITY_PORT,
    PRODUCT_PORT: config.PRODUCT_PORT,
    BILLING_PORT: config.BILLING_PORT,
    PRODUCT_GRPC_PORT: config.PRODUCT_GRPC_PORT,
    ...(config.COGNITO_USER_POOL_ID ? {} : { COGNITO_PORT: config.COGNITO_PORT }),
    ...(config.AWS_ENDPOINT_URL ? {} : { FAUXQS_PORT: config.FAUXQS_PORT }),
    ...(config.DATABASE_URL ? {} : { POSTGRES_PORT: config.POSTGRES_PORT }),
  };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Throws a ConfigError naming every variable whose port is taken. */
export async function assertPortsFree(config: LocalConfig): Promise<void> {
  const ports = Object.entries(portsToListenOn(config));
  // Two variables on one port would each probe it at the same moment, and both be told something holds it.
  const byPort = new Map<number, string[]>();
  for (const [name, port] of ports) byPort.set(port, [...(byPort.get(port) ?? []), name]);
  const shared = [...byPort].filter(([, names]) => names.length > 1);
  if (shared.length > 0) throw new ConfigError(shared.map(([port, names]) => `${names.join(' and ')}: ${names.length === 2 ? 'both' : 'all'} set to ${port}; give each its own port`));
  const taken = await takenPorts(config);
  if (taken.length === 0) return;
  throw new ConfigError(
    taken.map(([name, port]) => `${name}: port ${port} on 127.0.0.1 is in use; stop what holds it, or set ${name} to a free port`),
  );
}

/** The variables whose port something holds now, with the port. */
export async function takenPorts(config: LocalConfig): Promise<Array<[name: string, port: number]>> {
  const ports = Object.entries(portsToListenOn(config));
  const free = await Promise.all(ports.map(([, port]) => isFree(port)));
  return ports.filter((_, index) => !free[index]);
}
