// `trenddrop bench`, forecast phase: what one forecast refresh costs per product, through the
// app's own Forecaster on a real store. A simulated market of N products (ingest/simulator.ts,
// 28 days of hourly history, as the forecaster reads) goes through the real pipeline on a
// temporary data dir; then one scheduled round refreshes every product's views and orders
// forecasts (series query, seasonal-strength test, rolling-origin backtest of every model,
// selection, refit, calibrated intervals, lifecycle, inserts), timed by wall clock and by this
// process's CPU; a second round finds every product current and shows what an idle round costs;
// then one more hour of events arrives and a third round refreshes every product again, each
// model starting from the product's previous fit (what an hourly refresh costs in steady state).
// The global MLP is left out: it is trained every 6 hours, not per refresh (its per-product
// forecast is one small matrix product). Per-product cost does not grow with the number of
// products (one product's series and models are independent of the others'; queries and inserts
// go in chunks of 200), so the figure at N products is the figure at 100k.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { startApp } from '../app/start-app.js';
import { MarketSimulator } from '../ingest/simulator.js';
import { FORECAST_STEPS } from '../processors/forecast-engine.js';
import { Forecaster, type RoundStats } from '../processors/forecaster.js';
import type { EngagementEvent } from '../schemas/events.js';
import { measured } from '../core/measure.js';

