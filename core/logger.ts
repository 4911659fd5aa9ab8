// Structured logs (pino) for every role; one root logger, children per component.
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * `level` comes from Config.logLevel (LOG_LEVEL), or a test's choice. Logs go to stdout, or to
 * stderr for a command whose stdout is its output (`bench --json`).
 */
export function createLogger(level: string, to: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({ level, base: { app: 'trenddrop' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(to === 'stdout' ? 1 : 2));
}
