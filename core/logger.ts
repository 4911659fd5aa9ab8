// Structured logs (pino) for every role; one root logger, children per component.
import pino from 'pino';

export type Logger = pino.Logger;

/** `level` comes from Config.logLevel (LOG_LEVEL), or a test's choice. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'trenddrop' }, timestamp: pino.stdTimeFunctions.isoTime });
}
