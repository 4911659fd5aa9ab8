// Writes real public series from the jbrownlee/Datasets repository on GitHub (classic
// forecasting data sets as plain CSVs) in the layouts `trenddrop forecast --evaluate --input FILE`
// reads. Held out: picked in the forecast round of 2 December 2026 (afternoon) and scored only
// once that round's method was fixed, never used to choose between methods.
//   git clone https://github.com/jbrownlee/Datasets /tmp/jb
//   node scripts/public-series.mjs /tmp/jb /tmp/series
// - new-melbourne-temp-daily.csv: daily minimum and maximum temperature, Melbourne 1981–1990
//   (Australian Bureau of Meteorology). The files leave out 31 December of the leap years 1984
//   and 1988, so each series is written on consecutive days from 1981-01-01 (its last 2 days
//   are labelled 2 days early); every value is the recorded one.
// - new-female-births-daily.csv: female births per day, California 1959: one year of history.
// - new-sales-monthly.csv: six monthly series of 9–20 years: car sales (Quebec 1960–1968),
//   champagne sales (1964–1972), armed robberies (Boston 1966–1975), writing paper sales (147
//   months from an unnamed year 1, written from 2001-01), airline passengers (1949–1960) and the
//   mean temperature at Nottingham Castle (1920–1939).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [src, out] = process.argv.slice(2);
if (!src || !out) { console.error('usage: node scripts/public-series.mjs DATASETS_CHECKOUT OUTPUT_DIR'); process.exit(2); }
mkdirSync(out, { recursive: true });
const rows = (name) => readFileSync(join(src, name), 'utf8').trim().split('\n').slice(1).map((l) => l.replaceAll('"', '').split(','));
const write = (name, lines) => { writeFileSync(join(out, name), lines.join('\n') + '\n'); console.log(`${join(out, name)}: ${lines.length - 1} rows`); };
const day = (i) => new Date(Date.UTC(1981, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const month = (y0, m0, i) => new Date(Date.UTC(y0, m0 + i, 1)).toISOString().slice(0, 7);

write('new-melbourne-temp-daily.csv', ['series,date,temp',
  ...rows('daily-min-temperatures.csv').map((r, i) => `min,${day(i)},${r[1]}`),
  ...rows('daily-max-temperatures.csv').map((r, i) => `max,${day(i)},${r[1]}`)]);
write('new-female-births-daily.csv', ['date,births', ...rows('daily-total-female-births.csv').map((r) => `${r[0]},${r[1]}`)]);

const monthly = [];
for (const [series, file] of [['car-sales', 'monthly-car-sales.csv'], ['champagne', 'monthly_champagne_sales.csv'], ['robberies', 'monthly-robberies.csv'], ['airline-passengers', 'airline-passengers.csv'], ['nottingham-temp', 'monthly-mean-temp.csv']]) {
  for (const [m, v] of rows(file)) monthly.push(`${series},${m},${v}`);
}
rows('monthly-writing-paper-sales.csv').forEach(([, v], i) => monthly.push(`writing-paper,${month(2001, 0, i)},${v}`));
write('new-sales-monthly.csv', ['series,month,value', ...monthly]);
