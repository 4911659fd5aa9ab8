// Structured logs (pino) for every role; one root logger, children per component.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'trenddrop' }, timestamp: pino.stdTimeFunctions.isoTime });
}
