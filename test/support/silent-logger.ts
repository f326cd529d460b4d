import { createLogger } from '../../services/kit/logger';

/** Tests assert on answers, not log lines; LOG_LEVEL=debug npm test shows them when debugging. */
export const testLogger = createLogger({ service: 'test', level: (process.env.LOG_LEVEL as 'debug' | undefined) ?? 'silent' });
