// Runtime validators compiled once from the schemas in events.ts. They report every problem of
// an item as { field, reason } so that callers can answer with the exact field at fault.
import { Compile } from 'typebox/compile';
import Format from 'typebox/format';
import type { TSchema } from 'typebox';
import { EngagementEvent, LIMITS, ProductMessage, STRING_RULES, VideoMessage, type NormalizedEvent } from './events.js';

export interface FieldError { field: string; reason: string }
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const knownRegions = new Map<string, boolean>(); // at most 26² entries; ICU lookups are slow on the hot path
/** True for ISO 3166-1 alpha-2 codes ICU knows, and ZZ (unknown / worldwide). */
export function isRegionCode(code: string): boolean {
  let ok = knownRegions.get(code);
  if (ok === undefined) knownRegions.set(code, (ok = code === 'ZZ' || regionNames.of(code) !== undefined));
  return ok;
}
export const regionName = (code: string): string => (code === 'ZZ' ? 'Worldwide' : regionNames.of(code) ?? code);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const EARLIEST_MS = Date.parse(LIMITS.earliestTime), LATEST_MS = Date.parse(LIMITS.latestTime);
/**
 * RFC 3339 date-time within the times every store can hold (LIMITS): the `date-time` format of
 * every schema here. TypeBox's own check is general (RFC 9557 suffixes) and costs a microsecond
 * a call; this one is on every event.
 */
export function isDateTime(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && +m[4] < 24 && +m[5] < 60 && +m[6] < 60)) return false;
  // The offset can carry a time across the bounds, so the instant is compared, not the year.
  const ms = Date.parse(s);
  return ms >= EARLIEST_MS && ms < LATEST_MS;
}
Format.Set('date-time', isDateTime);

/** Reasons a caller can act on, in place of the regular expression that refused the value. */
const PATTERN_REASONS = new Map<string, string>(Object.values(STRING_RULES).map((r) => [r.pattern, r.reason]));
const DATE_TIME_REASON = `must be an ISO 8601 date-time from ${LIMITS.earliestTime} until (not including) ${LIMITS.latestTime}`;

function compile<T>(schema: TSchema, extra?: (v: T) => FieldError[]) {
  const checker = Compile(schema);
  return (input: unknown): Validated<T> => {
    if (checker.Check(input)) {
      const errors = extra ? extra(input as T) : [];
      return errors.length ? { ok: false, errors } : { ok: true, value: input as T };
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, errors: [{ field: '', reason: 'must be a JSON object' }] };
    }
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    for (const e of checker.Errors(input)) {
      // Unions report once per branch; one line per field is what a caller can act on.
      const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] };
      const fields = params.requiredProperties ?? params.additionalProperties ?? [e.instancePath.slice(1).replaceAll('/', '.')];
      if (e.keyword === 'boolean') continue; // duplicate of the additionalProperties report
      for (const field of fields) {
        if (seen.has(field)) continue;
        seen.add(field);
        const pattern = (e.params as { pattern?: string }).pattern;
        const reason = params.requiredProperties ? 'is required'
          : params.additionalProperties ? 'is not a known field'
          : e.keyword === 'enum' ? 'must be one of the documented values'
          : e.keyword === 'format' && (e.params as { format?: string }).format === 'date-time' ? DATE_TIME_REASON
          : (pattern !== undefined && PATTERN_REASONS.get(pattern)) || e.message;
        errors.push({ field, reason });
      }
    }
    return { ok: false, errors };
  };
}

const checkEvent = compile<EngagementEvent>(EngagementEvent, (e) =>
  isRegionCode(e.region) ? [] : [{ field: 'region', reason: 'is not an ISO 3166-1 alpha-2 code' }]);

/** Validates an engagement event and fills every metric, so consumers never see a gap. */
export function validateEvent(input: unknown): Validated<NormalizedEvent> {
  const r = checkEvent(input);
  return r.ok ? { ok: true, value: normalizeEvent(r.value) } : r;
}

/** Fills absent metrics with 0 and parses the time of an event already known to be valid. */
export function normalizeEvent(e: EngagementEvent): NormalizedEvent {
  return {
    eventId: e.eventId, ts: e.ts, tsMs: Date.parse(e.ts), productId: e.productId, platform: e.platform,
    region: e.region, videoId: e.videoId ?? '', views: e.views ?? 0, likes: e.likes ?? 0, shares: e.shares ?? 0,
    comments: e.comments ?? 0, orders: e.orders ?? 0, revenue: e.revenue ?? 0, searches: e.searches ?? 0,
  };
}

export const validateProduct = compile<ProductMessage>(ProductMessage);
export const validateVideo = compile<VideoMessage>(VideoMessage);
