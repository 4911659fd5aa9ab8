// Lead–lag results in words, from /correlations items: only what the API called significant.
import type { Correlation, Interval } from './types';

const UNIT: Record<Interval, [string, string]> = { '1m': ['min', 'min'], '1h': ['h', 'h'], '1d': ['day', 'days'], '1w': ['week', 'weeks'] };
const BUCKET: Record<Interval, string> = { '1m': 'minute', '1h': 'hour', '1d': 'day', '1w': 'week' };

/** Revenue is orders × price: that the two move together is arithmetic, not a finding. */
export function byDefinition(c: Pick<Correlation, 'a' | 'b'>): boolean {
  return (c.a === 'orders' && c.b === 'revenue') || (c.a === 'revenue' && c.b === 'orders');
}

/** "3 h", "1 day", "2 weeks": a lag of k buckets of the interval. */
export function lagText(k: number, interval: Interval): string {
  const [one, many] = UNIT[interval];
  return `${k} ${k === 1 ? one : many}`;
}

/** "searches lead orders by ~3 h", "views and likes move together", or null when not significant. */
export function leadLagSentence(c: Correlation, interval: Interval): string | null {
  if (!c.significant) return null;
  const [lead, follow] = c.lag >= 0 ? [c.a, c.b] : [c.b, c.a];
  const direction = c.r >= 0 ? '' : ' (in opposite directions)';
  if (c.lag === 0) return `${c.a} and ${c.b} move together in the same ${BUCKET[interval]}${direction}`;
  return `${lead} lead${lead.endsWith('s') ? '' : 's'} ${follow} by ~${lagText(Math.abs(c.lag), interval)}${direction}`;
}

/** What r, the lag, n effective and significance mean, for a tooltip. */
export function correlationDetail(c: Correlation, interval: Interval): string {
  const p = (v: number) => (v < 0.001 ? '< 0.001' : v.toFixed(3));
  return [
    `r = ${c.r.toFixed(2)} at lag ${c.lag > 0 ? '+' : ''}${c.lag} (${c.lag === 0 ? 'same bucket' : `${c.lag > 0 ? c.a : c.b} first by ${lagText(Math.abs(c.lag), interval)}`})`,
    `n = ${c.n} pairs of changes, worth n effective ≈ ${Math.round(c.nEffective)} independent ones`,
    `p = ${p(c.pValue)} at this lag, ${p(c.pAdjusted)} after correcting for every pair × lag tried`,
    c.significant ? 'Significant: more than the shared daily cycle and market traffic explain' : 'Not significant: could be chance once cycles, traffic and the many lags tried are accounted for',
  ].join('\n');
}
