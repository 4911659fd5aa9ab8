// Breakout detection on a product's momentum series (one sample per step of the series): a
// robust z-score for sudden surges and a one-sided CUSUM on the same z for sustained shifts,
// raised only on real growth, and once per episode. Pure: state in, state and alert out.
import { median, medianAbsoluteDeviation } from 'simple-statistics';

export interface BreakoutConfig {
  /** Samples kept as the baseline. */
  window: number;
  /** Samples needed before any alert. */
  minHistory: number;
  /** Robust z at or above which one sample is a breakout. */
  zThreshold: number;
  /** CUSUM allowance k and decision limit h, in robust-z units; z ≤ k also ends an episode. */
  cusumK: number;
  cusumH: number;
  /** Floor of the robust scale (log growth per hour), so a perfectly flat baseline does not make every wiggle infinite. */
  minScale: number;
}

export const DEFAULT_BREAKOUT: BreakoutConfig = {
  window: 48,
  minHistory: 12,
  zThreshold: 4,
  cusumK: 0.5,
  cusumH: 5,
  minScale: Math.LN2 / 24 / 4,
};

export interface Episode {
  /** Event time of the sample that raised the alert. */
  startedAt: number;
  /** The baseline the episode is measured against, frozen while it lasts. */
  baselineMedian: number;
  baselineScale: number;
}

export interface BreakoutState {
  /** Momentum samples outside episodes, oldest first. */
  history: number[];
  cusum: number;
  /** The breakout under way, if any: no second alert until it ends. */
  episode: Episode | null;
}

export interface BreakoutAlert {
  kind: 'spike' | 'shift';
  at: number;
  /** Momentum (log growth per hour) of the triggering sample: always positive. */
  momentum: number;
  /** Robust z of this momentum against the baseline: (m − median) / max(1.4826·MAD, minScale). */
  z: number;
  cusum: number;
  baselineMedian: number;
  baselineScale: number;
}

export const initialBreakoutState = (): BreakoutState => ({ history: [], cusum: 0, episode: null });

/** 1.4826·MAD estimates the standard deviation of normal data while ignoring outliers. */
const MAD_TO_SD = 1.4826;

/**
 * Feeds one momentum sample taken at event time `at`. An alert needs (1) a spike (z ≥ zThreshold)
 * or a sustained shift (CUSUM ≥ h) above the product's own baseline, and (2) growth now: momentum
 * at least one baseline scale above zero, so a product that only declines less fast never alerts.
 * The alert opens an episode; the baseline freezes until momentum is back within `cusumK` scales
 * of it or stops growing, which ends the episode.
 */
export function updateBreakout(state: BreakoutState, m: number, at: number, config: BreakoutConfig = DEFAULT_BREAKOUT): { state: BreakoutState; alert: BreakoutAlert | null } {
  const push = () => [...state.history, m].slice(-config.window);
  const { episode } = state;
  if (episode) {
    const z = (m - episode.baselineMedian) / episode.baselineScale;
    const over = z <= config.cusumK || m <= 0;
    return { state: over ? { history: push(), cusum: 0, episode: null } : state, alert: null };
  }
  if (state.history.length < config.minHistory) return { state: { ...state, history: push() }, alert: null };

  const baselineMedian = median(state.history);
  const baselineScale = Math.max(MAD_TO_SD * medianAbsoluteDeviation(state.history), config.minScale);
  const z = (m - baselineMedian) / baselineScale;
  const cusum = Math.max(0, state.cusum + z - config.cusumK);
  const kind = z >= config.zThreshold ? 'spike' : cusum >= config.cusumH ? 'shift' : null;
  const growing = m >= baselineScale;
  if (!kind || !growing) return { state: { history: push(), cusum, episode: null }, alert: null };
  return {
    state: { history: state.history, cusum: 0, episode: { startedAt: at, baselineMedian, baselineScale } },
    alert: { kind, at, momentum: m, z, cusum, baselineMedian, baselineScale },
  };
}
