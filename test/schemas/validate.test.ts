// The event contract: what passes, what is refused and how each refusal names its field.
import { describe, expect, it } from 'vitest';
import { itemsOf } from '../../ingest/accept.js';
import { validateEvent, validateProduct, validateVideo } from '../../schemas/validate.js';

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
});

describe('request bodies', () => {
  it('splits NDJSON into items and reports lines that are not JSON by index', () => {
    const r = itemsOf('{"a":1}\n\nnot json\n{"b":2}\n');
    expect(r.items).toEqual([{ index: 0, value: { a: 1 } }, { index: 2, value: { b: 2 } }]);
    expect(r.rejected).toEqual([{ index: 1, field: '', reason: expect.stringMatching(/^line 3 is not JSON/) }]);
    expect(itemsOf({ a: 1 }).items).toEqual([{ index: 0, value: { a: 1 } }]);
  });
});
