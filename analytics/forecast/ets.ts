// Exponential smoothing in innovations form with additive errors (Hyndman, Koehler, Ord &
// Snyder, "Forecasting with Exponential Smoothing", 2008): ETS(A,N,N), ETS(A,Ad,N), ETS(A,N,A)
// and ETS(A,Ad,A). The engine gives it the log of the series, where additive season and trend
// are multiplicative ones on the original scale. Smoothing parameters are fitted from several
// starts (a coarse grid, then Nelder–Mead from the two best points); the initial states are
// fitted too, by least squares: for fixed smoothing parameters the one-step errors are linear
// in the initial state. The form is chosen by AICc, as R's ets() does.
import { nelderMead } from './optimize.js';
import type { FittedModel, ForecastModel } from './types.js';

export interface EtsSpec {
  trend: boolean;
  /** With a trend: false for Holt's linear trend (φ = 1), which the damped forms leave out; damped otherwise. */
  damped?: boolean;
  /** Season length; 1 for none. */
  season: number;
}

export interface EtsParams {
  alpha: number;
  /** Trend smoothing, 0 < beta < alpha (0 without a trend). */
  beta: number;
  /** Seasonal smoothing, 0 < gamma < 1 − alpha (0 without a season). */
  gamma: number;
  /** Damping, 0.8 ≤ phi ≤ 0.98, so long-range forecasts level off instead of running away. */
  phi: number;
}

export interface EtsFit {
  spec: EtsSpec;
  params: EtsParams;
  /** State before the first observation: level, trend, and one seasonal index per position of the cycle. */
  x0: number[];
  sse: number;
  aicc: number;
}

const logistic = (v: number) => 1 / (1 + Math.exp(-v));
const logit = (p: number) => Math.log(p / (1 - p));

/** Optimiser coordinates (unbounded) → admissible parameters. */
function toParams(p: readonly number[], spec: EtsSpec): EtsParams {
  const alpha = 0.0001 + 0.9998 * logistic(p[0]);
  return {
    alpha,
    beta: spec.trend ? alpha * logistic(p[1]) : 0,
    gamma: spec.season > 1 ? (1 - alpha) * logistic(p[2]) : 0,
    phi: spec.trend && spec.damped !== false ? 0.8 + 0.18 * logistic(p[3]) : 1,
  };
}

function fromParams(q: EtsParams): number[] {
  const clamp = (v: number) => Math.min(1 - 1e-6, Math.max(1e-6, v));
  return [
    logit(clamp((q.alpha - 0.0001) / 0.9998)),
    q.beta > 0 ? logit(clamp(q.beta / q.alpha)) : 0,
    q.gamma > 0 ? logit(clamp(q.gamma / (1 - q.alpha))) : 0,
    q.phi < 1 ? logit(clamp((q.phi - 0.8) / 0.18)) : 0,
  ];
}

/**
 * Runs the filter from x0 over y. Returns the final state and the SSE of the one-step errors;
 * `errors`, when given, receives them. Error-correction form:
 * ŷ = ℓ + φb + s, e = y − ŷ, ℓ ← ℓ + φb + αe, b ← φb + βe, s ← s + γe.
 */
function filter(y: readonly number[], spec: EtsSpec, p: EtsParams, x0: readonly number[], errors?: Float64Array): { level: number; trend: number; seasonal: number[]; sse: number } {
  const m = spec.season;
  let level = x0[0];
  let trend = spec.trend ? x0[1] : 0;
  const seasonal = m > 1 ? x0.slice(2, 2 + m) : [0];
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const j = m > 1 ? t % m : 0;
    const e = y[t] - (level + p.phi * trend + seasonal[j]);
    level += p.phi * trend + p.alpha * e;
    trend = p.phi * trend + p.beta * e;
    seasonal[j] += p.gamma * e;
    sse += e * e;
    if (errors) errors[t] = e;
  }
  return { level, trend, seasonal, sse };
}

/** Heuristic start: first-season mean and the change between the first two seasons, and seasonal deviations around that line. */
function heuristicState(y: readonly number[], spec: EtsSpec): number[] {
  const m = spec.season;
  const mean = (a: number, b: number) => { let s = 0; for (let i = a; i < b; i++) s += y[i]; return s / (b - a); };
  if (m > 1) {
    const first = mean(0, m);
    const trend = spec.trend ? (mean(m, 2 * m) - first) / m : 0;
    const seasonal = Array.from({ length: m }, (_, i) => y[i] - (first + trend * (i - (m - 1) / 2)));
    return [first - trend * ((m + 1) / 2), trend, ...seasonal];
  }
  const k = Math.min(y.length, 10);
  const trend = spec.trend && y.length >= 2 ? (y[Math.min(k, y.length) - 1] - y[0]) / Math.max(1, k - 1) : 0;
  return [y[0] - trend, trend];
}

/** Which entries of x0 are free: level, trend when there is one, the seasonal indices when there is a season. */
const freeStates = (spec: EtsSpec) => [0, ...(spec.trend ? [1] : []), ...(spec.season > 1 ? Array.from({ length: spec.season }, (_, i) => 2 + i) : [])];

