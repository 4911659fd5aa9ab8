// Number and time formatting shared by every view, so "12.4K" reads the same everywhere.
import type { Interval, ProductRow } from './types';
import { INTERVAL_MS } from './constants';

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDp = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function fmtNum(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.abs(n) >= 10_000 ? compact.format(n) : Math.abs(n) < 10 && !Number.isInteger(n) ? oneDp.format(n) : plain.format(n);
}

export function fmtMoney(n: number | null | undefined, currency = 'USD'): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  try {
    return new Intl.NumberFormat('en', {
      style: 'currency', currency: currency || 'USD',
      notation: Math.abs(n) >= 100_000 ? 'compact' : 'standard', maximumFractionDigits: Math.abs(n) >= 1000 ? 0 : 2,
    }).format(n);
  } catch {
    return `${fmtNum(n)} ${currency}`;
  }
}

/** Signed percentage, e.g. "+12.5%"; `ratio` is a fraction (0.125). */
export function fmtPct(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const v = ratio * 100;
  // Growth from a near-empty base (a fresh install) is not a meaningful percentage.
  if (v > 999) return '>+999%';
  return `${v > 0 ? '+' : ''}${v.toFixed(Math.abs(v) >= 100 ? 0 : digits)}%`;
}

/** Relative change from previous to current; null when there is no meaningful base. */
export function change(current: number | undefined, previous: number | undefined): number | null {
  if (current === undefined || previous === undefined || !Number.isFinite(current) || !Number.isFinite(previous)) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / Math.abs(previous);
}

/** Compact relative time ("just now", "40s ago", "12m ago", "3h ago", "2d ago"); future times read "in 5m". */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(s)) return '—';
  const a = Math.abs(s);
  if (a < 5) return 'just now';
  const v = a < 60 ? `${a}s` : a < 3600 ? `${Math.round(a / 60)}m` : a < 86400 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86400)}d`;
  return s > 0 ? `${v} ago` : `in ${v}`;
}

export function fmtTime(iso: string, withDate = false): string {
  const d = new Date(iso);
  return d.toLocaleString('en', withDate
    ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }
    : { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function fmtDuration(sec: number): string {
  const m = Math.floor(sec / 60);
  return `${m}:${String(Math.round(sec % 60)).padStart(2, '0')}`;
}

/** Velocity is ln-growth per hour (analytics/trend.ts); shown as % growth per hour. */
export function fmtVelocity(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${fmtPct(Math.expm1(v))}/h`;
}

const UNITS: [number, string][] = [[2_629_800, 'mo'], [604_800, 'wk'], [86_400, 'day'], [3_600, 'h']];

/** Growth at a series' own step from a log growth per hour, e.g. "+12%/h" or "+40%/wk". */
export function fmtGrowth(perHour: number | null | undefined, stepSec = 3600): string {
  if (perHour === null || perHour === undefined || !Number.isFinite(perHour)) return '—';
  const [sec, unit] = UNITS.find(([s]) => stepSec >= s) ?? UNITS[3];
  return `${fmtPct(Math.expm1(perHour * (sec / 3600)))}/${unit}`;
}

/** A span in words: "45 min", "5 h", "3 d". */
export function fmtSpan(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  return sec < 3600 ? `${Math.round(sec / 60)} min` : sec < 2 * 86400 ? `${Math.round(sec / 3600)} h` : `${Math.round(sec / 86400)} d`;
}

export const LABELS = ['emerging', 'rising', 'peaking', 'steady', 'declining'] as const;

// The trend label and the lifecycle stage share words but not definitions: the label compares the
// early and late halves of the score window of weighted engagement (analytics/trend.ts), the stage
// fits a curve to the recent seasonally adjusted views and checks it against the forecast
// (analytics/lifecycle.ts). Each word's meaning is written once here, as docs/analytics.md gives it.
/** What each trend label says about the score window. */
export const LABEL_MEANING: Record<(typeof LABELS)[number], string> = {
  emerging: 'growing, and faster in the late half of the window than in the early half (take-off)',
  rising: 'growing at a sustained rate',
  peaking: 'grew in the early half of the window, stalled or turned in the late half',
  steady: 'no move beyond ±20% per half window',
  declining: 'fell 20% or more in the late half, or across the window',
};
/** A trend label's meaning; undefined for a label this list does not know. */
export const labelMeaning = (label: string | null | undefined): string | undefined =>
  label && Object.hasOwn(LABEL_MEANING, label) ? LABEL_MEANING[label as keyof typeof LABEL_MEANING] : undefined;

type Stage = NonNullable<ProductRow['stage']>;
/** Lifecycle stages in lifecycle order (the API's `sort=stage`); a Record, so a stage the API adds and this misses fails vue-tsc. */
const STAGE_ORDER: Record<Stage, number> = { emerging: 0, rising: 1, peaking: 2, saturating: 3, declining: 4 };
export const STAGES = (Object.keys(STAGE_ORDER) as Stage[]).sort((a, b) => STAGE_ORDER[a] - STAGE_ORDER[b]);
export const isStage = (v: string): v is Stage => Object.hasOwn(STAGE_ORDER, v);
/** What each lifecycle stage says about the fitted curve and the forecast. */
export const STAGE_MEANING: Record<Stage, string> = {
  emerging: 'significant growth that is speeding up (or a product seen for under two windows)',
  rising: 'significant growth that the forecast carries on',
  peaking: 'the fitted curve tops out now or within the forecast, or the forecast turns growth down',
  saturating: 'growth levelled off or slowing with no peak in sight, a flat level, or a fall the forecast sees levelling off',
  declining: 'falling significantly, and the forecast not turning up',
};
const WINDOW_UNITS: Record<string, [per: number, big: string, small: string]> = { '1h': [24, 'days', 'hours'], '1d': [7, 'weeks', 'days'], '1w': [1, 'weeks', 'weeks'], '1mo': [1, 'months', 'months'] };
/** A window of `steps` buckets at an interval in words: "7 days", "6 weeks", "24 months". */
export function fmtWindow(steps: number, interval: string): string {
  const [per, big, small] = WINDOW_UNITS[interval] ?? [1, interval, interval];
  return steps % per === 0 ? `${steps / per} ${big}` : `${steps} ${small}`;
}

/**
 * The end of the data a score covers: it is dated by the start of its last complete bucket
 * (`computedAt`, event time), so its data runs one step further. Shown instead of "scored 3h ago",
 * which read an hour older than it is and as processing time.
 */
export function scoredThrough(computedAt: string, interval: string): string {
  const d = new Date(computedAt);
  if (interval === '1mo') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setTime(d.getTime() + (INTERVAL_MS[interval as Interval] ?? 0));
  return d.toISOString();
}
