import path from 'node:path';
import { busTopology } from '../contracts/bus-topology';
import { createBusClients } from '../kit/bus/clients';
import { ConfigError, redactUrlPassword } from '../kit/config';
import type { BusLocation } from '../contracts/service-env';
import { ensureTopology, queueOf } from '../kit/bus/provisioned-topology';
import type { LocalConfig } from './config';
import { describeDeath } from './child-process/death';
import { startFauxqsEmulator } from './emulators/fauxqs';
import { status } from './status';

/** The bus prefix offline; topic and queue names are `platform-…` as in a deployed stage named platform. */
const BUS_PREFIX = 'platform';

export interface LocalBus {
  /** The SNS/SQS endpoint: the embedded fauxqs, or AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** The topic and the queues as provisioned, for services/contracts/service-env.ts. */
  readonly location: BusLocation;
  /** The embedded fauxqs' death, named (stop-order.ts says why it stops the platform); absent for AWS_ENDPOINT_URL. */
  readonly died?: Promise<string>;
  stop(): Promise<void>;
}

/**
 * The user's endpoint refused or failed the topology: a config error naming the variable, as DATABASE_URL's is,
 * instead of the SDK's bare "connect ECONNREFUSED" with a stack trace that names neither the variable nor the fix.
 */
function endpointUnusable(endpoint: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError([`AWS_ENDPOINT_URL: cannot use ${redactUrlPassword(endpoint)}: ${reason}. Does an SNS/SQS endpoint (LocalStack, for example) answer there?`]);
}

/**
 * fauxqs on 127.0.0.1 with its state under DATA_DIR, or the endpoint in AWS_ENDPOINT_URL (LocalStack), with the
 * topology from the event catalogue created where missing.
 */
export async function startBus(config: LocalConfig): Promise<LocalBus> {
  let endpoint = config.AWS_ENDPOINT_URL;
  let stop = async () => {};
  let died: Promise<string> | undefined;
  if (!endpoint) {
    const dataDir = path.resolve(config.DATA_DIR, 'fauxqs');
    const emulator = await startFauxqsEmulator({ dataDir, port: config.FAUXQS_PORT });
    endpoint = emulator.endpoint;
    stop = emulator.stop;
    died = emulator.died.then((death) => describeDeath('fauxqs, the SNS/SQS emulator', `127.0.0.1:${emulator.port}, data in ${dataDir}`, death));
  }
  const clients = createBusClients({ endpoint, region: config.AWS_REGION });
  try {
    const bus = await ensureTopology(clients, busTopology(BUS_PREFIX));
    status.step('bus', `${config.AWS_ENDPOINT_URL ? 'SNS/SQS' : 'fauxqs'} on ${endpoint}: topic and ${bus.queues.length} queues ready`);
    const location: BusLocation = { prefix: BUS_PREFIX, topicArn: bus.topicArn, queueUrl: (consumer) => queueOf(bus, consumer).queueUrl };
    return { endpoint, location, died, stop };
  } catch (error) {
    await stop();
    throw config.AWS_ENDPOINT_URL ? endpointUnusable(config.AWS_ENDPOINT_URL, error) : error;
  } finally {
    clients.close();
  }
}
