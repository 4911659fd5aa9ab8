// CPU of the forecasting engine alone per hourly forecast, for A/B comparisons of engine changes
// (the whole `trenddrop bench --phases forecast` includes the store and is too noisy on a shared
// machine for changes of a millisecond or two). On the last 28 days of the 30 flights-hourly
// series written by `node scripts/real-series.mjs DIR` (real data): seasons tested, every
// statistical model backtested (12 origins, h = 24), chosen, refitted, intervals calibrated,
// cold on 672 hours, then warm on one more hour from the cold fit's state. Second pass timed.
//   npx tsx scripts/forecast-engine-cpu.ts DIR/flights-hourly.csv
import { readFileSync } from 'node:fs';
import { forecastSeries } from '../analytics/forecast/backtest.js';
import { statisticalModels } from '../analytics/forecast/models.js';
import { seasonsOf } from '../analytics/granularity.js';

const file = process.argv[2];
if (!file) { console.error('usage: npx tsx scripts/forecast-engine-cpu.ts FLIGHTS_HOURLY_CSV'); process.exit(2); }
const bySeries = new Map<string, number[]>();
for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
  const [name, , v] = line.split(',');
  bySeries.set(name, [...(bySeries.get(name) ?? []), Number(v)]);
}
const series = [...bySeries.values()].map((y) => y.slice(-673));
const models = statisticalModels('hour');
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let cold = 0;
let warm = 0;
for (let pass = 0; pass < 2; pass++) {
  for (const y of series) {
    const a = cpuMs();
    const periods = seasonsOf(y.slice(0, 672), 'hour');
    const f = forecastSeries(y.slice(0, 672), { horizon: 24, periods, models })!;
    const b = cpuMs();
    forecastSeries(y, { horizon: 24, periods, models, warm: f.warm });
    const c = cpuMs();
    if (pass) { cold += b - a; warm += c - b; }
  }
}
console.log(JSON.stringify({ series: series.length, coldMsPerForecast: +(cold / series.length).toFixed(1), warmMsPerForecast: +(warm / series.length).toFixed(1) }));