/**
 * Least-squares initial state for fixed parameters. The one-step errors are e(x0) = e(0) + J·x0,
 * where column j of J is the error path of the filter run on y = 0 from the unit state j; the
 * seasonal indices and the level are collinear (a constant moves between them), so a small
 * ridge picks one of the equivalent solutions. A unit seasonal index j does nothing until time
 * j and then acts as index 0 does from time 0, so its column is the first seasonal column
 * delayed by j: one filter run gives every seasonal column, and their cross-products are
 * lagged products of that one path (m·n work instead of m²·n).
 */
function fitInitialState(y: readonly number[], spec: EtsSpec, p: EtsParams, width: number): number[] {
  const n = y.length;
  const m = spec.season > 1 ? spec.season : 0;
  const zero = new Array<number>(width).fill(0);
  const e0 = new Float64Array(n);
  filter(y, spec, p, zero, e0);
  const zeros = new Array<number>(n).fill(0);
  const path = (j: number) => {
    const unit = zero.slice();
    unit[j] = 1;
    const e = new Float64Array(n);
    filter(zeros, spec, p, unit, e);
    return e;
  };
  // Level (and trend) columns in full; the seasonal ones as delays of c0.
  const plain = [path(0), ...(spec.trend ? [path(1)] : [])];
  const c0 = m ? path(2) : new Float64Array(0);
  const free = freeStates(spec);
  const k = free.length;
  const np = plain.length;
  const a = Array.from({ length: k }, () => new Float64Array(k + 1));
  const dot = (u: Float64Array, v: Float64Array, shift: number) => { let s = 0; for (let t = shift; t < n; t++) s += u[t] * v[t - shift]; return s; };
  for (let i = 0; i < np; i++) {
    for (let j = i; j < np; j++) a[i][j] = a[j][i] = dot(plain[i], plain[j], 0);
    for (let d = 0; d < m; d++) a[i][np + d] = a[np + d][i] = dot(plain[i], c0, d);
    a[i][k] = -dot(plain[i], e0, 0);
  }
  if (m) {
    // lag[d][N] = Σ_{u<N} c0(u)·c0(u+d); seasonal a, b (a ≥ b) cross to lag[a−b][n−a].
    const lag = Array.from({ length: m }, (_, d) => {
      const out = new Float64Array(n - d + 1);
      for (let u = 0; u + d < n; u++) out[u + 1] = out[u] + c0[u] * c0[u + d];
      return out;
    });
    for (let x = 0; x < m; x++) {
      for (let z = 0; z <= x; z++) a[np + x][np + z] = a[np + z][np + x] = lag[x - z][n - x];
      a[np + x][k] = -dot(e0, c0, x);
    }
  }
  let trace = 0;
  for (let i = 0; i < k; i++) trace += a[i][i];
  const ridge = 1e-9 * (trace / k || 1);
  for (let i = 0; i < k; i++) a[i][i] += ridge;
  const sol = solve(a);
  const x0 = zero.slice();
  if (!sol) return x0;
  free.forEach((j, i) => { x0[j] = sol[i]; });
  return x0;
}

