// Seasonal-trend decomposition by loess: STL (Cleveland, Cleveland, McRae & Terpenning, 1990,
// "STL: A Seasonal-Trend Decomposition Procedure Based on Loess", J. Official Statistics 6(1))
// and MSTL for several periods (Bandara, Hyndman & Bergmeir, 2021, arXiv:2107.13462). Follows
// the published Fortran (netlib stl) step for step, with R's stl()/mstl() defaults. Pure.

export interface StlOptions {
  /** Seasonal smoother span (odd, ≥ 7), or 'periodic' for a seasonal pattern that never changes. */
  seasonalWindow?: number | 'periodic';
  /** Trend smoother span (odd); default the smallest odd ≥ 1.5·period / (1 − 1.5 / seasonalWindow). */
  trendWindow?: number;
  /** Inner-loop passes (default 2, 1 when robust). */
  inner?: number;
  /** Robustness passes that down-weight outliers (default 0; 15 when `robust`). */
  outer?: number;
  robust?: boolean;
}

export interface Decomposition {
  trend: number[];
  /** One component per period, in the order of the periods. */
  seasonal: number[][];
  remainder: number[];
}

const nextOdd = (x: number) => { const v = Math.round(x); return v % 2 === 0 ? v + 1 : v; };

/**
 * Local regression of degree 0 or 1 at abscissa `xs` (1-based, as in the Fortran) from the points
 * nleft…nright with tricube weights over half-width h (widened when the span exceeds n); `rw`
 * multiplies in robustness weights. Returns NaN when every weight is zero.
 */
function est(y: Float64Array, n: number, len: number, degree: number, xs: number, nleft: number, nright: number, w: Float64Array, rw: Float64Array | null): number {
  const range = n - 1;
  let h = Math.max(xs - nleft, nright - xs);
  if (len > n) h += Math.floor((len - n) / 2);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  let a = 0;
  for (let j = nleft; j <= nright; j++) {
    w[j - 1] = 0;
    const r = Math.abs(j - xs);
    if (r <= h9) {
      if (r <= h1) w[j - 1] = 1;
      else { const q = r / h; const c = 1 - q * q * q; w[j - 1] = c * c * c; }
      if (rw) w[j - 1] *= rw[j - 1];
      a += w[j - 1];
    }
  }
  if (a <= 0) return Number.NaN;
  for (let j = nleft; j <= nright; j++) w[j - 1] /= a;
  if (h > 0 && degree > 0) {
    a = 0;
    for (let j = nleft; j <= nright; j++) a += w[j - 1] * j;
    let b = xs - a;
    let c = 0;
    for (let j = nleft; j <= nright; j++) c += w[j - 1] * (j - a) * (j - a);
    if (Math.sqrt(c) > 0.001 * range) {
      b /= c;
      for (let j = nleft; j <= nright; j++) w[j - 1] *= b * (j - a) + 1;
    }
  }
  let ys = 0;
  for (let j = nleft; j <= nright; j++) ys += w[j - 1] * y[j - 1];
  return ys;
}

/** Loess smooth of y (span `len`) evaluated every `jump` points and linearly interpolated between. */
function ess(y: Float64Array, n: number, len: number, degree: number, jump: number, rw: Float64Array | null, ys: Float64Array, offset: number, w: Float64Array): void {
  if (n < 2) { if (n === 1) ys[offset] = y[0]; return; }
  const newjump = Math.min(jump, n - 1);
  let nleft = 1;
  let nright = n;
  const fit = (i: number) => {
    const v = est(y, n, len, degree, i, nleft, nright, w, rw);
    ys[offset + i - 1] = Number.isNaN(v) ? y[i - 1] : v;
  };
  if (len >= n) {
    for (let i = 1; i <= n; i += newjump) fit(i);
  } else if (newjump === 1) {
    const nsh = (len + 1) >> 1;
    nleft = 1;
    nright = len;
    for (let i = 1; i <= n; i++) {
      if (i > nsh && nright !== n) { nleft++; nright++; }
      fit(i);
    }
  } else {
    const nsh = (len + 1) >> 1;
    for (let i = 1; i <= n; i += newjump) {
      if (i < nsh) { nleft = 1; nright = len; }
      else if (i >= n - nsh + 1) { nleft = n - len + 1; nright = n; }
      else { nleft = i - nsh + 1; nright = len + i - nsh; }
      fit(i);
    }
  }
  if (newjump === 1) return;
  let i = 1;
  for (; i <= n - newjump; i += newjump) {
    const delta = (ys[offset + i + newjump - 1] - ys[offset + i - 1]) / newjump;
    for (let j = i + 1; j < i + newjump; j++) ys[offset + j - 1] = ys[offset + i - 1] + delta * (j - i);
  }
  const k = i;
  if (k !== n) {
    const v = est(y, n, len, degree, n, Math.max(1, n - len + 1), n, w, rw);
    ys[offset + n - 1] = Number.isNaN(v) ? y[n - 1] : v;
    if (k !== n - 1) {
      const delta = (ys[offset + n - 1] - ys[offset + k - 1]) / (n - k);
      for (let j = k + 1; j < n; j++) ys[offset + j - 1] = ys[offset + k - 1] + delta * (j - k);
    }
  }
}

