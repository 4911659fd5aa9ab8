// The event contract: what passes, what is refused and how each refusal names its field.
import { describe, expect, it } from 'vitest';
import { itemsOf } from '../../ingest/accept.js';
import { parseDateTime, validateEvent, validateProduct, validateVideo } from '../../schemas/validate.js';

const good = { eventId: '01JH8Z9Q6V3T0S7KX2M4N5P6R7', ts: '2026-11-26T12:00:00.000Z', productId: 'p-123', platform: 'tiktok', region: 'US', videoId: 'v-9', views: 120, likes: 8, shares: 1, comments: 2, orders: 1, revenue: 19.99, searches: 0 };
const fields = (r: ReturnType<typeof validateEvent>) => (r.ok ? [] : r.errors.map((e) => e.field).sort());

describe('engagement event schema', () => {
  it('accepts the documented example and fills absent metrics with 0', () => {
    const r = validateEvent(good);
    expect(r.ok && r.value).toMatchObject({ ...good, tsMs: Date.parse(good.ts) });
    const minimal = validateEvent({ eventId: 'e', ts: good.ts, productId: 'p', platform: 'web', region: 'ZZ', views: 3 });
    expect(minimal.ok && minimal.value).toMatchObject({ views: 3, likes: 0, orders: 0, revenue: 0, videoId: '' });
  });

  it.each([
    [{ views: -1 }, ['views']],
    [{ views: 1.5 }, ['views']],
    [{ revenue: -0.01 }, ['revenue']],
    [{ ts: 'yesterday' }, ['ts']],
    [{ ts: '2026-02-30T00:00:00Z' }, ['ts']],
    [{ region: 'us' }, ['region']],
    [{ region: 'QQ' }, ['region']],
    [{ platform: 'myspace' }, ['platform']],
    [{ productId: 'has space' }, ['productId']],
    [{ eventId: '' }, ['eventId']],
    [{ extra: 1 }, ['extra']],
  ])('refuses %j naming the field', (patch, expected) => {
    expect(fields(validateEvent({ ...good, ...patch }))).toEqual(expected);
  });

  it.each([
    [{ ts: '1969-12-31T23:59:59.999Z' }],
    [{ ts: '1970-01-01T00:30:00+01:00' }], // an instant before 1970, whatever the written year
    [{ ts: '0000-01-01T00:00:00Z' }],
    [{ ts: '2100-01-01T00:00:00Z' }],
    [{ ts: '2286-11-21T00:00:00Z' }],
    [{ ts: '9999-12-31T23:59:59Z' }],
  ])('refuses a time no store can hold: %j', (patch) => {
    const r = validateEvent({ ...good, ...patch });
    expect(r.ok ? [] : r.errors).toEqual([{ field: 'ts', reason: 'must be an ISO 8601 date-time from 1970-01-01T00:00:00Z until (not including) 2100-01-01T00:00:00Z' }]);
  });

  it('refuses a field the schema does not name however the object holds it, and anything not an object', () => {
    const hidden = { ...good };
    Object.defineProperty(hidden, 'extra', { value: 1, enumerable: false });
    expect(fields(validateEvent(hidden))).toEqual(['extra']);
    expect(validateEvent(Object.assign(Object.create({ inherited: 1 }), good)).ok).toBe(true); // not its own, as TypeBox reads it
    for (const v of [null, 'e', 7, [good], Object.assign([], good)]) expect(validateEvent(v).ok).toBe(false);
    expect(validateProduct({ productId: 'p', title: 't', extra: 1 }).ok).toBe(false);
  });

  it('accepts the first and last instants the stores hold', () => {
    expect(validateEvent({ ...good, ts: '1970-01-01T00:00:00Z' }).ok).toBe(true);
    expect(validateEvent({ ...good, ts: '2099-12-31T23:59:59.999Z' }).ok).toBe(true);
  });

  it.each([
    ['eventId', 'e-\ud800'],
    ['eventId', 'e-\udc00-x'],
    ['productId', 'p\u0000'],
    ['productId', 'p\u0007'],
    ['videoId', 'v\ud83d'],
  ])('refuses %s %j: a NUL, control character or lone surrogate the stores cannot keep', (field, value) => {
    const r = validateEvent(JSON.parse(JSON.stringify({ ...good, [field]: value }))); // as a JSON body carries it
    expect(r.ok ? [] : r.errors).toEqual([{ field, reason: 'must not hold whitespace, control characters or lone UTF-16 surrogates' }]);
  });

  it('accepts whole surrogate pairs (emoji) in ids and text', () => {
    expect(validateEvent({ ...good, eventId: 'e-😀', productId: 'p-🚀' }).ok).toBe(true);
    expect(validateProduct({ productId: 'p', title: 'Lamp 💡', tags: ['✨'] }).ok).toBe(true);
  });

  it('names every missing required field', () => {
    expect(fields(validateEvent({ views: 1 }))).toEqual(['eventId', 'platform', 'productId', 'region', 'ts']);
    expect(validateEvent([1])).toEqual({ ok: false, errors: [{ field: '', reason: 'must be a JSON object' }] });
  });

  it('checks products and videos by the same rules', () => {
    expect(validateProduct({ productId: 'p', title: 'Lamp', currency: 'USD', tags: ['a'] }).ok).toBe(true);
    const bad = validateProduct({ productId: 'p', currency: 'usd', imageUrl: 'ftp://x' });
    expect(bad.ok ? [] : bad.errors.map((e) => e.field).sort()).toEqual(['currency', 'imageUrl', 'title']);
    expect(validateVideo({ videoId: 'v', productId: 'p', platform: 'youtube', durationSec: 30 }).ok).toBe(true);
  });

  it('refuses text Postgres cannot keep (NUL) or UTF-8 cannot carry (lone surrogates), and out-of-range times', () => {
    const text = 'must not hold NUL characters or lone UTF-16 surrogates';
    const p = validateProduct({ productId: 'p', title: 'Lamp\u0000', brand: 'B\ud800', tags: ['ok', 't\u0000'], imageUrl: 'https://x/\udc00' });
    expect(p.ok ? [] : p.errors).toEqual(expect.arrayContaining([{ field: 'title', reason: text }, { field: 'brand', reason: text }, { field: 'tags.1', reason: text }]));
    expect(p.ok ? [] : p.errors.map((e) => e.field).sort()).toEqual(['brand', 'imageUrl', 'tags.1', 'title']);
    const v = validateVideo({ videoId: 'v', productId: 'p', platform: 'youtube', creator: 'c\u0000', title: 't\ud800', publishedAt: '0000-01-01T00:00:00Z' });
    expect(v.ok ? [] : v.errors.map((e) => e.field).sort()).toEqual(['creator', 'publishedAt', 'title']);
  });
});

