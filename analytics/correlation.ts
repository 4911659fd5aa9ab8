// Correlation between metric series, with lag, sample size and significance. Pure.
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

export interface LaggedCorrelation extends Correlation {
  /** k > 0: x leads y by k buckets (x[t] pairs with y[t + k]); k < 0: y leads x. */
  lag: number;
}

export interface CrossCorrelation {
  lags: LaggedCorrelation[];
  /** The lag with the largest |r|; the smaller |lag| on a tie. */
  best: LaggedCorrelation;
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

/**
 * Correlation of x[t] with y[t + k] for k = −maxLag…maxLag over the overlapping pairs. A peak at
 * k > 0 says x leads y by k buckets (e.g. searches today, orders k buckets later).
 */
export function crossCorrelation(x: readonly number[], y: readonly number[], maxLag: number, method: CorrelationMethod = 'pearson'): CrossCorrelation {
  if (x.length !== y.length) throw new RangeError(`series lengths differ: ${x.length} vs ${y.length}`);
  const lags: LaggedCorrelation[] = [];
  const m = Math.max(0, Math.min(Math.floor(maxLag), x.length - 1));
  for (let k = -m; k <= m; k++) {
    const xs = k >= 0 ? x.slice(0, x.length - k) : x.slice(-k);
    const ys = k >= 0 ? y.slice(k) : y.slice(0, y.length + k);
    lags.push({ lag: k, ...correlate(xs, ys, method) });
  }
  const best = lags.reduce((b, c) => {
    const d = Math.abs(c.r) - Math.abs(b.r);
    return d > 1e-12 || (Math.abs(d) <= 1e-12 && Math.abs(c.lag) < Math.abs(b.lag)) ? c : b;
  });
  return { lags, best };
}
