// Writes held-out monthly series from R's `datasets` package, as CSVs in the vincentarelbundock/
// Rdatasets repository on GitHub (csv/datasets/), in the long layout `trenddrop forecast
// --evaluate --input FILE` reads. Held out: picked in the forecast round of 2 December 2026
// (evening) and scored only once that round's method was fixed, never used to choose between methods.
//   git clone https://github.com/vincentarelbundock/Rdatasets /tmp/rd
//   node scripts/rdatasets-series.mjs /tmp/rd /tmp/series
// - heldout-uk-monthly.csv: seven monthly series: from `Seatbelts` (Great Britain, 1969–1984)
//   drivers killed, front- and rear-seat casualties, distance driven (kms) and van drivers
//   killed; `USAccDeaths` (US accidental deaths 1973–1978); `ldeaths` (UK deaths from lung
//   diseases 1974–1979). The seat-belt law of 31 January 1983 falls in Seatbelts' last two years.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [src, out] = process.argv.slice(2);
if (!src || !out) { console.error('usage: node scripts/rdatasets-series.mjs RDATASETS_CHECKOUT OUTPUT_DIR'); process.exit(2); }
mkdirSync(out, { recursive: true });
const rows = (name) => readFileSync(join(src, 'csv/datasets', name), 'utf8').trim().split('\n').slice(1).map((l) => l.replaceAll('"', '').split(','));
const month = (y0, i) => new Date(Date.UTC(y0, i, 1)).toISOString().slice(0, 7);

const lines = ['series,date,value'];
const seatbelts = rows('Seatbelts.csv');
// Columns of Seatbelts.csv: rownames, DriversKilled, drivers, front, rear, kms, PetrolPrice, VanKilled, law.
for (const [name, col] of Object.entries({ DriversKilled: 1, front: 3, rear: 4, kms: 5, VanKilled: 7 })) {
  seatbelts.forEach((r, i) => lines.push(`${name},${month(1969, i)},${r[col]}`));
}
// rownames, time, value
rows('USAccDeaths.csv').forEach((r, i) => lines.push(`USAccDeaths,${month(1973, i)},${r[2]}`));
rows('ldeaths.csv').forEach((r, i) => lines.push(`ldeaths,${month(1974, i)},${r[2]}`));
writeFileSync(join(out, 'heldout-uk-monthly.csv'), lines.join('\n') + '\n');
console.log(`${join(out, 'heldout-uk-monthly.csv')}: ${lines.length - 1} rows`);
