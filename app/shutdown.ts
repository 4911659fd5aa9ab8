// A graceful stop on SIGTERM or SIGINT that keeps its bound (TRENDDROP_SHUTDOWN_TIMEOUT_MS):
// at two thirds of it, work still in flight is cancelled so the stop can finish; at the bound
// the process exits anyway, with status 1. A second signal ends the process at once.
import type { Logger } from '../core/logger.js';
import type { App } from './start-app.js';

export interface ShutdownOptions {
  logger: Logger;
  timeoutMs: number;
  exit?: (code: number) => void;
}

export function stopOnSignals(app: Pick<App, 'stop' | 'cancelInFlight'>, o: ShutdownOptions): void {
  const exit = o.exit ?? ((code) => process.exit(code));
  const shutdown = (signal: string) => {
    o.logger.info({ signal, timeoutMs: o.timeoutMs }, 'shutting down');
    const cancel = setTimeout(() => void app.cancelInFlight(), Math.round(o.timeoutMs * 2 / 3));
    // Queries started since the first cancel would hold process.exit on the embedded engine.
    const force = setTimeout(() => {
      o.logger.error({ timeoutMs: o.timeoutMs }, 'shutdown took too long; exiting');
      void app.cancelInFlight().finally(() => exit(1));
    }, o.timeoutMs);
    app.stop().then(() => exit(0), (err) => { o.logger.error({ err }, 'shutdown failed'); exit(1); })
      .finally(() => { clearTimeout(cancel); clearTimeout(force); });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}
