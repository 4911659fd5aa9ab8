// The chosen model's backtest interval coverage over every product of a running app, and how far
// its 95% band reaches at the horizon's end (what a user of the product page sees), from the API:
//   npx tsx scripts/app-coverage.ts http://localhost:3311 [SERIES_JSON]
// Pooled coverage is Σ hits / Σ points over the products' chosen rows, with its 95% margin taking
// each product as a cluster (`coverageFigures`: a product's origins move together); the spread is
// across products. With SERIES_JSON, each product's hourly series (`/timeseries`) is written there
// too, for `npx tsx scripts/series-coverage.ts SERIES_JSON` (the engine alone on the same series).
import { writeFileSync } from 'node:fs';
import { coverageFigures } from '../analytics/forecast/accuracy.js';
import type { ModelBacktest } from '../analytics/forecast/backtest.js';
import type { ForecastPoint } from '../analytics/forecast/types.js';

const [base, save] = process.argv.slice(2);
if (!base) { console.error('usage: npx tsx scripts/app-coverage.ts APP_URL [SERIES_JSON]'); process.exit(2); }
const api = `${base.replace(/\/$/, '')}/api/v1`;
const get = async (path: string) => { const r = await fetch(`${api}${path}`); return r.ok ? r.json() : null; };
const items: { productId: string }[] = [];
for (let cursor = ''; ;) {
  const page = await get(`/products?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  items.push(...page.items);
  if (!page.nextCursor) break;
  cursor = page.nextCursor;
}
const rows: { productId: string; chosen: ModelBacktest; last: ForecastPoint }[] = [];
const series: { id: string; points: unknown[] }[] = [];
for (const { productId } of items) {
  const f = await get(`/products/${productId}/forecast`);
  const chosen = f?.backtest.find((b: ModelBacktest & { chosen?: boolean }) => b.chosen);
  if (chosen) rows.push({ productId, chosen, last: f.points.at(-1) });
  if (save) series.push({ id: productId, points: (await get(`/products/${productId}/timeseries`)).points });
}
if (save) writeFileSync(save, JSON.stringify(series));
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pooled = coverageFigures(rows.map((r) => r.chosen.coverage80 * r.chosen.points), rows.map((r) => r.chosen.coverage95 * r.chosen.points), rows.map((r) => r.chosen.points));
const spread = (key: 'coverage80' | 'coverage95') => [0.1, 0.5, 0.9].map((p) => pct(q(rows.map((r) => r.chosen[key]), p))).join(' / ');
// The band's reach at the last step, on products whose forecast there is at least 100.
const reach = rows.filter((r) => r.last.yhat >= 100).map((r) => r.last.hi95 / r.last.yhat);
console.log(JSON.stringify({
  products: rows.length, points: pooled.points,
  coverage80: `${pct(pooled.coverage80)} ±${pct(pooled.margin80)}`, coverage95: `${pct(pooled.coverage95)} ±${pct(pooled.margin95)}`,
  perProduct80: `p10 / median / p90 ${spread('coverage80')}`, perProduct95: `p10 / median / p90 ${spread('coverage95')}`,
  hi95OverForecastAtHorizon: `median ${q(reach, 0.5).toFixed(2)}, p90 ${q(reach, 0.9).toFixed(1)}, over 10x on ${reach.filter((x) => x > 10).length} of ${reach.length}`,
}, null, 1));
