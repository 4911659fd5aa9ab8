// Joins an M4 competition train/test pair (Makridakis et al. 2020; the CSVs of the
// Mcompetitions/M4-methods repository, Dataset/Train and Dataset/Test) into the long
// `series,ts,value` CSV that `trenddrop forecast --evaluate` reads. M4 files carry no dates:
// each series gets consecutive steps from 2000-01-01 (hourly, daily, weekly) or month starts,
// which fixes only the step, not the calendar. Usage:
//   node scripts/m4-long.mjs Hourly-train.csv Hourly-test.csv hour [first N series] > m4-hourly.csv
import { readFileSync } from 'node:fs';

const [train, test, step, limit] = process.argv.slice(2);
const STEP_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };
if (!train || !test || !(step in STEP_MS || step === 'month')) {
  console.error('usage: node scripts/m4-long.mjs TRAIN.csv TEST.csv hour|day|week|month [N] > out.csv');
  process.exit(2);
}
const rows = (file) => readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map((v) => v.replace(/"/g, '')));
const testRows = new Map(rows(test).map((r) => [r[0], r.slice(1)]));
const start = Date.UTC(2000, 0, 1);
const at = (i) => (step === 'month' ? Date.UTC(2000, i, 1) : start + i * STEP_MS[step]);
process.stdout.write('series,ts,value\n');
for (const r of rows(train).slice(0, limit ? Number(limit) : undefined)) {
  const values = [...r.slice(1), ...(testRows.get(r[0]) ?? [])].filter((v) => v !== '' && v !== 'NA');
  process.stdout.write(values.map((v, i) => `${r[0]},${new Date(at(i)).toISOString()},${v}`).join('\n') + '\n');
}
