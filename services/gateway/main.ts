/**
 * Composition root of the local gateway: `tsx services/gateway/main.ts`. Listens on GATEWAY_HOST:GATEWAY_PORT
 * (127.0.0.1:8080) and stops cleanly on SIGTERM / SIGINT.
 */
import { closeOnSignals } from '../kit/http/serve';
import { createLogger } from '../kit/logger';
import { runMain } from '../kit/run';
import { loadGatewayConfig } from './config';
import { startGateway } from './start';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
  const running = await startGateway(config, logger);
  closeOnSignals(running.close, logger);
  logger.info({ url: running.url }, `gateway ready at ${running.url}`);
});
