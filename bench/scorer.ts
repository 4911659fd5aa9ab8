// `trenddrop bench`, scorer phase: how long the scorer takes at N products (target: a full round
// over 100k products in ≤ 15 s, and only products with new data re-scored), and how long at a
// time it holds the main thread.
//   1. load: hourly rollups for N products over a week and two hours, generated inside
//      ClickHouse (1–3 region × platform rows per product and hour, a daily cycle, products
//      rising, declining, flat, a few taking off), straight into engagement_1h: the scorer reads
//      nothing else, and pushing the events through the rollup views would take most of the run.
//      Past scores for the last REBUILD_SAMPLES hours before the first measured one, as a
//      running process would have stored them (the breakout detector rebuilds from them);
//   2. measure, with the real Scorer wired to the real Breakouts and AlertOutcomes as the
//      processors role wires them:
//      - cold round: a freshly started scorer settles one new hour for every product (finds
//        where to resume, classifies products, rebuilds breakout state);
//      - full round: the next hour settles (steady state: every product in the window gets its
//        score at the new instant, ranked against the whole market then);
//      - incremental round: K products get late rows in hours already scored, reported to the
//        scorer as the sink reports a write; only they are re-scored, from the changed hour on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { openRuntime, type Runtime } from '../core/runtime.js';
import { AlertOutcomes } from '../processors/alert-outcomes.js';
import { Breakouts, REBUILD_SAMPLES } from '../processors/breakouts.js';
import { Scorer, SCORER_STAGES, type ScorerStage } from '../processors/scorer.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { num, label } from './format.js';
import { measured } from '../core/measure.js';
import { watchMemoryPeak, type MemoryPeak } from './memory-peak.js';
import { watchEventLoop } from './event-loop.js';