export interface ForecastBenchOptions {
  products: number;
  logger: Logger;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ForecastBenchResult {
  products: number;
  /** Hours of history per product. */
  historyHours: number;
  metrics: string[];
  events: number;
  loadSeconds: number;
  /** The refreshing round. */
  round: RoundStats & { forecasts: number; wallMs: number; cpuMs: number };
  /** Per product (all its metrics) and per single forecast: wall clock and CPU of the whole round, and the engine alone (backtest, choice, refit, intervals, lifecycle). */
  perProduct: { wallMs: number; cpuMs: number; engineMs: number };
  perForecast: { wallMs: number; cpuMs: number; engineMs: number };
  /** The round after: every product current, nothing recomputed. */
  idleRound: { wallMs: number; skipped: number };
  /** After one more hour of events: every product refreshed again, each model warm-started from its previous fit (processors/forecaster.ts `FORECAST.coldEvery`). */
  warmRound: RoundStats & { wallMs: number; cpuMs: number };
  warmPerProduct: { wallMs: number; cpuMs: number; engineMs: number };
  /** CPU hours one refresh of 100k products takes at this rate; hourly products refresh once an hour. */
  cpuHoursPer100k: number;
  loadAverage: number;
}

const H = 3_600_000;
const METRICS = ['views', 'orders'] as const;

export async function runForecastBench(_config: Config, o: ForecastBenchOptions): Promise<ForecastBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-forecast-'));
  // Only what this measurement needs: embedded stores, no simulator of its own, no scheduled forecaster rounds.
  const config = loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off', TRENDDROP_SCORE_INTERVAL_MS: '3600000', LOG_LEVEL: 'warn' });
  const app = await startApp(config, { roles: ['ingest', 'processors'], logger: o.logger, agent: false });
  try {
    const t0 = performance.now();
    const historyHours = FORECAST_STEPS.hour.history;
    // Three hours back, so that the next hour, loaded before the warm round, is still in the past
    // (the watermark does not follow events from the future).
    const end = Math.floor(Date.now() / H) * H - 3 * H;
    const sim = new MarketSimulator({ seed: 42, products: o.products, ratePerSec: 0.25 * o.products });
    await app.ingestor.publishProducts(sim.catalogue());
    let events = 0;
    let batch: EngagementEvent[] = [];
    let hour = 0;
    for (const step of sim.backfill(end - historyHours * H, end + H, H)) {
      batch.push(...step);
      if (batch.length >= 20_000) { await app.ingestor.publishEvents(batch); events += batch.length; batch = []; }
      progress((0.5 * ++hour) / historyHours, 'loading history');
    }
    await app.ingestor.publishEvents(batch);
    events += batch.length;
    await app.drain();
    const loadSeconds = (performance.now() - t0) / 1000;

    const forecaster = new Forecaster({
      ch: app.runtime.clickhouse.client, clock: { now: () => Date.now() }, logger: o.logger,
      allowedLatenessMs: config.allowedLatenessMs, neural: false, metrics: METRICS,
    });
    progress(0.5, 'forecasting');
    const { value: stats, wallMs, cpuMs } = await measured(() => forecaster.round());
    progress(0.7, 'idle round');
    const w1 = performance.now();
    const idle = await forecaster.round();
    const idleMs = performance.now() - w1;
    progress(0.72, 'next hour');
    for (const step of sim.backfill(end + H, end + 2 * H, H)) await app.ingestor.publishEvents(step);
    await app.drain();
    progress(0.75, 'warm round');
    const { value: warm, wallMs: warmWallMs, cpuMs: warmCpuMs } = await measured(() => forecaster.round());
    await forecaster.stop();

    const forecasts = stats.refreshed;
    const products = forecasts / METRICS.length;
    const per = (v: number, n: number) => (n ? +(v / n).toFixed(2) : Number.NaN);
    return {
      products: o.products, historyHours, metrics: [...METRICS], events, loadSeconds: +loadSeconds.toFixed(1),
      round: { ...stats, forecasts, wallMs: Math.round(wallMs), cpuMs: Math.round(cpuMs) },
      perProduct: { wallMs: per(wallMs, products), cpuMs: per(cpuMs, products), engineMs: per(stats.msPerProduct * forecasts, products) },
      perForecast: { wallMs: per(wallMs, forecasts), cpuMs: per(cpuMs, forecasts), engineMs: +stats.msPerProduct.toFixed(2) },
      idleRound: { wallMs: Math.round(idleMs), skipped: idle.skipped },
      warmRound: { ...warm, wallMs: Math.round(warmWallMs), cpuMs: Math.round(warmCpuMs) },
      warmPerProduct: { wallMs: per(warmWallMs, warm.refreshed / METRICS.length), cpuMs: per(warmCpuMs, warm.refreshed / METRICS.length), engineMs: per(warm.msPerProduct * warm.refreshed, warm.refreshed / METRICS.length) },
      cpuHoursPer100k: +((per(cpuMs, products) * 100_000) / H).toFixed(2),
      loadAverage: +(await import('node:os')).loadavg()[0].toFixed(1),
    };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatForecastBench(r: ForecastBenchResult): string[] {
  return [
    `forecast: ${r.products} simulated products, ${r.historyHours} h of hourly history each (${r.events.toLocaleString('en')} events, loaded in ${r.loadSeconds} s), metrics ${r.metrics.join(' + ')}, global MLP off`,
    `  refresh round: ${r.round.forecasts} forecasts (${r.round.tooShort} too short) in ${(r.round.wallMs / 1000).toFixed(1)} s wall, ${(r.round.cpuMs / 1000).toFixed(1)} s CPU`,
    `  per product (${r.metrics.length} forecasts, backtest included): ${r.perProduct.wallMs} ms wall, ${r.perProduct.cpuMs} ms CPU, ${r.perProduct.engineMs} ms in the engine (target ≤ 50 ms)`,
    `  per forecast: ${r.perForecast.wallMs} ms wall, ${r.perForecast.cpuMs} ms CPU, ${r.perForecast.engineMs} ms in the engine`,
    `  idle round (every product current): ${r.idleRound.wallMs} ms, ${r.idleRound.skipped} skipped`,
    `  warm round (one more hour, fits started from the previous ones): ${r.warmRound.refreshed} forecasts; per product ${r.warmPerProduct.wallMs} ms wall, ${r.warmPerProduct.cpuMs} ms CPU, ${r.warmPerProduct.engineMs} ms in the engine`,
    `  at 100k products: ${r.cpuHoursPer100k} CPU hours per hourly refresh (load average ${r.loadAverage} while measured)`,
  ];
}
