// Helpers every source shares: shaping fields to the message limits, and turning cumulative
// counters (reviews so far, views so far) into the per-interval counts events carry.
import { LIMITS, type Metric } from '../../../schemas/events.js';
import { TrendDropError } from '../../../core/errors.js';
import { eventIdFor } from '../ids.js';
import type { EngagementEvent, Platform, RunError, StateStore } from '../types.js';

/** A source's input was not what its format promises. */
export class SourceError extends TrendDropError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('bad_source_data', message, context);
  }
}

/** Any thrown value as a run error, keeping a typed error's code and context. */
export function runError(err: unknown): RunError {
  if (err instanceof TrendDropError) return { message: err.message, code: err.code, context: err.context };
  return { message: err instanceof Error ? err.message : String(err) };
}

export const clip = (s: string, max: number): string => (s.length > max ? s.slice(0, max - 1) + '…' : s);

/** Tags trimmed, clipped and unique, at most the schema's count. */
export function cleanTags(tags: unknown[]): string[] | undefined {
  const out = [...new Set(tags.filter((t): t is string => typeof t === 'string').map((t) => clip(t.trim(), LIMITS.tagLength)).filter(Boolean))];
  return out.length ? out.slice(0, LIMITS.tagCount) : undefined;
}

/** An absolute http(s) URL within the schema's length, or undefined. */
export function httpUrl(value: unknown, base?: string): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    const u = new URL(value.trim(), base);
    return /^https?:$/.test(u.protocol) && u.href.length <= LIMITS.urlLength ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export function plainText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/\s+/g, ' ').trim();
}

interface CounterState { at: number; counts: Partial<Record<Metric, number>> }

/**
 * Compares cumulative counts with the last observation stored under `key` and returns the
 * event for what grew in between (undefined on the first observation or when nothing grew).
 * The event starts at the previous observation, the interval its counts cover; its id comes
 * from both observations, so seeing the same change again yields the same event.
 */
export async function counterEvent(
  state: StateStore, key: string, now: number, counts: Partial<Record<Metric, number>>,
  base: { productId: string; platform: Platform; region: string; videoId?: string },
): Promise<EngagementEvent | undefined> {
  const prev = await state.get<CounterState>(`counter:${key}`);
  await state.set(`counter:${key}`, { at: now, counts: { ...prev?.counts, ...counts } });
  if (!prev) return undefined;
  const deltas: Partial<Record<Metric, number>> = {};
  for (const [m, v] of Object.entries(counts) as [Metric, number][]) {
    const before = prev.counts[m];
    // A count that fell (reviews removed) is a correction, not negative engagement.
    if (before !== undefined && v > before) deltas[m] = v - before;
  }
  if (!Object.keys(deltas).length) return undefined;
  return {
    eventId: eventIdFor('counter', key, prev.counts, counts),
    ts: new Date(prev.at).toISOString(),
    ...base,
    ...deltas,
  };
}

/** A whole number from 12, "12", "1,234"; undefined otherwise. */
export function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/[,\s]/g, '')) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;
}

/** A price from 19.99, "19.99", "$19.99", "1.299,00"; undefined otherwise. */
export function price(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  let s = v.replace(/[^\d.,]/g, '');
  if (/,\d{2}$/.test(s)) s = s.replace(/\./g, '').replace(',', '.');
  else s = s.replace(/,/g, '');
  const n = Number(s);
  return s && Number.isFinite(n) && n >= 0 ? n : undefined;
}