describe('RFC 3339 date-times', () => {
  it('reads every form RFC 3339 allows to the instant Date.parse gives', () => {
    for (const s of ['2026-11-26T12:00:00Z', '2026-11-26t12:00:00z', '2026-11-26 12:00:00Z', '2026-11-26T12:00:00.1Z', '2026-11-26T12:00:00.123456789Z',
      '2026-11-26T12:00:00+05:30', '2026-11-26T12:00:00.5-01:00', '2024-02-29T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2100-03-01T00:00:00Z']) {
      expect(parseDateTime(s), s).toBe(Date.parse(s));
    }
    // Every millisecond's ISO form, over four centuries around the epoch.
    for (let k = 0; k < 20_000; k++) {
      const ms = Math.round((k / 20_000 - 0.5) * 2.5e13) + k;
      expect(parseDateTime(new Date(ms).toISOString())).toBe(ms);
    }
  });

  it('refuses what is not one, where Date.parse would guess', () => {
    for (const s of ['2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-26T12:00:00', '2026-11-26T12:00:00.Z', '2026-11-26T12:00:00.1234567890Z',
      '2026-11-26T24:00:00Z', '2026-11-26T12:60:00Z', '2026-11-26T12:00:60Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-11-26T12:00:00+24:00',
      '2026-11-26T12:00:00+05:3', '2026-11-26X12:00:00Z', 'abcd-11-26T12:00:00Z', '2026-11-26T12:00:00Zx', '2026-11-26', '']) {
      expect(parseDateTime(s), s).toBeNaN();
    }
  });
});

describe('request bodies', () => {
  it('splits NDJSON into items and reports lines that are not JSON by index', () => {
    const r = itemsOf('{"a":1}\n\nnot json\n{"b":2}\n');
    expect(r.values).toEqual([{ a: 1 }, { b: 2 }]);
    expect(r.indexes).toEqual([0, 2]);
    expect(r.rejected).toEqual([{ index: 1, field: '', reason: expect.stringMatching(/^line 3 is not JSON/) }]);
    expect(itemsOf({ a: 1 })).toEqual({ values: [{ a: 1 }], indexes: null, rejected: [] });
  });
});
