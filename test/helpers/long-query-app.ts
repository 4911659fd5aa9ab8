// Run by test/app/shutdown.test.ts in a process of its own: TrendDrop stopped on signals the
// way the CLI does it, with a ClickHouse query that would run for hours already in flight.
// Configured by the environment (loadConfig); sends its port to the parent once up.
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { startApp } from '../../app/start-app.js';
import { stopOnSignals } from '../../app/shutdown.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await startApp(config, { roles: ['ingest', 'processors', 'api'], logger });
stopOnSignals(app, { logger, timeoutMs: config.shutdownTimeoutMs });
app.runtime.clickhouse.client.query({ query: 'SELECT sum(cityHash64(number)) FROM numbers(1000000000000)' })
  .then(() => logger.error('the long query finished'), (err: Error) => logger.warn({ err: err.message }, 'the long query ended'));
process.send!({ port: app.port });
