/**
 * The whole platform on one machine: PostgreSQL, Cognito and the SNS/SQS emulator start at once, the services
 * and the gateway start beside them and are handed their environment once what they need is up. `stop()` stops everything started, in the order of stop-order.ts.
 */
import { HEALTH_PATHS, SERVICE_NAMES, type ServiceName } from '../contracts/services';
import { nodeEntry } from './child-process/node-entry';
import { startChildProcess, type RunningChild } from './child-process/start-child';
import type { LocalConfig } from './config';
import { startBus } from './bus';
import { BUNDLE_DIR, bundleEntryPoints } from './bundle';
import { planDatabases } from './databases';
import { commonEnvironment, localPort, localServiceEnvironment, type CognitoSettings } from './service-env';
import { status } from './status';
import { stopList, type Part, type StopTier } from './stop-order';
import { startUserPool } from './user-pool';

/** What `npm start` bundles and runs: each service and the gateway. */
export const PLATFORM_ENTRY_POINTS = {
  ...Object.fromEntries(SERVICE_NAMES.map((name) => [name, `services/${name}/main.ts`])),
  gateway: 'services/gateway/main.ts',
};

export interface RunningPlatform {
  readonly gatewayUrl: string;
  /**
   * Settles if a part it cannot run without dies under it (the embedded PostgreSQL, fauxqs, cognito-local); a
   * service or the gateway is restarted instead (stop-order.ts says why).
   */
  readonly died: Promise<string>;
  stop(): Promise<void>;
}

export async function startPlatform(config: LocalConfig): Promise<RunningPlatform> {
  const parts = stopList(status.warn);
  const stop = () => parts.stopAll();
  // Each part joins the stop list as soon as it is up, and a failure waits for the rest to settle, so a part
  // that comes up after another failed is stopped too.
  const tracked = <T extends Part>(tier: StopTier, starting: Promise<T>) => starting.then((part) => (parts.add(tier, part), part));
  const allStarted = async <T extends readonly unknown[]>(starting: T) => {
    await Promise.allSettled(starting);
    return Promise.all(starting);
  };
  // A part that dies while the rest start (PostgreSQL killed while the services migrate) stops their starts at
  // once: each would otherwise wait its 30 s for a database that is gone before the death could be named.
  const deathWhileStarting = parts.died.then((why) => Promise.reject(new Error(why)));
  deathWhileStarting.catch(() => {});
  try {
    const plan = planDatabases(config);
    const databases = tracked('database', plan.start());
    let announce: (settings: CognitoSettings) => void = () => {};
    const announced = new Promise<CognitoSettings>((resolve) => (announce = resolve));
    const cognito = tracked('emulators', startUserPool(config, (settings) => announce(settings)));
    // What the services and the gateway need of Cognito is known before the emulator is up on a warm start
    // (startLocalCognito's onKnown), else once it is seeded; a failed start fails it.
    const cognitoSettings = Promise.race([announced, cognito.then((idp) => idp.env)]);
    const bus = tracked('emulators', startBus(config));
    const entries = bundle();
    const dependencies = Promise.all([cognitoSettings, bus]);
    dependencies.catch(() => {}); // reported by allStarted below

    // The services and the gateway start as soon as their bundles exist and load their code while PostgreSQL,
    // Cognito and the bus come up; each receives the rest of its environment once Cognito and the bus are up.
    // Their database URLs are known before PostgreSQL is: each service waits for its database by itself, and
    // fails to start if PostgreSQL does.
    const url = (port: number) => `http://127.0.0.1:${port}`;
    const service = (name: ServiceName) =>
      entries.then((bundles) =>
        startService(name, bundles[name]!, localPort(config, name), {
          lateEnv: dependencies.then(([idp, events]) =>
            localServiceEnvironment(name, config, { databaseUrls: plan.urls, migrationUrls: plan.migrationUrls, cognito: idp, bus: events }),
          ),
          dependsOn: Promise.all([databases, cognito]),
          abandonedBy: deathWhileStarting,
        }),
      );

    const gateway = () =>
      entries.then((bundles) =>
        startPlatformChild('gateway', bundles.gateway!, `${url(config.GATEWAY_PORT)}/health`, {
          env: {
            GATEWAY_PORT: String(config.GATEWAY_PORT),
            GATEWAY_HOST: '127.0.0.1',
            IDENTITY_URL: url(config.IDENTITY_PORT),
            PRODUCT_URL: url(config.PRODUCT_PORT),
            BILLING_URL: url(config.BILLING_PORT),
          },
          // The gateway needs only Cognito.
          lateEnv: cognitoSettings.then((idp) => commonEnvironment(config, idp)),
          dependsOn: cognito,
          abandonedBy: deathWhileStarting,
        }),
      ).then((child) => (status.step('gateway', url(config.GATEWAY_PORT), child.startupMs), child));

    // `ready` waits for every part; a part that comes up after another failed is still stopped (allStarted).
    await allStarted([
      databases,
      cognito,
      bus,
      entries,
      ...SERVICE_NAMES.map((name) => tracked('services', service(name))),
      tracked('gateway', gateway()),
    ] as const);
    return { gatewayUrl: url(config.GATEWAY_PORT), died: parts.died, stop };
  } catch (error) {
    await stop().catch(() => {}); // each failure to stop is reported already; the start failure is the news
    // A part that died while the rest started is why they failed (services without their database).
    throw parts.diedFirst === undefined ? error : new Error(parts.diedFirst, { cause: error });
  }
}

async function startService(name: string, entry: string, port: number, environment: Environment): Promise<RunningChild> {
  const child = await startPlatformChild(name, entry, `http://127.0.0.1:${port}${HEALTH_PATHS.ready}`, environment);
  status.step(name, `http://127.0.0.1:${port}`, child.startupMs);
  return child;
}

interface Environment {
  readonly env?: Record<string, string>;
  /** What it needs of the parts it depends on, sent once they are up. */
  readonly lateEnv: Promise<Record<string, string>>;
  /** A part it waits for by itself: when that fails, so does its start. */
  readonly dependsOn?: Promise<unknown>;
  /** Rejects when a part the platform cannot run without dies during the start. */
  readonly abandonedBy?: Promise<never>;
}

/** A service or the gateway: ready once `readyUrl` answers, restarted after a crash, its JSON lines on our stdout. */
function startPlatformChild(name: string, entry: string, readyUrl: string, environment: Environment): Promise<RunningChild> {
  const args = nodeEntry(entry);
  return startChildProcess({ name, args, ready: { url: readyUrl }, output: 'inherit', restart: true, onEvent: status.warn, ...environment });
}

async function bundle(): Promise<Record<string, string>> {
  const startedAt = Date.now();
  const { entries, rebuilt } = await bundleEntryPoints(PLATFORM_ENTRY_POINTS);
  status.step('bundles', rebuilt ? `${Object.keys(entries).length} entry points built into ${BUNDLE_DIR}` : 'up to date', Date.now() - startedAt);
  return entries;
}
