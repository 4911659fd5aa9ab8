// `trenddrop <command>`: the one entry point for every role and tool. Commands parse their
// flags here and hand plain options to the modules that do the work.
import { Command, InvalidArgumentError, Option } from 'commander';
import { PHASES, type Phase } from '../bench/phases.js';
import { loadConfig, ROLES, type Role } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { TrendDropError } from '../core/errors.js';

const program = new Command('trenddrop').description('Real-time trend analytics for dropshippers').showHelpAfterError();

function roles(value: string): Role[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const r of list) if (!ROLES.includes(r as Role)) throw new InvalidArgumentError(`unknown role "${r}" (roles: ${ROLES.join(', ')})`);
  return list as Role[];
}

/** `7d`, `12h`, `30m`, `90s` → milliseconds. */
export function duration(value: string): number {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('use a number and a unit: 90s, 30m, 12h, 7d, 2w');
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

async function serve(selected: Role[]): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (selected.includes('api')) await (await import('./dashboard-build.js')).ensureDashboardBuilt(logger);
  if (config.kafkaBrokers.length === 0 && selected.length < ROLES.length) {
    logger.warn({ roles: selected }, 'the in-process bus connects roles only inside one process; set KAFKA_BROKERS to run roles separately');
  }
  const { startApp } = await import('../app/start-app.js');
  // A server waits for its stores however long they take; `ready` and the logs say it is waiting.
  const app = await startApp(config, { roles: selected, logger, attempts: Infinity });
  const { stopOnSignals } = await import('../app/shutdown.js');
  stopOnSignals(app, { logger, timeoutMs: config.shutdownTimeoutMs });
}

program.command('start').description('Run TrendDrop (all roles by default)')
  .option('--roles <roles>', `comma list of ${ROLES.join(', ')}`, roles, [...ROLES])
  .action((o: { roles: Role[] }) => serve(o.roles));
for (const role of ROLES) program.command(role).description(`Run only the ${role} role (scale-out; needs KAFKA_BROKERS)`).action(() => serve([role]));

program.command('migrate').description('Apply ClickHouse and Postgres migrations, then exit')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const { openRuntime } = await import('../core/runtime.js');
    const rt = await openRuntime(config, { logger });
    await rt.close();
    logger.info('migrations applied');
  });

program.command('simulate').description('Backfill simulated market history (into a running TrendDrop, or in-process)')
  .requiredOption('--backfill <duration>', 'how far back, e.g. 7d', duration)
  .option('--url <url>', 'a running TrendDrop to send to (default: this config\'s port, if it answers)')
  .option('--seed <n>', 'simulator seed (default TRENDDROP_SIMULATOR_SEED)', positiveInt)
  .action(async (o: { backfill: number; url?: string; seed?: number }) => {
    const { simulateCommand } = await import('./simulate.js');
    await simulateCommand(loadConfig(), { backfillMs: o.backfill, url: o.url, seed: o.seed });
  });

program.command('import').description('Import a Google Trends export, CSV or JSONL file (into a running TrendDrop, or in-process)')
  .argument('<file>', 'file to import')
  .option('--format <format>', 'google-trends, csv or jsonl (default: from the file)', (v) => {
    if (!['google-trends', 'csv', 'jsonl'].includes(v)) throw new InvalidArgumentError('use google-trends, csv or jsonl');
    return v;
  })
  .option('--map <pairs>', 'column=field pairs, e.g. day=ts,sku=productId,plays=views', (v) => Object.fromEntries(v.split(',').map((pair) => {
    const [col, field] = pair.split('=').map((s) => s.trim());
    if (!col || !field) throw new InvalidArgumentError(`"${pair}" is not column=field`);
    return [col, field];
  })))
  .option('--product <id>', 'product id for rows that carry none (e.g. a Google Trends term)')
  .option('--url <url>', 'a running TrendDrop to send to')
  .action(async (file: string, o: { format?: 'google-trends' | 'csv' | 'jsonl'; map?: Record<string, string>; product?: string; url?: string }) => {
    const { importCommand } = await import('./import.js');
    await importCommand(loadConfig(), { file, ...o }, process.stdout);
  });

program.command('forecast').description('Forecast a series from a CSV, or compare the models on one or many series (--evaluate)')
  .requiredOption('--input <file>', 'CSV: date,value rows; or long series,date,value; or wide date,a,b,… (header optional; dates ISO 8601, no zone = UTC, or YYYY-MM)')
  .option('--horizon <n>', 'steps ahead (required to forecast; --evaluate default: 48 hours, 14 days, 13 weeks, 12 months)', positiveInt)
  .option('--season <m>', 'season length in steps (default: the step\'s seasons that pass the seasonal-strength test; 1 for none)', positiveInt)
  .option('--evaluate', 'hold out the end of every series and report MASE, sMAPE, 80/95% coverage per model')
  .option('--windows <n>', '--evaluate: test windows held out per series', positiveInt)
  .option('--neural', '--evaluate: train the global MLP across the series (the default for hourly series only: the app trains it on hourly products alone)')
  .option('--no-neural', '--evaluate: leave out the global MLP')
  .option('--json', 'print JSON')
  .action(async (o: { input: string; horizon?: number; season?: number; json?: boolean; evaluate?: boolean; windows?: number; neural?: boolean }) => {
    const { forecastCommand } = await import('./forecast.js');
    await forecastCommand({ input: o.input, horizon: o.horizon, season: o.season, json: !!o.json, evaluate: !!o.evaluate, windows: o.windows, neural: o.neural }, process.stdout);
  });

