// Writes real hourly series from three public GitHub repositories, in the long layout
// `trenddrop forecast --evaluate --input FILE` reads: more hourly evidence than vega-datasets
// holds (flights, one user's commits, temperature normals). Each source is cut into half-years
// (26 weeks, 4,368 hours), one series each, so every evaluation window has that much history
// before it, as the flights' have. Held out: picked at the start of the forecast round of
// 3 December 2026 and scored only once that round's method was fixed, never used to choose.
//   git clone https://github.com/winedarksea/AutoTS /tmp/autots
//   git clone https://github.com/zdvi/BikeSharing /tmp/bike
//   git clone https://github.com/KaniamLaes/EnergyConsumption /tmp/pjm
//   node scripts/hourly-series.mjs /tmp/autots /tmp/bike /tmp/pjm /tmp/series
// - traffic-hourly.csv: westbound traffic volume per hour on Interstate 94 at Minneapolis–St Paul
//   (Minnesota DoT station 301, the UCI "Metro Interstate Traffic Volume" data set as AutoTS
//   ships it in autots/datasets/data/traffic_hourly.zip), October 2016 – September 2018, no gaps:
//   commuter peaks, weekly rhythm, holidays.
// - bike-hourly.csv: Capital Bikeshare rentals per hour, Washington DC 2011–2012 (UCI "Bike
//   Sharing Dataset" hour.csv), casual and registered riders apart (a leisure and a commuter
//   profile). The file leaves out 165 of the 17,544 hours: those without a rental (and a few
//   outages, e.g. hurricane Sandy on 29–30 October 2012), written as 0.
// - heldout-electricity-hourly.csv: PJM East hourly load in MW (the Kaggle "PJM hourly energy
//   consumption" PJME_hourly.csv, local time), August 2016 – July 2018. The hour the file repeats
//   when summer time ends (2 of them here) is averaged; the hour it skips when summer time starts
//   (2) is the mean of its neighbours.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [autots, bike, pjm, out] = process.argv.slice(2);
if (!out) { console.error('usage: node scripts/hourly-series.mjs AUTOTS_CHECKOUT BIKESHARING_CHECKOUT ENERGYCONSUMPTION_CHECKOUT OUTPUT_DIR'); process.exit(2); }
mkdirSync(out, { recursive: true });
const HOUR = 3600e3;
const HALF_YEAR = 26 * 7 * 24;
const write = (name, lines) => { writeFileSync(join(out, name), lines.join('\n') + '\n'); console.log(`${join(out, name)}: ${lines.length - 1} rows`); };
const iso = (t) => `${new Date(t).toISOString().slice(0, 19)}Z`;

/** Rows `series,ts,value` for consecutive half-years of hourly values from `start`, named `name-<first day>`; a trailing part is left out. */
function halfYears(name, start, values) {
  const rows = [];
  for (let i = 0; i + HALF_YEAR <= values.length; i += HALF_YEAR) {
    const label = `${name}-${iso(start + i * HOUR).slice(0, 10)}`;
    for (let k = i; k < i + HALF_YEAR; k++) rows.push(`${label},${iso(start + k * HOUR)},${values[k]}`);
  }
  return rows;
}

/** Hourly values from `first` to `last` (ms): the mean of the readings of each hour, a missing hour the mean of its neighbours, or `fill` when given. */
function hourly(readings, first, last, fill) {
  const sums = new Map();
  for (const [t, v] of readings) { const s = sums.get(t) ?? [0, 0]; s[0] += v; s[1]++; sums.set(t, s); }
  const values = [];
  for (let t = first; t <= last; t += HOUR) { const s = sums.get(t); values.push(s ? s[0] / s[1] : fill ?? Number.NaN); }
  values.forEach((v, i) => { if (Number.isNaN(v)) values[i] = (values[i - 1] + values[i + 1]) / 2; });
  if (values.some((v) => !Number.isFinite(v))) throw new Error('two missing hours in a row');
  return values;
}

// The zip holds one CSV (its entry is named like the zip): datetime,clouds_all,rain_1h,snow_1h,temp,traffic_volume,weather_main.
const traffic = execFileSync('unzip', ['-p', join(autots, 'autots/datasets/data/traffic_hourly.zip')], { encoding: 'utf8', maxBuffer: 1 << 26 })
  .trim().split('\n').slice(1).map((l) => l.split(',')).map((r) => [Date.parse(`${r[0].replace(' ', 'T')}Z`), Number(r[5])]);
write('traffic-hourly.csv', ['series,ts,value', ...halfYears('i94', traffic[0][0], hourly(traffic, traffic[0][0], traffic.at(-1)[0]))]);

// hour.csv: instant,dteday (DD/MM/YY),season,yr,mnth,hr,…,casual,registered,cnt.
const rentals = readFileSync(join(bike, 'hour.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
  .map((r) => { const [d, m, y] = r[1].split('/'); return { t: Date.UTC(2000 + Number(y), Number(m) - 1, Number(d), Number(r[5])), casual: Number(r[14]), registered: Number(r[15]) }; });
const b0 = Date.UTC(2011, 0, 1);
const b1 = Date.UTC(2012, 11, 31, 23);
write('bike-hourly.csv', ['series,ts,value',
  ...halfYears('casual', b0, hourly(rentals.map((r) => [r.t, r.casual]), b0, b1, 0)),
  ...halfYears('registered', b0, hourly(rentals.map((r) => [r.t, r.registered]), b0, b1, 0))]);

// PJME_hourly.csv: Datetime (DD-MM-YYYY HH:MM, local time),PJME_MW; not in time order.
const load = readFileSync(join(pjm, 'PJME_hourly.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
  .map(([d, v]) => { const [date, time] = d.split(' '); const [dd, mm, yyyy] = date.split('-'); return [Date.parse(`${yyyy}-${mm}-${dd}T${time}:00Z`), Number(v)]; });
const e0 = Date.UTC(2016, 7, 1);
write('heldout-electricity-hourly.csv', ['series,ts,value', ...halfYears('pjme', e0, hourly(load, e0, e0 + 4 * HALF_YEAR * HOUR - HOUR))]);
