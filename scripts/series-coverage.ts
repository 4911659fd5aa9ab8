// The forecasting engine alone on the hourly series `scripts/app-coverage.ts` saved from a running
// app (the app's statistical models, 12 origins, h = 24; no MLP, no warm state), for A/B comparisons
// of interval methods on the same data, run before and after a change:
//   npx tsx scripts/series-coverage.ts SERIES_JSON
// Prints the chosen row's backtest coverage pooled over products (Σ hits / Σ points, its margin with
// each product a cluster, as the app's) and its spread across products, how far the 95% band reaches at the horizon's end, and a true hold-out: each
// product forecast from all but its last 24 complete hours, scored on those hours.
import { readFileSync } from 'node:fs';
import { coverageFigures } from '../analytics/forecast/accuracy.js';
import { forecastSeries } from '../analytics/forecast/backtest.js';
import { statisticalModels } from '../analytics/forecast/models.js';
import { seasonsOf } from '../analytics/granularity.js';

const file = process.argv[2];
if (!file) { console.error('usage: npx tsx scripts/series-coverage.ts SERIES_JSON'); process.exit(2); }
const data = JSON.parse(readFileSync(file, 'utf8')) as { id: string; points: { value: number; partial: boolean }[] }[];
const models = statisticalModels('hour');
const run = (y: number[]) => forecastSeries(y, { horizon: 24, periods: seasonsOf(y, 'hour'), models, origins: 12 });
let held = 0, held80 = 0, held95 = 0;
const hits80: number[] = [], hits95: number[] = [], points: number[] = [];
const per80: number[] = [], per95: number[] = [], reach: number[] = [];
const cpu = process.cpuUsage();
for (const d of data) {
  const y = d.points.filter((p) => !p.partial).map((p) => p.value);
  const f = run(y);
  const g = run(y.slice(0, -24));
  if (!f || !g) continue;
  const b = f.backtest.find((r) => r.model === f.model)!;
  points.push(b.points); hits80.push(b.coverage80 * b.points); hits95.push(b.coverage95 * b.points);
  per80.push(b.coverage80); per95.push(b.coverage95);
  const last = f.points.at(-1)!;
  if (last.yhat >= 100) reach.push(last.hi95 / last.yhat);
  g.points.forEach((p, k) => {
    const v = y[y.length - 24 + k];
    held++;
    if (v >= p.lo80 && v <= p.hi80) held80++;
    if (v >= p.lo95 && v <= p.hi95) held95++;
  });
}
const q = (a: number[], p: number) => [...a].sort((x, z) => x - z)[Math.floor(p * (a.length - 1))];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const spread = (a: number[]) => `p10 / median / p90 ${[0.1, 0.5, 0.9].map((p) => pct(q(a, p))).join(' / ')}`;
const used = process.cpuUsage(cpu);
const pooled = coverageFigures(hits80, hits95, points);
console.log(JSON.stringify({
  products: per80.length, points: pooled.points,
  coverage80: `${pct(pooled.coverage80)} ±${pct(pooled.margin80)}`, coverage95: `${pct(pooled.coverage95)} ±${pct(pooled.margin95)}`,
  perProduct80: spread(per80), perProduct95: spread(per95),
  hi95OverForecastAtHorizon: `median ${q(reach, 0.5).toFixed(2)}, p90 ${q(reach, 0.9).toFixed(1)}, over 10x on ${reach.filter((x) => x > 10).length} of ${reach.length}`,
  holdout: { points: held, coverage80: pct(held80 / held), coverage95: pct(held95 / held) },
  cpuSeconds: +((used.user + used.system) / 1e6).toFixed(1),
}, null, 1));