program.command('signals').description('Track record of breakout alerts (hit rate, base rate, lift, lead time) on a simulated replay and on real series from npm packages')
  .option('--days <n>', 'judged days of the simulated replay', positiveInt, 30)
  .option('--end <date>', 'end of the simulated replay (ISO date)', '2026-11-01')
  .option('--only <names>', 'comma list of simulated, github, births, unemployment')
  .option('--json', 'print JSON')
  .action(async (o: { days: number; end: string; only?: string; json?: boolean }) => {
    const { signalsCommand } = await import('./signals.js');
    const end = Date.parse(o.end);
    if (!Number.isFinite(end)) throw new InvalidArgumentError(`--end: "${o.end}" is not a date`);
    await signalsCommand({ days: o.days, end, only: o.only?.split(',').map((s) => s.trim()), json: !!o.json }, process.stdout);
  });

program.command('bench').description('Measure TrendDrop against its raw ceilings: the pipeline (default), WebSocket fan-out, the API at scale, memory over a soak, the first start, the first chart of the dashboard, redelivery of stored events, forecast cost per product, the scorer at scale')
  .addOption(new Option('--phases <list>', `comma-separated: ${PHASES.join(', ')}, or all`).default(['pipeline'], 'pipeline').argParser((v) => {
    const list = v === 'all' ? [...PHASES] : v.split(',').map((s) => s.trim());
    const bad = list.find((p) => !(PHASES as readonly string[]).includes(p));
    if (bad !== undefined || list.length === 0) throw new InvalidArgumentError(`"${bad ?? v}" is not a phase; use ${PHASES.join(', ')} or all`);
    return list as Phase[];
  }))
  .option('--events <n>', 'pipeline, redelivery: events to push (default 1000000)', positiveInt)
  .option('--bus <bus>', 'pipeline: local or kafka', 'local')
  .option('--subscribers <n>', 'fanout: WebSocket subscribers (default 10000)', positiveInt)
  .option('--products <n>', 'api, soak, scorer: products loaded (default 100000)', positiveInt)
  .option('--changed <n>', 'scorer: products given late rows before the incremental round (default 1000)', positiveInt)
  .option('--api-events <n>', 'api, soak: events loaded first (default 50000000; soak 1000000)', positiveInt)
  .option('--duration <time>', 'soak: how long to hold the load, e.g. 90s, 10m, 1h (default 10m)', duration)
  .option('--rate <n>', 'soak: events accepted per second (default 2000)', positiveInt)
  .option('--settle-every <time>', 'soak: wall time per event hour, so that hours settle inside the soak (default 5m; 1h is real time)', duration)
  .option('--forecast-products <n>', 'forecast: simulated products refreshed (default 1000)', positiveInt)
  .option('--scenarios <list>', 'chaos: comma-separated scenarios (default all: sigkill, broker-restart, postgres-kill, poison-pills)', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--quick', 'smaller runs: the pipeline phase under a minute')
  .option('--json', 'print JSON, keyed by phase')
  .action(async (o: { phases: Phase[]; events?: number; quick?: boolean; json?: boolean; bus: string; subscribers?: number; products?: number; changed?: number; apiEvents?: number; duration?: number; settleEvery?: number; rate?: number; scenarios?: string[]; forecastProducts?: number }) => {
    const { benchCommand } = await import('./bench.js');
    // The bench prints its own figures: the app's info logs would bury them unless asked for, and
    // its warnings go to stderr, so that `--json` output stays one JSON document.
    const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
    await benchCommand(config, { ...o, durationSec: o.duration === undefined ? undefined : o.duration / 1000, settleEverySec: o.settleEvery === undefined ? undefined : o.settleEvery / 1000, quick: !!o.quick, json: !!o.json, bus: o.bus === 'kafka' ? 'kafka' : 'local' }, createLogger(config.logLevel, 'stderr'), process.stdout);
  });

program.parseAsync().catch((err: unknown) => {
  const e = err as Error;
  // Operator mistakes (bad config, bad flags) get one clear line, not a stack.
  process.stderr.write(`trenddrop: ${e instanceof TrendDropError ? e.message : e.stack ?? e.message}\n`);
  process.exit(1);
});
