// Runtime validators compiled once from the schemas in events.ts. They report every problem of
// an item as { field, reason } so that callers can answer with the exact field at fault.
import { Compile, type Validator } from 'typebox/compile';
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

const EARLIEST_MS = Date.parse(LIMITS.earliestTime), LATEST_MS = Date.parse(LIMITS.latestTime);

/** The n digits at s[i…], as a number; -1 when one of them is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400), yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An RFC 3339 date-time (`2026-11-26T12:00:00.5+01:00`; `T`, `t` or a space between date and
 * time; 1–9 fraction digits; `Z`, `z` or an offset) as epoch milliseconds, the fraction past the
 * millisecond dropped as Date.parse drops it; NaN when it is not one (Date.parse would take 30
 * February as 2 March). Read by character codes: it runs for every event, twice, and a regular
 * expression's match array and a Date object per call were a tenth of the ingest path's time.
 */
export function parseDateTime(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return NaN;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN[mo - 1]) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
  let i = 19, ms = 0;
  if (s.charCodeAt(i) === 46) {
    let k = 0;
    for (i++; k < 9 && i < n; i++, k++) {
      const c = s.charCodeAt(i) - 48;
      if (!(c >= 0 && c <= 9)) break;
      if (k < 3) ms = ms * 10 + c;
    }
    if (k === 0) return NaN;
    for (; k < 3; k++) ms *= 10;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    if (i + 1 !== n) return NaN;
  } else if ((z === 43 || z === 45) && i + 6 === n && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else return NaN;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + ms;
}

/**
 * RFC 3339 date-time within the times every store can hold (LIMITS): the `date-time` format of
 * every schema here (TypeBox's own is general, RFC 9557 suffixes, and slower). The offset can
 * carry a time across the bounds, so the instant is compared, not the year.
 */
export function isDateTime(s: string): boolean {
  const ms = parseDateTime(s);
  return ms >= EARLIEST_MS && ms < LATEST_MS;
}
Format.Set('date-time', isDateTime);

/** Reasons a caller can act on, in place of the regular expression that refused the value. */
const PATTERN_REASONS = new Map<string, string>(Object.values(STRING_RULES).map((r) => [r.pattern, r.reason]));
const DATE_TIME_REASON = `must be an ISO 8601 date-time from ${LIMITS.earliestTime} until (not including) ${LIMITS.latestTime}`;

/**
 * A check that passes exactly what Compile(schema).Check passes. TypeBox checks an object's
 * `additionalProperties: false` with an array of its names and a regular expression over every
 * name (12 tests an event, at the head of the ingest path's validation); here the names are
 * looked up in a set of the schema's own, and TypeBox checks the rest of the schema.
 */
function fastCheck(schema: TSchema, checker: Validator): (input: unknown) => boolean {
  const s = schema as TSchema & { type?: string; properties?: Record<string, TSchema>; additionalProperties?: unknown };
  if (s.type !== 'object' || s.additionalProperties !== false || !s.properties) return (input) => checker.Check(input);
  const { additionalProperties: _, ...open } = s;
  const names = new Set(Object.keys(s.properties));
  const rest = Compile(open as TSchema);
  return (input) => {
    if (typeof input !== 'object' || input === null) return false;
    for (const name of Object.getOwnPropertyNames(input)) if (!names.has(name)) return false;
    return rest.Check(input);
  };
}

function compile<T>(schema: TSchema, extra?: (v: T) => FieldError[]) {
  const checker = Compile(schema);
  const check = fastCheck(schema, checker);
  return (input: unknown): Validated<T> => {
    if (check(input)) {
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

/** Validates an engagement event as sent (the topic carries it so); see validateEvent. */
export const checkEvent = compile<EngagementEvent>(EngagementEvent, (e) =>
  isRegionCode(e.region) ? [] : [{ field: 'region', reason: 'is not an ISO 3166-1 alpha-2 code' }]);

/** Validates an engagement event and fills every metric, so consumers never see a gap. */
export function validateEvent(input: unknown): Validated<NormalizedEvent> {
  const r = checkEvent(input);
  return r.ok ? { ok: true, value: normalizeEvent(r.value) } : r;
}

/** Fills absent metrics with 0 and parses the time of an event already known to be valid. */
export function normalizeEvent(e: EngagementEvent): NormalizedEvent {
  return {
    eventId: e.eventId, ts: e.ts, tsMs: parseDateTime(e.ts), productId: e.productId, platform: e.platform,
    region: e.region, videoId: e.videoId ?? '', views: e.views ?? 0, likes: e.likes ?? 0, shares: e.shares ?? 0,
    comments: e.comments ?? 0, orders: e.orders ?? 0, revenue: e.revenue ?? 0, searches: e.searches ?? 0,
  };
}

export const validateProduct = compile<ProductMessage>(ProductMessage);
export const validateVideo = compile<VideoMessage>(VideoMessage);