/** Gaussian elimination with partial pivoting on an augmented k × (k+1) matrix; null when singular. */
function solve(a: Float64Array[]): number[] | null {
  const k = a.length;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (Math.abs(a[piv][c]) < 1e-300) return null;
    [a[c], a[piv]] = [a[piv], a[c]];
    for (let r = c + 1; r < k; r++) {
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = a[r][k];
    for (let j = r + 1; j < k; j++) s -= a[r][j] * x[j];
    x[r] = s / a[r][r];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** The coarse grid the optimiser starts from: α × β/α × γ/(1−α) × φ, over what the spec has. */
function startGrid(spec: EtsSpec): EtsParams[] {
  const out: EtsParams[] = [];
  for (const alpha of [0.05, 0.2, 0.5, 0.8]) {
    for (const b of spec.trend ? [0.05, 0.3] : [0]) {
      for (const g of spec.season > 1 ? [0.01, 0.1, 0.4] : [0]) {
        for (const phi of spec.trend && spec.damped !== false ? [0.9, 0.98] : [1]) out.push({ alpha, beta: alpha * b, gamma: (1 - alpha) * g, phi });
      }
    }
  }
  return out;
}

/** Fits one ETS form to y. Requires two full seasons for a seasonal form. */
export function fitEtsSpec(y: readonly number[], spec: EtsSpec): EtsFit {
  if (y.length < 3) throw new RangeError('exponential smoothing needs at least three observations');
  if (spec.season > 1 && y.length < 2 * spec.season) throw new RangeError(`a season of ${spec.season} needs ${2 * spec.season} observations`);
  let x0 = heuristicState(y, spec);
  const sseOf = (q: EtsParams, state: readonly number[]) => filter(y, spec, q, state).sse;
  // Several starts: the SSE surface has local minima (a smooth level vs a fast one).
  const grid = startGrid(spec).map((q) => ({ q, sse: sseOf(q, x0) })).sort((a, b) => a.sse - b.sse);
  let best = { x: fromParams(grid[0].q), value: grid[0].sse };
  for (const start of grid.slice(0, 2)) {
    const r = nelderMead((v) => sseOf(toParams(v, spec), x0), fromParams(start.q), { maxIter: 250, step: 0.7 });
    if (r.value < best.value) best = r;
  }
  // Then the initial state by least squares, and the parameters once more from there.
  x0 = fitInitialState(y, spec, toParams(best.x, spec), x0.length);
  best = nelderMead((v) => sseOf(toParams(v, spec), x0), best.x, { maxIter: 150, step: 0.3 });
  const params = toParams(best.x, spec);
  x0 = fitInitialState(y, spec, params, x0.length);
  return withAicc(y, spec, params, x0);
}

/** Point forecasts 1…horizon after running the fitted filter over `history` (which starts where the fit's data started). */
export function etsPoints(history: readonly number[], horizon: number, fit: EtsFit): number[] {
  const s = filter(history, fit.spec, fit.params, fit.x0);
  const m = fit.spec.season;
  const out: number[] = [];
  let phiK = 0;
  for (let k = 1; k <= horizon; k++) {
    phiK += fit.params.phi ** k;
    out.push(s.level + (fit.spec.trend ? phiK * s.trend : 0) + (m > 1 ? s.seasonal[(history.length - 1 + k) % m] : 0));
  }
  return out;
}

/**
 * Longest season ETS models itself. Each seasonal index is an initial state to fit, so the
 * weekly cycle of hourly data (168) costs a 170³ solve per fit and more states than four weeks
 * hold cycles for; STL-ETS and Theta carry it. R's ets() stops at 24; the yearly cycle of weekly
 * data (52) is kept: on weekly US births ETS with it scored 1.00× seasonal naive, without it 2.02×.
 */
export const MAX_ETS_SEASON = 52;

/** What a later fit starts from: the form and the smoothing parameters (the initial state is refitted: it depends on where the data starts). */
export interface EtsWarm { spec: EtsSpec; params: EtsParams }

const isEtsWarm = (w: unknown): w is EtsWarm => typeof w === 'object' && w !== null && 'spec' in w && 'params' in w;

/**
 * A fit from earlier parameters of the same series: the form kept, the initial state by least
 * squares, one short Nelder–Mead run from the earlier parameters with a small simplex, and the
 * state once more. One more hour of data moves the optimum little; the grid and the second form
 * (three quarters of a cold fit) are what is saved.
 */
export function refitEtsSpec(y: readonly number[], warm: EtsWarm): EtsFit {
  const { spec } = warm;
  const width = 2 + (spec.season > 1 ? spec.season : 0);
  let x0 = fitInitialState(y, spec, warm.params, width);
  const sseOf = (q: EtsParams, state: readonly number[]) => filter(y, spec, q, state).sse;
  const best = nelderMead((v) => sseOf(toParams(v, spec), x0), fromParams(warm.params), { maxIter: 60, step: 0.2 });
  const params = toParams(best.x, spec);
  x0 = fitInitialState(y, spec, params, width);
  return withAicc(y, spec, params, x0);
}

function withAicc(y: readonly number[], spec: EtsSpec, params: EtsParams, x0: number[]): EtsFit {
  const sse = filter(y, spec, params, x0).sse;
  const n = y.length;
  // Parameters: α (+ β, φ) (+ γ), and the initial states, of which the seasonal ones sum to a free constant.
  const k = 1 + (spec.trend ? (spec.damped === false ? 1 : 2) : 0) + (spec.season > 1 ? 1 : 0) + freeStates(spec).length - (spec.season > 1 ? 1 : 0);
  const lik = n * Math.log(Math.max(sse, 1e-300) / n);
  const aicc = n - k - 1 > 0 ? lik + 2 * k + (2 * k * (k + 1)) / (n - k - 1) : Infinity;
  return { spec, params, x0, sse, aicc };
}

/**
 * Fits the candidate forms and keeps the lowest AICc; from `warm` (an earlier fit's form and
 * parameters, when its season still applies) only that form, searched near those parameters.
 */
export function fitEts(y: readonly number[], season: number, warm?: unknown): EtsFit {
  const p = Math.floor(season);
  const m = p > 1 && p <= MAX_ETS_SEASON && y.length >= 2 * p ? p : 1;
  if (isEtsWarm(warm) && warm.spec.season === m) return refitEtsSpec(y, warm);
  const fits = [false, true].map((trend) => fitEtsSpec(y, { trend, season: m }));
  return fits.reduce((a, b) => (b.aicc < a.aicc ? b : a));
}

/** The fitted filter, and its form and parameters for a warm start. */
export const etsFitted = (fit: EtsFit): FittedModel => ({
  forecast: (history, horizon) => etsPoints(history, horizon, fit),
  warm: { spec: fit.spec, params: fit.params } satisfies EtsWarm,
});

/** Seasonal ETS on the series (the primary season), form chosen by AICc. */
export const ets: ForecastModel = {
  name: 'ets',
  fit: (train, ctx, warm) => etsFitted(fitEts(train, ctx.periods[0] ?? 1, warm)),
};
