import { createLogger, type Logger } from '@crp/platform/logger';

/** Tests log nothing unless TEST_LOG_LEVEL asks for it. */
export function testLogger(name = 'test'): Logger {
  return createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');
}
