// A product's numbers in one or two plain sentences ("views up 240% in 48 h, led by TikTok in BR;
// orders lag views by about 2 days"): totals of the last window against the one before, the
// platform and region leading it, a move of the last hours that the window's totals hide, and a
// lead–lag of daily totals. Pure; `now` is passed in (the API passes the settled event time) and
// the windows end at the last whole hour before it.
import type { Metric } from '../schemas/events.js';
import { correlate } from './correlation.js';

export interface SeriesPoint {
  /** Milliseconds since epoch. */
  ts: number;
  platform: string;
  region: string;
  views?: number; likes?: number; shares?: number; comments?: number; orders?: number; revenue?: number; searches?: number;
}

export interface SeriesSummary {
  windowHours: number;
  /** Totals in the last window and the one before it. */
  metrics: Partial<Record<Metric, { current: number; previous: number }>>;
  /** The platform × region with the largest share of the lead metric in the last window. */
  leader?: { metric: Metric; platform: string; region: string; share: number };
  /** The lead metric in the last `hours` complete hours against the same hours a day before,
   *  when it moved at least RECENT_FACTOR× either way. */
  recent?: { metric: Metric; hours: number; current: number; dayBefore: number };
  /** `follower` tends to move `days` after `leader` (cross-correlation of daily totals). */
  lag?: { leader: Metric; follower: Metric; days: number; correlation: number };
  /** Stores / sites carrying the product. */
  competingStores?: number;
}

const LEAD_METRICS: Metric[] = ['views', 'searches', 'likes', 'comments', 'shares', 'orders'];
const LAG_PAIRS: [Metric, Metric][] = [['views', 'orders'], ['searches', 'orders'], ['views', 'searches']];
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RECENT_HOURS = 6;
// A move under 3× either way, or on fewer than 30 units, is left to the window's totals.
const RECENT_FACTOR = 3;
const RECENT_MIN_UNITS = 30;

/** Summarises a product's engagement points for `insight`; `now` ends the last window. */
export function summarizeSeries(points: SeriesPoint[], opts: { now: number; windowHours?: number; competingStores?: number; maxLagDays?: number }): SeriesSummary {
  const windowHours = opts.windowHours ?? 48;
  const w = windowHours * HOUR;
  // Windows end at the last whole hour: a filling hour would read as a fall.
  const end = Math.floor(opts.now / HOUR) * HOUR;
  const metrics: SeriesSummary['metrics'] = {};
  for (const p of points) {
    const age = end - p.ts - 1;
    if (age < 0 || age >= 2 * w) continue;
    for (const m of LEAD_METRICS.concat('revenue')) {
      const v = p[m] ?? 0;
      if (!v) continue;
      const t = (metrics[m] ??= { current: 0, previous: 0 });
      if (age < w) t.current += v; else t.previous += v;
    }
  }
  const summary: SeriesSummary = { windowHours, metrics };
  if (opts.competingStores !== undefined) summary.competingStores = opts.competingStores;

  const lead = LEAD_METRICS.find((m) => (metrics[m]?.current ?? 0) > 0);
  if (lead) {
    const byPair = new Map<string, number>();
    let total = 0;
    for (const p of points) {
      const age = end - p.ts - 1;
      if (age < 0 || age >= w || !p[lead]) continue;
      const k = `${p.platform}\u0000${p.region}`;
      byPair.set(k, (byPair.get(k) ?? 0) + p[lead]!);
      total += p[lead]!;
    }
    const [k, v] = [...byPair].sort((a, b) => b[1] - a[1])[0]!;
    const [platform, region] = k.split('\u0000');
    summary.leader = { metric: lead, platform, region, share: v / total };
    const recent = recentMove(points, lead, end);
    if (recent) summary.recent = recent;
  }
  summary.lag = leadLag(points, opts.now, opts.maxLagDays ?? 7);
  if (!summary.lag) delete summary.lag;
  return summary;
}

/** The lead metric's last hours against the same hours a day before (the daily cycle cancels). */
function recentMove(points: SeriesPoint[], metric: Metric, end: number): SeriesSummary['recent'] {
  let current = 0, dayBefore = 0;
  for (const p of points) {
    const age = end - p.ts - 1;
    if (age < 0) continue;
    if (age < RECENT_HOURS * HOUR) current += p[metric] ?? 0;
    else if (age >= DAY && age < DAY + RECENT_HOURS * HOUR) dayBefore += p[metric] ?? 0;
  }
  if (current + dayBefore < RECENT_MIN_UNITS || dayBefore === 0) return undefined;
  const ratio = current / dayBefore;
  return ratio >= RECENT_FACTOR || ratio <= 1 / RECENT_FACTOR ? { metric, hours: RECENT_HOURS, current, dayBefore } : undefined;
}

