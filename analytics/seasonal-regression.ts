// Removing seasonal cycles from series by least squares, counting the degrees of freedom it
// costs. A short period that the data covers at least three times gets one mean per position in
// the cycle (seasonal dummies: any shape, sharp weekend steps included); a long or non-integer
// period gets a few sine/cosine pairs (harmonic regression, Hyndman & Athanasopoulos, Forecasting:
// Principles and Practice, 3rd ed., §7.4 and §12.1), which describe any smooth cycle, 52.18 weeks
// a year included. Pure.
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';

export const SEASONAL = {
  /** Longest period given one mean per position (an hourly week). */
  maxDummyPeriod: 168,
  /** Cycles the data must cover for per-position means. */
  dummyCycles: 3,
  /** Cycles the data must cover for harmonic terms. */
  harmonicCycles: 2,
  /** Sine/cosine pairs per harmonic period at most. */
  maxHarmonics: 12,
} as const;

/**
 * cos/sin(2πkt/m) columns, k = 1…K, for t = start…start+n−1 and each period m (in buckets). A
 * frequency already present (the 7th harmonic of a week is the first of a day), or `covered`, is
 * not repeated, and at the Nyquist frequency (k/m = ½) only the cosine exists.
 */
export function fourierColumns(start: number, n: number, periods: readonly number[], maxColumns = Infinity, covered: (frequency: number) => boolean = () => false): number[][] {
  let budget = maxColumns;
  const columns: number[][] = [];
  const frequencies: number[] = [];
  for (const m of [...periods].sort((a, b) => a - b)) {
    for (let k = 1; k <= Math.min(Math.floor(m / 2), SEASONAL.maxHarmonics) && budget > 0; k++) {
      const f = k / m;
      if (covered(f) || frequencies.some((g) => Math.abs(g - f) < 1e-9)) continue;
      frequencies.push(f);
      const w = 2 * Math.PI * f;
      columns.push(Array.from({ length: n }, (_, i) => Math.cos(w * (start + i))));
      budget--;
      if (Math.abs(f - 0.5) > 1e-9 && budget > 0) {
        columns.push(Array.from({ length: n }, (_, i) => Math.sin(w * (start + i))));
        budget--;
      }
    }
  }
  return columns;
}

export interface SeasonalFit {
  /** Each series (n long) minus its seasonal fit. */
  residuals(series: readonly (readonly number[])[]): number[][];
  /** Parameters the fit uses (the mean included): the degrees of freedom it costs. */
  parameters: number;
}

const isInteger = (m: number) => Math.abs(m - Math.round(m)) < 1e-9;

/**
 * The seasonal fit for the points t = start…start+n−1 (bucket indices, so that every series
 * on the same grid gets the same positions in the cycle). The longest period eligible for
 * per-position means takes them (a week's means contain the day's); every other period the
 * points cover twice gets harmonic terms, up to `maxShare` of n columns. Without any, the fit is
 * the mean.
 */
export function seasonalFit(start: number, n: number, periods: readonly number[], maxShare = 0.25): SeasonalFit {
  // k cycles of buckets give k·m − 1 changes, which still fill every position k − 1 times or more.
  const dummy = [...periods].filter((m) => isInteger(m) && m >= 2 && m <= SEASONAL.maxDummyPeriod && n >= SEASONAL.dummyCycles * m - 1).sort((a, b) => b - a)[0];
  const slots = dummy ? Math.round(dummy) : 1;
  const harmonic = periods.filter((m) => m >= 2 && n >= SEASONAL.harmonicCycles * m);
  const slotOf = (i: number) => ((((start + i) % slots) + slots) % slots);
  const counts = new Array<number>(slots).fill(0);
  for (let i = 0; i < n; i++) counts[slotOf(i)]++;
  const demean = (x: readonly number[]) => {
    const sums = new Array<number>(slots).fill(0);
    for (let i = 0; i < n; i++) sums[slotOf(i)] += x[i];
    return x.map((v, i) => v - sums[slotOf(i)] / counts[slotOf(i)]);
  };
  const occupied = counts.filter((c) => c > 0).length;
  const budget = Math.max(0, Math.floor(n * maxShare) - occupied);
  // Frequencies that are harmonics of the per-position period are in its means already.
  const columns = fourierColumns(start, n, harmonic, budget, (f) => slots > 1 && isInteger(f * slots)).map(demean);
  const rest = leastSquares(columns, n);
  return {
    parameters: occupied + rest.parameters,
    residuals: (series) => rest.residuals(series.map(demean)),
  };
}

/**
 * Least-squares residuals on the given columns (no intercept), decomposed once (QR) and applied
 * to any number of series; columns that add nothing (zero, or a combination of others) are
 * handled by the pseudo-inverse and not counted as parameters.
 */
export function leastSquares(columns: readonly (readonly number[])[], n: number): SeasonalFit {
  if (columns.length === 0 || n === 0) return { parameters: 0, residuals: (series) => series.map((y) => [...y]) };
  const X = new Matrix(columns.map((c) => [...c])).transpose();
  const qr = n >= X.columns ? new QrDecomposition(X) : null;
  const full = qr !== null && qr.isFullRank() && !hasTinyPivot(qr);
  const svd = full ? null : new SingularValueDecomposition(X, { autoTranspose: true });
  return {
    parameters: svd ? svd.rank : X.columns,
    residuals(series) {
      if (series.length === 0) return [];
      const Y = new Matrix(series.map((y) => [...y])).transpose();
      const fit = X.mmul(svd ? svd.solve(Y) : qr!.solve(Y));
      return series.map((y, j) => y.map((v, i) => v - fit.get(i, j)));
    },
  };
}

/** A column that is (numerically) a combination of the others leaves a near-zero pivot in R. */
function hasTinyPivot(qr: QrDecomposition): boolean {
  const d = qr.upperTriangularMatrix.diagonal().map(Math.abs);
  const largest = Math.max(...d);
  return d.some((v) => v <= largest * 1e-10);
}
