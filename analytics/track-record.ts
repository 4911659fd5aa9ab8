// The track record of breakout alerts: was each one followed by the growth it announced, how
// often would that have happened anyway, and how early did it come. Pure: outcomes in, figures out.
import { median } from 'simple-statistics';

/** Engagement over the horizon after the alert must beat the horizon before it by this factor. */
export const HIT_GROWTH = 1.2;
const DAY_MS = 86_400_000;

/** Horizon an alert is judged over: the next 24 hours, or one step of a coarser series. */
export function outcomeHorizonMs(stepMs: number): number {
  return Math.max(DAY_MS, stepMs);
}

/** Peak search after an alert: three horizons (the episode's peak, if it comes within them). */
export const PEAK_HORIZONS = 3;

/** A hit when engagement after beats the pre-alert baseline by ≥ 20% (a series with no baseline needs any engagement). */
export function isHit(baseline: number, after: number): boolean {
  return after > 0 && after >= HIT_GROWTH * baseline;
}

export interface LedgerInput {
  /** Outcome of each alert in the cell: null while its horizon has not passed in event time. */
  alerts: { outcome: 'hit' | 'miss' | null; leadTimeSec: number | null }[];
  /** Comparable moments without an alert, judged by the same rule. */
  base: { moments: number; hits: number };
}

export interface LedgerFigures {
  alerts: number;
  /** Alerts whose outcome is known. */
  judged: number;
  pending: number;
  hits: number;
  /** Judged alerts that were not followed by the growth: false alarms. */
  falseAlarms: number;
  hitRate: number | null;
  baseMoments: number;
  baseRate: number | null;
  /** hitRate / baseRate: how many times likelier growth is after an alert than at a comparable moment. */
  lift: number | null;
  /** Median time from alert to the peak of engagement within the peak search, over judged alerts. */
  medianLeadTimeSec: number | null;
}

export function ledgerFigures(x: LedgerInput): LedgerFigures {
  const judged = x.alerts.filter((a) => a.outcome !== null);
  const hits = judged.filter((a) => a.outcome === 'hit').length;
  const hitRate = judged.length ? hits / judged.length : null;
  const baseRate = x.base.moments ? x.base.hits / x.base.moments : null;
  const leads = judged.map((a) => a.leadTimeSec).filter((v): v is number => v !== null);
  return {
    alerts: x.alerts.length, judged: judged.length, pending: x.alerts.length - judged.length, hits, falseAlarms: judged.length - hits,
    hitRate, baseMoments: x.base.moments, baseRate,
    lift: hitRate !== null && baseRate ? hitRate / baseRate : null,
    medianLeadTimeSec: leads.length ? median(leads) : null,
  };
}