/** Moving average of length `len` (output n − len + 1 values). */
function movingAverage(x: Float64Array, n: number, len: number): Float64Array {
  const out = new Float64Array(n - len + 1);
  let v = 0;
  for (let i = 0; i < len; i++) v += x[i];
  out[0] = v / len;
  for (let j = 1; j < out.length; j++) { v += x[j + len - 1] - x[j - 1]; out[j] = v / len; }
  return out;
}

interface Spans { ns: number; nt: number; nl: number; isdeg: number; itdeg: number; ildeg: number; nsjump: number; ntjump: number; nljump: number }

/** One inner loop pass set of STL: returns seasonal and trend (trend is updated in place). */
function stlInner(y: Float64Array, np: number, sp: Spans, inner: number, rw: Float64Array | null, season: Float64Array, trend: Float64Array): void {
  const n = y.length;
  const work1 = new Float64Array(n);
  const cycle = new Float64Array(n + 2 * np);
  const w = new Float64Array(Math.max(n + 2 * np, sp.ns, sp.nt, sp.nl) + 2);
  const sub = new Float64Array(Math.ceil(n / np) + 2);
  const subFit = new Float64Array(Math.ceil(n / np) + 2);
  const subRw = new Float64Array(Math.ceil(n / np) + 2);
  for (let pass = 0; pass < inner; pass++) {
    for (let i = 0; i < n; i++) work1[i] = y[i] - trend[i];
    // Cycle-subseries smoothing, each extended by one point at either end.
    for (let j = 0; j < np; j++) {
      const k = Math.floor((n - j - 1) / np) + 1;
      for (let i = 0; i < k; i++) { sub[i] = work1[i * np + j]; if (rw) subRw[i] = rw[i * np + j]; }
      const r = rw ? subRw : null;
      ess(sub, k, sp.ns, sp.isdeg, sp.nsjump, r, subFit, 1, w);
      const left = est(sub, k, sp.ns, sp.isdeg, 0, 1, Math.min(sp.ns, k), w, r);
      subFit[0] = Number.isNaN(left) ? subFit[1] : left;
      const right = est(sub, k, sp.ns, sp.isdeg, k + 1, Math.max(1, k - sp.ns + 1), k, w, r);
      subFit[k + 1] = Number.isNaN(right) ? subFit[k] : right;
      for (let m = 0; m < k + 2; m++) cycle[m * np + j] = subFit[m];
    }
    // Low-pass filter of the cycle-subseries: MA(np), MA(np), MA(3), then loess.
    const ma1 = movingAverage(cycle, n + 2 * np, np);
    const ma2 = movingAverage(ma1, ma1.length, np);
    const ma3 = movingAverage(ma2, ma2.length, 3);
    const low = new Float64Array(n);
    ess(ma3, n, sp.nl, sp.ildeg, sp.nljump, null, low, 0, w);
    for (let i = 0; i < n; i++) season[i] = cycle[np + i] - low[i];
    for (let i = 0; i < n; i++) work1[i] = y[i] - season[i];
    ess(work1, n, sp.nt, sp.itdeg, sp.ntjump, rw, trend, 0, w);
  }
}

/** Bisquare robustness weights from the remainder: 6·median|r| is the cut-off. */
function robustnessWeights(y: Float64Array, fit: Float64Array): Float64Array {
  const n = y.length;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.abs(y[i] - fit[i]);
  const sorted = Float64Array.from(r).sort();
  const mid = (n - 1) / 2;
  const cmad = 3 * (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]);
  const c9 = 0.999 * cmad;
  const c1 = 0.001 * cmad;
  const rw = new Float64Array(n);
  for (let i = 0; i < n; i++) rw[i] = r[i] <= c1 ? 1 : r[i] <= c9 ? (1 - (r[i] / cmad) ** 2) ** 2 : 0;
  return rw;
}

/**
 * STL of y with one period (≥ 2; at least two full periods of data). Defaults follow R's stl():
 * seasonal and low-pass loess of degree 0 and 1, trend of degree 1, low-pass span = the
 * smallest odd ≥ period, jumps of a tenth of each span.
 */
