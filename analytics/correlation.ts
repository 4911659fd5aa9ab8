// Correlation of two samples, with sample size and significance. Pure. (For time series, see
// lead-lag.ts: their pairs are not independent.)
import { sampleCorrelation, sampleRankCorrelation } from 'simple-statistics';
import { studentTCdf } from './stats.js';

export type CorrelationMethod = 'pearson' | 'spearman';

export interface Correlation {
  /** −1…1; 0 when undefined (fewer than 3 pairs, or a constant series). */
  r: number;
  /** Pairs used. */
  n: number;
  /** Two-sided p-value of H0: no correlation (t-test on r, n − 2 df); 1 when undefined. */
  pValue: number;
}

/** Two-sided p-value of a sample correlation r from n pairs: t = r·√((n−2)/(1−r²)), df = n − 2. */
export function correlationPValue(r: number, n: number): number {
  if (n < 3 || !Number.isFinite(r)) return 1;
  if (Math.abs(r) >= 1) return 0;
  const df = n - 2;
  const t = Math.abs(r) * Math.sqrt(df / (1 - r * r));
  return Math.min(1, 2 * (1 - studentTCdf(t, df)));
}

export function correlate(x: readonly number[], y: readonly number[], method: CorrelationMethod = 'pearson'): Correlation {
  if (x.length !== y.length) throw new RangeError(`series lengths differ: ${x.length} vs ${y.length}`);
  const n = x.length;
  if (n < 3) return { r: 0, n, pValue: 1 };
  const raw = (method === 'pearson' ? sampleCorrelation : sampleRankCorrelation)(x as number[], y as number[]);
  // NaN means a constant series: correlation is undefined, which carries no evidence either way.
  if (!Number.isFinite(raw)) return { r: 0, n, pValue: 1 };
  // Rounding can overshoot ±1 on perfectly linear data.
  const r = Math.max(-1, Math.min(1, raw));
  return { r, n, pValue: correlationPValue(r, n) };
}

/** First differences: what to correlate when both series trend, so a shared trend is not read as a link. */
export function difference(x: readonly number[]): number[] {
  return x.slice(1).map((v, i) => v - x[i]);
}
