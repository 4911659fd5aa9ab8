// What the backtest vouches for: the changes, step by step, it has seen a forecast make or the
// series make after an origin. The refit on the whole series (backtest.ts) sees points no
// backtest origin did; where the last few of them jump, a local-trend model's refit sets its
// smoothing parameters and states on the jump (a trend of +0.3 per hour on the log scale, damped
// by φ = 0.98, adds ~6 over 24 steps: ×400) and a seasonal index absorbs it (the hour the jump
// began comes back a day later ×4.5). Such a path was never tested: the backtest fits forecast
// from origins before the jump, and the refit's path is unlike any of theirs. So a refit is used
// only if its change from the last value stays, at every step, inside the span of changes that
// the backtest's forecasts or the series itself (before the jump) made in that many steps,
// widened by a usual backtest miss there: a forecast kept within limits the data supports
// (Hyndman & Athanasopoulos, FPP3 §13.3), here limits the backtest and the history measured.

/** Per step k (0-based), the lowest and highest change from a last value that the backtest's forecasts or the series made. */
export interface Envelope { lo: number[]; hi: number[] }

/**
 * Per step k, the span of the changes path[k] − z[o − 1] the backtest's forecasts made over the
 * origins o (`paths[c][i]`: candidate c's forecast from origins[i]; the paths whose errors the
 * backtest measured), and of the series' own k-step changes z[t + k] − z[t − 1] before its last
 * `horizon` points, on the engine's scale. The series' changes hold its season (from a night-time
 * zero the morning is a large rise, which the dozen origins' forecasts need not show: without
 * them the guard rejected ordinary refits of hourly flights that ended at night, relative MASE
 * 0.811 → 0.884). Not its last `horizon` points: the jump a refit extrapolates is made of them,
 * and would vouch for itself.
 *
 * Only changes that start at the phase of the primary `season` the series ends at (o − 1 and
 * t − 1 ≡ n − 1 mod season): a change k steps on depends on where in the season it starts, and
 * a rise the season makes from another phase (a trough-to-peak ramp ×10 in a day) is no evidence
 * for a rise from this one. Mixing phases let through a refit whose seasonal index had absorbed
 * a jump (the app's sim-42-0113: ETS ×12 at the jump's hour a day later, inside the series' own
 * day-long ramps; `forecast-guard.test.ts` rebuilds the shape). Changes from the same phase are
 * those of the seasonally differenced series, where a season cancels (Box & Jenkins' seasonal
 * difference; FPP3 §9.5): what remains is the level's change, which is what a refit's path must
 * not exceed.
 */
export function backtestEnvelope(z: readonly number[], origins: readonly number[], paths: readonly (readonly (readonly number[])[])[], horizon: number, season = 1): Envelope {
  const lo = new Array<number>(horizon).fill(Infinity);
  const hi = new Array<number>(horizon).fill(-Infinity);
  const see = (k: number, v: number) => { if (Number.isFinite(v)) { lo[k] = Math.min(lo[k], v); hi[k] = Math.max(hi[k], v); } };
  const m = Math.max(1, Math.round(season));
  const phase = (t: number) => (((z.length - t) % m) + m) % m === 0;
  origins.forEach((o, i) => {
    if (!phase(o)) return;
    const last = z[o - 1];
    for (let k = 0; k < horizon; k++) for (const p of paths) see(k, p[i][k] - last);
  });
  const end = z.length - horizon;
  for (let t = 1; t < end; t++) if (phase(t)) for (let k = 0; k < horizon && t + k < end; k++) see(k, z[t + k] - z[t - 1]);
  return { lo, hi };
}

/** Whether every step of `path` (after a series ending at `last`) changes from it no more than the envelope allows. */
export function withinEnvelope(path: readonly number[], last: number, env: Envelope): boolean {
  return envelopeExcess(path, last, env) === 0;
}

/** How far `path` lies outside the envelope at its worst step (0 inside it): which of several rejected paths the backtest comes nearest to vouching for. */
export function envelopeExcess(path: readonly number[], last: number, env: Envelope): number {
  // A step no forecast reached (lo > hi) is not constrained; a NaN step is outside (NaN).
  let worst = 0;
  path.forEach((v, k) => { if (k < env.lo.length && env.lo[k] <= env.hi[k]) worst = Math.max(worst, env.lo[k] - (v - last), v - last - env.hi[k]); });
  return worst;
}

/** `path` with each step's change from `last` clamped into the envelope. */
export function clampToEnvelope(path: readonly number[], last: number, env: Envelope): number[] {
  return path.map((v, k) => (k >= env.lo.length || env.lo[k] > env.hi[k] ? v : last + Math.min(env.hi[k], Math.max(env.lo[k], v - last))));
}

/** The envelope widened at each step k (0-based) by `by(k)`: the error the backtest allows a forecast at that step. */
export function widenEnvelope(env: Envelope, by: (k: number) => number): Envelope {
  return { lo: env.lo.map((v, k) => v - by(k)), hi: env.hi.map((v, k) => v + by(k)) };
}