/** Lag in whole days that maximises the correlation of daily totals, over the last 8 weeks. */
function leadLag(points: SeriesPoint[], now: number, maxLag: number): SeriesSummary['lag'] {
  const days = 56;
  const start = Math.floor(now / DAY) - days + 1;
  for (const [a, b] of LAG_PAIRS) {
    const xs = new Array<number>(days).fill(0), ys = new Array<number>(days).fill(0);
    let any = false;
    for (const p of points) {
      const d = Math.floor(p.ts / DAY) - start;
      if (d < 0 || d >= days) continue;
      xs[d] += p[a] ?? 0;
      ys[d] += p[b] ?? 0;
      if (p[b]) any = true;
    }
    if (!any) continue;
    const first = xs.findIndex((x, i) => x > 0 || ys[i] > 0);
    // Days after the last data point are not zeros, just not seen yet.
    const end = days - [...xs].reverse().findIndex((x, i) => x > 0 || ys[days - 1 - i] > 0);
    let best: { days: number; correlation: number } | undefined;
    for (let lag = 0; lag <= maxLag; lag++) {
      const x = xs.slice(first, end - lag), y = ys.slice(first + lag, end);
      if (x.length < 8) break;
      const { r } = correlate(x, y);
      if (r >= 0.5 && (!best || r > best.correlation + 1e-9)) best = { days: lag, correlation: r };
    }
    if (best) return { leader: a, follower: b, ...best };
  }
  return undefined;
}

const PLATFORM_NAMES: Record<string, string> = {
  tiktok: 'TikTok', instagram: 'Instagram', youtube: 'YouTube', facebook: 'Facebook', pinterest: 'Pinterest',
  snapchat: 'Snapchat', x: 'X', reddit: 'Reddit', amazon: 'Amazon', shopify: 'Shopify', google: 'Google',
  web: 'the web', other: 'other sources',
};

/** One or two plain sentences from a summary, e.g. "views up 240% in 48 h, led by TikTok in BR; …". */
export function insight(s: SeriesSummary): string {
  const parts: string[] = [];
  const lead = s.leader?.metric ?? LEAD_METRICS.find((m) => s.metrics[m]);
  if (!lead) {
    parts.push(`no engagement in the last ${s.windowHours} h`);
  } else {
    const { current, previous } = s.metrics[lead] ?? { current: 0, previous: 0 };
    let trend: string;
    if (current === 0) trend = `${lead} stopped in the last ${s.windowHours} h`;
    else if (previous === 0) trend = `first ${lead} in the last ${s.windowHours} h`;
    else {
      const change = (current - previous) / previous;
      const size = current / previous >= 10 ? fold(current / previous) : `${Math.round(Math.abs(change) * 100)}%`;
      trend = Math.abs(change) < 0.05 ? `${lead} steady over ${s.windowHours} h`
        : `${lead} ${change > 0 ? 'up' : 'down'} ${size} in ${s.windowHours} h`;
    }
    if (s.leader && s.leader.share >= 0.3 && current > 0) {
      const where = s.leader.region === 'ZZ' ? '' : ` in ${s.leader.region}`;
      trend += `, led by ${PLATFORM_NAMES[s.leader.platform] ?? s.leader.platform}${where}`;
    }
    if (s.recent) {
      const { current: now, dayBefore, hours } = s.recent;
      const size = now >= dayBefore ? `up ${fold(now / dayBefore)}` : `down ${Math.round((1 - now / dayBefore) * 100)}%`;
      trend += `, ${size} in the last ${hours} h against the same hours a day before`;
    }
    parts.push(trend);
  }
  if (s.lag) {
    parts.push(s.lag.days === 0 ? `${s.lag.follower} move with ${s.lag.leader}`
      : `${s.lag.follower} lag ${s.lag.leader} by about ${s.lag.days} day${s.lag.days === 1 ? '' : 's'}`);
  }
  if (s.competingStores && s.competingStores > 1) parts.push(`${s.competingStores} competing stores`);
  return parts.join('; ');
}

function fold(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : Math.round(ratio * 10) / 10}×`;
}
