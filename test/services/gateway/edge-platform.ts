/**
 * The edge as a client meets it: the real gateway on 127.0.0.1:0 in front of the real Identity, Product and
 * Billing apps, each listening with the kit's serve() on a port of its own and a database of its own,
 * against the run's cognito-local. Throttling is opened wide, so every request reaches the service it is for.
 */
import type { RequestListener } from 'node:http';
import { serve, type RunningServer } from '../../../services/kit/http/serve';
import type { Logger } from '../../../services/kit/logger';
import { startBillingHarness, type BillingHarness } from '../../support/billing';
import { startIdentityHarness, type IdentityHarness } from '../../support/identity';
import { startProductHarness, type ProductHarness } from '../../support/product';
import { testLogger } from '../../support/silent-logger';
import { startTestGateway, type TestServer } from './support';

export interface EdgePlatform {
  /** The gateway's URL. */
  readonly url: string;
  /** Each service's own URL, to call it directly, bypassing the gateway. */
  readonly services: { readonly identity: string; readonly product: string; readonly billing: string };
  readonly identity: IdentityHarness;
  readonly product: ProductHarness;
  readonly billing: BillingHarness;
  close(): Promise<void>;
}

export interface EdgePlatformOptions {
  /** The gateway's logger. @default the silent test logger */
  readonly gatewayLogger?: Logger;
  /** The logger of the servers the services listen with. @default the silent test logger */
  readonly serviceLogger?: Logger;
}

const listen = (app: RequestListener, logger: Logger): Promise<RunningServer> =>
  serve(app, { port: 0, host: '127.0.0.1', logger, shutdownTimeoutMs: 1_000 });

export async function startEdgePlatform(options: EdgePlatformOptions = {}): Promise<EdgePlatform> {
  const serviceLogger = options.serviceLogger ?? testLogger;
  const [identity, product, billing] = await Promise.all([startIdentityHarness(), startProductHarness(), startBillingHarness()]);
  const productServer = await listen(product.app as RequestListener, serviceLogger);
  const identityServer = await listen(identity.app as RequestListener, serviceLogger);
  const billingServer = await listen(billing.app(productServer.url) as RequestListener, serviceLogger);
  const services = { identity: identityServer.url, product: productServer.url, billing: billingServer.url };
  const gateway: TestServer = await startTestGateway({
    upstreams: services,
    throttleOverride: { rateLimit: 1_000_000, burstLimit: 1_000_000 },
    ...(options.gatewayLogger ? { logger: options.gatewayLogger } : {}),
  });
  return {
    url: gateway.url,
    services,
    identity,
    product,
    billing,
    close: async () => {
      await gateway.close();
      await Promise.all([identityServer.close(), productServer.close(), billingServer.close()]);
      await Promise.all([identity.close(), product.close(), billing.close()]);
    },
  };
}