export interface ScorerBenchOptions {
  products: number;
  /** Products given late rows before the incremental round. */
  changed: number;
  logger: Logger;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ScorerRound {
  seconds: number;
  /**
   * CPU seconds of this process over the round (JavaScript and the embedded ClickHouse's threads):
   * on a shared machine the wall time counts the other processes' turns too.
   */
  cpuSeconds: number;
  /** Scores written: products × instants. */
  scored: number;
  /** Distinct products among them. */
  products: number;
  /** Where the round's time went, per stage of the scorer (stages it did not run are absent). */
  stages: Partial<Record<ScorerStage, { seconds: number; cpuSeconds: number }>>;
  /** The most memory the process held during the round (a round's garbage grows the heap before a full collection). */
  peak: MemoryPeak;
  /**
   * How long the round held the main thread (bench/event-loop.ts): reads, WebSocket messages and
   * ingest acks wait that long in a live process.
   */
  mainThread: { longestHoldMs: number; delayP99Ms: number };
}

export interface ScorerBenchResult {
  products: number;
  changed: number;
  loaded: { rollupRows: number; historyRows: number; seconds: number };
  cold: ScorerRound;
  full: ScorerRound;
  incremental: ScorerRound & { instants: number };
}

const H = 3_600_000;
/** Hours of rollups: the hourly window (a week) and the two hours measured. */
const HOURS = 7 * 24 + 2;
/** Hours before the measured ones that get late rows in the incremental round. */
const LATE_HOURS_BACK = 5;
const START = Date.UTC(2026, 9, 1);
const ROLLUP_CHUNK = 10_000;

const CATEGORIES = ['Home', 'Beauty', 'Fitness', 'Kitchen', 'Pets', 'Electronics', 'Fashion', 'Toys', 'Outdoor', 'Health', 'Baby', 'Automotive'];

const PRODUCTS_SQL = `
INSERT INTO ${TABLES.products} (productId, title, category, brand, price, currency, imageUrl, source, tags, updatedAt)
SELECT concat('p-', toString(number)), concat('Product ', toString(number)), {categories:Array(String)}[cityHash64(number) % length({categories:Array(String)}) + 1],
  '', NULL, 'USD', '', 'bench', [], fromUnixTimestamp64Milli({at:Int64}, 'UTC')
FROM numbers({n:UInt64})`;

// Each product: a level skewed by popularity (u³: a few large, most small), a trend class
// (flat, rising, declining; one in a hundred takes off 20 hours before the end), 1–3 rows per
// hour by region and platform, a daily cycle and ±25 % noise per row.
const ROLLUPS_SQL = `
INSERT INTO ${TABLES.engagement1h} (productId, bucket, region, platform, views, events, likes, shares, comments, orders, revenue, searches)
SELECT concat('p-', toString(p)) AS productId, toDateTime(intDiv({start:Int64}, 1000) + h * 3600, 'UTC') AS bucket,
  ['US', 'US', 'GB', 'DE', 'FR', 'BR', 'JP', 'IN', 'MX', 'CA'][(p + j) % 10 + 1] AS region,
  ['tiktok', 'tiktok', 'instagram', 'youtube', 'amazon', 'facebook'][(p * 7 + j + h) % 6 + 1] AS platform,
  toUInt64(greatest(1, round(level * cycle * growth * (0.75 + 0.5 * (sipHash64(p, h, j) / 18446744073709551616.))))) AS views,
  views AS events, intDiv(views, 20) AS likes, intDiv(views, 200) AS shares, intDiv(views, 100) AS comments,
  intDiv(views, 400) AS orders, orders * 19.99 AS revenue, intDiv(views, 50) AS searches
FROM (
  SELECT intDiv(number, {hours:UInt32}) + {first:UInt64} AS p, number % {hours:UInt32} AS h,
    1 + 400 * pow(cityHash64(p, 1) / 18446744073709551616., 3) AS level,
    1 + 0.5 * sin(2 * pi() * h / 24) AS cycle,
    multiIf(cityHash64(p, 2) % 100 = 0, pow(1.2, greatest(0, least(h - ({hours:UInt32} - 20), 10))),
            exp(h * [0, 0, 0.004, -0.004, 0.002][cityHash64(p, 3) % 5 + 1])) AS growth,
    arrayJoin(range(1 + cityHash64(p, 4) % 3)) AS j
  FROM numbers({n:UInt64}))`;

// Momentum at zero: the detector's baseline is flat, as for a product that was quiet.
const HISTORY_SQL = `
INSERT INTO ${TABLES.trendScoreHistory} (productId, computedAt, stepSec, score, label, velocity, acceleration, momentum, scoredAt)
SELECT concat('p-', toString(p.number)), fromUnixTimestamp64Milli(toInt64({last:Int64} - k.number * ${H}), 'UTC'), 3600,
  (cityHash64(p.number, k.number) % 1000) / 10, 'steady', 0, 0, 0, fromUnixTimestamp64Milli({last:Int64}, 'UTC')
FROM numbers({first:UInt64}, {n:UInt64}) AS p CROSS JOIN numbers({samples:UInt64}) AS k`;

// Late rows: a product's audience found it again a few hours back (an extra region row per hour).
const LATE_SQL = `
INSERT INTO ${TABLES.engagement1h} (productId, bucket, region, platform, events, views, likes, shares, comments, orders, revenue, searches)
SELECT concat('p-', toString(p.number * {stride:UInt64})), toDateTime(intDiv({from:Int64}, 1000) + h.number * 3600, 'UTC'), 'AU', 'tiktok', 500, 500, 25, 2, 5, 1, 19.99, 10
FROM numbers({n:UInt64}) AS p CROSS JOIN numbers({hours:UInt64}) AS h`;

const COUNT_SQL = `SELECT (SELECT count() FROM ${TABLES.engagement1h}) AS rollups, (SELECT count() FROM ${TABLES.trendScoreHistory}) AS history`;

const seconds = (t0: number) => +((performance.now() - t0) / 1000).toFixed(2);

async function command(rt: Runtime, query: string, query_params: Record<string, unknown>): Promise<void> {
  await rt.clickhouse.client.command({ query, query_params });
}

/**
 * Loads N products' rollups into a fresh embedded store (temporary data dir, removed afterwards)
 * and times the scorer's rounds there. Always embedded: a configured server must never receive
 * the bench's data.
 */
export async function runScorerBench(config: Config, o: ScorerBenchOptions): Promise<ScorerBenchResult> {
  const progress = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-scorer-'));
  const rt = await openRuntime({ ...config, dataDir: dir, simulator: false, kafkaBrokers: [], clickhouseUrl: null, databaseUrl: null }, { logger: o.logger });
  try {
    const t0 = performance.now();
    await command(rt, PRODUCTS_SQL, { categories: CATEGORIES, at: START, n: o.products });
    for (let first = 0; first < o.products; first += ROLLUP_CHUNK) {
      progress(0.5 * (first / o.products), `rollups, products ${first.toLocaleString('en-US')} / ${o.products.toLocaleString('en-US')}`);
      const n = Math.min(ROLLUP_CHUNK, o.products - first);
      await command(rt, ROLLUPS_SQL, { start: START, hours: HOURS, first, n: n * HOURS });
    }
    progress(0.5, 'past scores');
    // Scored through the hour before the first measured one: its instant is START + (HOURS − 2) h.
    const lastScored = START + (HOURS - 3) * H;
    for (let first = 0; first < o.products; first += ROLLUP_CHUNK) {
      await command(rt, HISTORY_SQL, { last: lastScored, first, n: Math.min(ROLLUP_CHUNK, o.products - first), samples: REBUILD_SAMPLES });
    }
    const [c] = await (await rt.clickhouse.client.query({ query: COUNT_SQL, format: 'JSONEachRow' })).json<{ rollups: string; history: string }>();
    const loaded = { rollupRows: Number(c.rollups), historyRows: Number(c.history), seconds: seconds(t0) };
    o.logger.info(loaded, 'scorer bench loaded');

    // Event time as the sink's watermark would have it; the scorer settles what lies before watermark − lateness.
    let watermark = 0;
    const settle = (instant: number) => { watermark = instant + config.allowedLatenessMs; };
    const ch = rt.clickhouse.client;
    const breakouts = new Breakouts({ ch, db: rt.postgres.db, bus: rt.bus, topics: rt.topics, logger: rt.logger });
    const outcomes = new AlertOutcomes({ ch, db: rt.postgres.db, logger: rt.logger, settled: () => watermark - config.allowedLatenessMs });
    let last: { productId: string; at: number }[] = [];
    let stages: Partial<Record<ScorerStage, { wallMs: number; cpuMs: number }>> = {};
    const scorer = new Scorer({
      ch, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: config.scoreWeights,
      intervalMs: config.scoreIntervalMs, allowedLatenessMs: config.allowedLatenessMs, watermark: () => watermark,
      onScored: async (s) => { last.push(...s.map(({ productId, at }) => ({ productId, at }))); await breakouts.observe(s); await outcomes.evaluate(); },
      onRescore: (changedFrom) => outcomes.reopen(changedFrom),
      onStage: (stage, cost) => {
        const s = stages[stage] ??= { wallMs: 0, cpuMs: 0 };
        s.wallMs += cost.wallMs;
        s.cpuMs += cost.cpuMs;
      },
    });
    const timedRound = async (): Promise<ScorerRound> => {
      last = [];
      stages = {};
      const watch = watchMemoryPeak();
      const loop = watchEventLoop();
      const { value: scored, wallMs, cpuMs } = await measured(() => scorer.round());
      const held = loop.stop();
      const peak = watch.stop();
      const seconds = (ms: number) => +(ms / 1000).toFixed(2);
      return {
        seconds: seconds(wallMs), cpuSeconds: seconds(cpuMs), scored, products: new Set(last.map((s) => s.productId)).size,
        stages: Object.fromEntries(Object.entries(stages).map(([k, c]) => [k, { seconds: seconds(c.wallMs), cpuSeconds: seconds(c.cpuMs) }])),
        peak, mainThread: { longestHoldMs: held.maxMs, delayP99Ms: held.p99Ms },
      };
    };

    progress(0.6, 'cold round');
    settle(START + (HOURS - 1) * H);
    const cold = await timedRound();
    progress(0.75, 'full round');
    settle(START + HOURS * H);
    const full = await timedRound();

    progress(0.9, 'incremental round');
    const changed = Math.min(o.changed, o.products);
    const stride = Math.max(1, Math.floor(o.products / Math.max(1, changed)));
    const lateFrom = START + (HOURS - LATE_HOURS_BACK) * H;
    await command(rt, LATE_SQL, { stride, from: lateFrom, n: changed, hours: LATE_HOURS_BACK });
    // What the raw sink reports after a write: each product's earliest event time in it.
    scorer.touch(new Map(Array.from({ length: changed }, (_, i) => [`p-${i * stride}`, lateFrom])));
    const inc = await timedRound();
    progress(1, 'done');
    return { products: o.products, changed, loaded, cold, full, incremental: { ...inc, instants: new Set(last.map((s) => s.at)).size } };
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as text lines, in the style of `trenddrop bench`. */
export function formatScorerBench(r: ScorerBenchResult): string[] {
  const round = (x: ScorerRound) => `${x.seconds} s (CPU ${x.cpuSeconds} s): ${num(x.scored)} scores, ${num(x.products)} products; `
    + `peak MiB: resident ${num(x.peak.rssMiB)}, V8 heap used ${num(x.peak.heapUsedMiB)}, committed ${num(x.peak.heapCommittedMiB)}; `
    + `main thread: longest hold ${num(x.mainThread.longestHoldMs)} ms, delay p99 ${num(x.mainThread.delayP99Ms)} ms`;
  // Each round's stages in the scorer's order, wall (CPU) seconds: where its time went.
  const stages = (x: ScorerRound) => `${label('  by stage, s (CPU s)')}${SCORER_STAGES.filter((k) => x.stages[k]).map((k) => `${k} ${x.stages[k]!.seconds} (${x.stages[k]!.cpuSeconds})`).join(', ')}`;
  return [
    `TrendDrop scorer bench — ${num(r.products)} products (embedded)`,
    `${label('load')}${r.loaded.seconds} s: ${num(r.loaded.rollupRows)} hourly rollup rows, ${num(r.loaded.historyRows)} past scores`,
    `${label('cold round (fresh scorer, one new hour)')}${round(r.cold)}`,
    stages(r.cold),
    `${label('full round (next hour, target ≤ 15 s)')}${round(r.full)}`,
    stages(r.full),
    `${label(`incremental round (${num(r.changed)} products late)`)}${round(r.incremental)} over ${r.incremental.instants} instants`,
    stages(r.incremental),
    '',
  ];
}