export function stl(y: readonly number[], period: number, opts: StlOptions = {}): { trend: number[]; seasonal: number[]; remainder: number[] } {
  const n = y.length;
  const np = Math.floor(period);
  if (np < 2) throw new RangeError(`STL needs a period of at least 2, got ${period}`);
  if (n < 2 * np) throw new RangeError(`STL needs at least two periods (${2 * np} points), got ${n}`);
  if (y.some((v) => !Number.isFinite(v))) throw new RangeError('STL needs finite values');
  const periodic = opts.seasonalWindow === 'periodic' || opts.seasonalWindow === undefined;
  const ns = periodic ? 10 * n + 1 : Math.max(3, nextOdd(opts.seasonalWindow as number));
  const nt = opts.trendWindow ? Math.max(3, nextOdd(opts.trendWindow)) : Math.max(3, nextOdd(Math.ceil((1.5 * np) / (1 - 1.5 / ns))));
  const nl = Math.max(3, nextOdd(np));
  const sp: Spans = {
    ns, nt, nl, isdeg: 0, itdeg: 1, ildeg: 1,
    nsjump: Math.ceil(ns / 10), ntjump: Math.ceil(nt / 10), nljump: Math.ceil(nl / 10),
  };
  const robust = opts.robust ?? false;
  const inner = opts.inner ?? (robust ? 1 : 2);
  const outer = opts.outer ?? (robust ? 15 : 0);
  const season = new Float64Array(n);
  const trend = new Float64Array(n);
  // One array type through the hot loops keeps them monomorphic (several times faster).
  const yf = Float64Array.from(y);
  let rw: Float64Array | null = null;
  for (let k = 0; ; k++) {
    stlInner(yf, np, sp, inner, rw, season, trend);
    if (k >= outer) break;
    const fit = new Float64Array(n);
    for (let i = 0; i < n; i++) fit[i] = trend[i] + season[i];
    rw = robustnessWeights(yf, fit);
  }
  let seasonal = Array.from(season);
  if (periodic) {
    // A periodic season is the mean of each position of the cycle (as R's stl does).
    const sums = new Float64Array(np);
    const counts = new Float64Array(np);
    for (let i = 0; i < n; i++) { sums[i % np] += seasonal[i]; counts[i % np]++; }
    seasonal = seasonal.map((_, i) => sums[i % np] / counts[i % np]);
  }
  const tr = Array.from(trend);
  return { trend: tr, seasonal, remainder: y.map((v, i) => v - tr[i] - seasonal[i]) };
}

/**
 * MSTL: the periods in increasing order, each seasonal component re-estimated by STL on the
 * series less the other components, `iterations` times (two, as R's mstl). Seasonal windows
 * default to 7, 11, … (R's are 11, 15, …): a more adaptive season, which forecast better in our
 * evaluation (docs/analytics.md). Periods without two full cycles of data are dropped by the caller.
 */
export function mstl(y: readonly number[], periods: readonly number[], { iterations = 2, seasonalWindows }: { iterations?: number; seasonalWindows?: (number | 'periodic')[] } = {}): Decomposition {
  const order = periods.map((p, i) => ({ p: Math.floor(p), i })).sort((a, b) => a.p - b.p);
  const seasonal: number[][] = periods.map(() => new Array<number>(y.length).fill(0));
  if (!order.length) {
    // No season: the trend is a loess of span ~ 0.75·n as in R's mstl() for non-seasonal data.
    const trend = stlTrendOnly(y);
    return { trend, seasonal, remainder: y.map((v, i) => v - trend[i]) };
  }
  let deseason = y.slice();
  let trend: number[] = [];
  const rounds = order.length === 1 ? 1 : iterations;
  for (let it = 0; it < rounds; it++) {
    order.forEach(({ p, i }, rank) => {
      const input = deseason.map((v, t) => v + seasonal[i][t]);
      const fit = stl(input, p, { seasonalWindow: seasonalWindows?.[i] ?? 7 + 4 * rank });
      seasonal[i] = fit.seasonal;
      trend = fit.trend;
      deseason = input.map((v, t) => v - fit.seasonal[t]);
    });
  }
  return { trend, seasonal, remainder: deseason.map((v, t) => v - trend[t]) };
}

function stlTrendOnly(y: readonly number[]): number[] {
  const n = y.length;
  if (n < 3) return y.slice();
  const span = Math.max(3, nextOdd(0.75 * n));
  const out = new Float64Array(n);
  ess(Float64Array.from(y), n, span, 1, Math.ceil(span / 10), null, out, 0, new Float64Array(n + span + 2));
  return Array.from(out);
}

/**
 * Strength of each seasonal component, max(0, 1 − Var(R) / Var(S_i + R)) (Wang, Smith & Hyndman,
 * 2006, "Characteristic-based clustering for time series data", Data Min. Knowl. Disc. 13), and
 * of the trend, max(0, 1 − Var(R) / Var(T + R)).
 */
export function componentStrengths(d: Decomposition): { trend: number; seasonal: number[] } {
  const vr = variance(d.remainder);
  const strength = (c: readonly number[]) => {
    const v = variance(c.map((x, i) => x + d.remainder[i]));
    return v > 0 ? Math.max(0, 1 - vr / v) : 0;
  };
  return { trend: strength(d.trend), seasonal: d.seasonal.map(strength) };
}

function variance(x: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return s / (n - 1);
}
