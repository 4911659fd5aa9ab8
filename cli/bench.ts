// `trenddrop bench`: runs the chosen phases one after another, each on a fresh TrendDrop of its
// own, printing each as it ends (with --json: one object keyed by phase at the end). The
// measurements live in bench/, one module per phase; this picks their sizes and shows progress.
import type { Phase } from '../bench/phases.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { progress, type Progress } from './progress.js';

export interface BenchCommandOptions {
  phases: Phase[];
  /** Smaller runs: the pipeline phase under a minute. */
  quick: boolean;
  json: boolean;
  /** Pipeline and redelivery phases: events pushed (default 1,000,000; 200,000 with --quick). */
  events?: number;
  bus: 'local' | 'kafka';
  /** Fan-out phase: WebSocket subscribers (default 10,000; 1,000 with --quick). */
  subscribers?: number;
  /** API, soak and scorer phases: products (and, API and soak, events) loaded (default 100,000 and 50,000,000; 10,000 and 1,000,000 with --quick; soak: 1,000,000 events). */
  products?: number;
  apiEvents?: number;
  /** Scorer phase: products given late rows for the incremental round (default 1,000); its products are `products`. */
  changed?: number;
  /** Soak phase: how long the steady load is held, in seconds (default 600; 60 with --quick). */
  durationSec?: number;
  /** Soak phase: events accepted per second (default 2,000). */
  rate?: number;
  /** Soak phase: wall seconds per event hour of its events (default 300; 3600 is real time). */
  settleEverySec?: number;
  /** Chaos phase: the scenarios to run (default all). */
  scenarios?: string[];
  /** Forecast phase: simulated products refreshed (default 1,000; 100 with --quick). */
  forecastProducts?: number;
}

interface PhaseRun { result: unknown; lines: string[] }
type Runner = (config: Config, o: BenchCommandOptions, logger: Logger, onProgress: (fraction: number, stage: string) => void) => Promise<PhaseRun>;

// Each phase's module is loaded only when the phase runs.
const RUNNERS: Record<Phase, Runner> = {
  async pipeline(config, o, logger, onProgress) {
    const { formatPipelineBench, runPipelineBench } = await import('../bench/pipeline.js');
    const result = await runPipelineBench(config, {
      events: o.events ?? (o.quick ? 200_000 : 1_000_000), bus: o.bus, freshnessSeconds: o.quick ? 5 : 15, logger, onProgress,
    });
    return { result, lines: formatPipelineBench(result) };
  },
  async fanout(_config, o, logger) {
    const { formatFanout, runFanoutBench } = await import('../bench/fanout.js');
    const result = await runFanoutBench({ subscribers: o.subscribers ?? (o.quick ? 1000 : 10_000), messages: o.quick ? 40 : 200, logger });
    return { result, lines: formatFanout(result) };
  },
  async redelivery(config, o, logger, onProgress) {
    const { formatRedeliveryBench, runRedeliveryBench } = await import('../bench/redelivery.js');
    const result = await runRedeliveryBench(config, { events: o.events ?? (o.quick ? 200_000 : 1_000_000), logger, onProgress });
    return { result, lines: formatRedeliveryBench(result) };
  },
  async chaos(config, o, logger, onProgress) {
    const { formatChaosBench, runChaosBench } = await import('../bench/chaos.js');
    const result = await runChaosBench(config, { quick: o.quick, only: o.scenarios, logger, onProgress });
    return { result, lines: formatChaosBench(result) };
  },
  async forecast(config, o, logger, onProgress) {
    const { formatForecastBench, runForecastBench } = await import('../bench/forecast.js');
    const result = await runForecastBench(config, { products: o.forecastProducts ?? (o.quick ? 100 : 1000), logger, onProgress });
    return { result, lines: formatForecastBench(result) };
  },
  async scorer(config, o, logger, onProgress) {
    const { formatScorerBench, runScorerBench } = await import('../bench/scorer.js');
    const result = await runScorerBench(config, { products: o.products ?? (o.quick ? 10_000 : 100_000), changed: o.changed ?? 1000, logger, onProgress });
    return { result, lines: formatScorerBench(result) };
  },
  async api(config, o, logger, onProgress) {
    const { formatApiBench, runApiBench } = await import('../bench/api.js');
    const result = await runApiBench(config, {
      products: o.products ?? (o.quick ? 10_000 : 100_000), events: o.apiEvents ?? (o.quick ? 1_000_000 : 50_000_000),
      samples: o.quick ? 10 : undefined, logger, onProgress,
    });
    return { result, lines: formatApiBench(result) };
  },
  async soak(config, o, logger, onProgress) {
    const { formatSoakBench, runSoakBench } = await import('../bench/soak.js');
    const result = await runSoakBench(config, {
      products: o.products ?? (o.quick ? 10_000 : 100_000), preload: o.apiEvents ?? (o.quick ? 200_000 : 1_000_000),
      durationSec: o.durationSec ?? (o.quick ? 60 : 600), ratePerSec: o.rate ?? 2000, settleEverySec: o.settleEverySec, logger, onProgress,
    });
    return { result, lines: formatSoakBench(result) };
  },
  async 'first-start'(_config, _o, _logger, onProgress) {
    const { formatFirstStartBench, runFirstStartBench } = await import('../bench/first-start.js');
    const result = await runFirstStartBench({ onProgress });
    return { result, lines: formatFirstStartBench(result) };
  },
  async dashboard(_config, o, logger, onProgress) {
    const { formatDashboardBench, runDashboardBench } = await import('../bench/dashboard.js');
    // A failed poll's cause (undici puts the socket error in `cause`) is logged, and the poll retried.
    const onPollError = (err: Error) => logger.warn({ err, cause: (err as { cause?: unknown }).cause }, 'dashboard phase: a poll of the server failed; retrying');
    const result = await runDashboardBench({ runs: o.quick ? 3 : 5, onProgress, onPollError });
    return { result, lines: formatDashboardBench(result) };
  },
};

export async function benchCommand(config: Config, o: BenchCommandOptions, logger: Logger, out: NodeJS.WritableStream): Promise<void> {
  const results: Partial<Record<Phase, unknown>> = {};
  for (const phase of o.phases) {
    // A bar appears once the phase reports progress (the fan-out phase reports none).
    let bar: Progress | null = null;
    const onProgress = (f: number, stage: string) => { if (!o.json) (bar ??= progress(phase)).update(f, stage); };
    const run = await RUNNERS[phase](config, o, logger, onProgress).finally(() => bar?.stop());
    results[phase] = run.result;
    if (!o.json) out.write(run.lines.join('\n') + '\n');
  }
  if (o.json) out.write(JSON.stringify(results, null, 2) + '\n');
}
