// Breakout detection on a product's velocity series: a robust z-score for sudden surges and a
// one-sided CUSUM on the same z for sustained shifts, with a per-product cooldown so one
// breakout raises one alert. Pure: state in, state and alert out.
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { TREND_SCALES } from './trend.js';

export interface BreakoutConfig {
  /** Velocity samples kept as the baseline. */
  window: number;
  /** Samples needed before any alert. */
  minHistory: number;
  /** Robust z at or above which one sample is a breakout. */
  zThreshold: number;
  /** CUSUM allowance k and decision limit h, in robust-z units. */
  cusumK: number;
  cusumH: number;
  /** No second alert for the same product within this time. */
  cooldownMs: number;
  /** Floor of the robust scale (per hour), so a perfectly flat baseline does not make every wiggle infinite. */
  minScale: number;
}

export const DEFAULT_BREAKOUT: BreakoutConfig = {
  window: 48,
  minHistory: 12,
  zThreshold: 4,
  cusumK: 0.5,
  cusumH: 5,
  cooldownMs: 6 * 3_600_000,
  minScale: TREND_SCALES.velocityPerHour / 4,
};

export interface BreakoutState {
  /** Recent velocities, oldest first. */
  history: number[];
  cusum: number;
  lastAlertAt: number | null;
}

export interface BreakoutAlert {
  kind: 'spike' | 'shift';
  at: number;
  velocity: number;
  /** Robust z of this velocity against the baseline: (v − median) / (1.4826·MAD). */
  z: number;
  cusum: number;
  baselineMedian: number;
  baselineScale: number;
}

export const initialBreakoutState = (): BreakoutState => ({ history: [], cusum: 0, lastAlertAt: null });

/** 1.4826·MAD estimates the standard deviation of normal data while ignoring outliers. */
const MAD_TO_SD = 1.4826;

export function updateBreakout(state: BreakoutState, velocity: number, now: number, config: BreakoutConfig = DEFAULT_BREAKOUT): { state: BreakoutState; alert: BreakoutAlert | null } {
  const history = [...state.history, velocity].slice(-config.window);
  if (state.history.length < config.minHistory) return { state: { ...state, history }, alert: null };

  const baselineMedian = median(state.history);
  const baselineScale = Math.max(MAD_TO_SD * medianAbsoluteDeviation(state.history), config.minScale);
  const z = (velocity - baselineMedian) / baselineScale;
  const cusum = Math.max(0, state.cusum + z - config.cusumK);
  const kind = z >= config.zThreshold ? 'spike' : cusum >= config.cusumH ? 'shift' : null;
  const cooling = state.lastAlertAt !== null && now - state.lastAlertAt < config.cooldownMs;
  if (!kind) return { state: { history, cusum, lastAlertAt: state.lastAlertAt }, alert: null };
  // The CUSUM restarts after a detection, alerted or suppressed, so that it measures the next
  // shift; otherwise a suppressed one would fire the moment the cooldown ends.
  if (cooling) return { state: { history, cusum: 0, lastAlertAt: state.lastAlertAt }, alert: null };
  return { state: { history, cusum: 0, lastAlertAt: now }, alert: { kind, at: now, velocity, z, cusum, baselineMedian, baselineScale } };
}
