import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, CsvParser } from '../../../ingest/agent/formats/csv.js';
import { parseGoogleTrends } from '../../../ingest/agent/formats/trends.js';
import { importFile } from '../../../ingest/agent/import.js';
import { validateEvent, validateProduct } from '../../../schemas/validate.js';
import { MemorySink } from '../../helpers/agent.js';

const fixture = (p: string) => join(import.meta.dirname, 'fixtures', p);

describe('CSV', () => {
  it('keeps quoted commas, quotes and line breaks, across chunk boundaries', () => {
    const text = 'a,b,c\r\n1,"x, ""y""",3\n2,"multi\nline",\n';
    expect(parseCsv(text)).toEqual([['a', 'b', 'c'], ['1', 'x, "y"', '3'], ['2', 'multi\nline', '']]);
    const p = new CsvParser();
    const rows = [...text].flatMap((ch) => p.push(ch)).concat(p.end());
    expect(rows).toEqual(parseCsv(text));
  });
});

describe('Google Trends', () => {
  it('reads interest over time: preamble, two terms, region in the header, <1 as 0', () => {
    const r = parseGoogleTrends(readFileSync(fixture('files/multiTimeline.csv'), 'utf8'), { terms: { 'neck fan': 'p-neck-fan' } });
    expect(r.kind).toBe('time');
    expect(r.products).toEqual([{ productId: expect.stringMatching(/^q-galaxy-projector-/), title: 'galaxy projector', source: 'google-trends', tags: ['search-term'] }]);
    const galaxy = r.products[0].productId;
    expect(r.events).toHaveLength(16);
    expect(r.events.slice(0, 4).map(({ eventId, ...e }) => e)).toEqual([
      { ts: '2026-09-06T00:00:00.000Z', productId: galaxy, platform: 'google', region: 'US', searches: 31 },
      { ts: '2026-09-06T00:00:00.000Z', productId: 'p-neck-fan', platform: 'google', region: 'US', searches: 12 },
      { ts: '2026-09-13T00:00:00.000Z', productId: galaxy, platform: 'google', region: 'US', searches: 35 },
      { ts: '2026-09-13T00:00:00.000Z', productId: 'p-neck-fan', platform: 'google', region: 'US', searches: 0 },
    ]);
    expect(new Set(r.events.map((e) => e.eventId)).size).toBe(16);
    for (const e of r.events) expect(validateEvent(e).ok).toBe(true);
    expect(r.skipped).toEqual([]);
  });

  it('reads interest by region: countries by name, empty cells skipped, unknown names reported', () => {
    const r = parseGoogleTrends(readFileSync(fixture('files/geoMap.csv'), 'utf8'), { product: 'p-galaxy' });
    expect(r.kind).toBe('region');
    expect(r.products).toEqual([]);
    expect(r.events.map(({ eventId, ...e }) => e)).toEqual([
      { ts: '2026-09-06T00:00:00.000Z', productId: 'p-galaxy', platform: 'google', region: 'US', searches: 100 },
      { ts: '2026-09-06T00:00:00.000Z', productId: 'p-galaxy', platform: 'google', region: 'BR', searches: 87 },
      { ts: '2026-09-06T00:00:00.000Z', productId: 'p-galaxy', platform: 'google', region: 'TR', searches: 0 },
    ]);
    expect(r.skipped).toEqual([{ message: 'row 8: "Narnia" is not a country', context: { line: 8 } }]);
  });

  it('refuses one product for a file that compares several terms', () => {
    expect(() => parseGoogleTrends(readFileSync(fixture('files/multiTimeline.csv'), 'utf8'), { product: 'p-1' })).toThrow(/compares 2 terms/);
  });

  it('says what is wrong with a file that is not an export', () => {
    expect(() => parseGoogleTrends('a,b\n1,2\n')).toThrow(/not a Google Trends export/);
  });
});

describe('importFile', () => {
  it('imports a Google Trends export and changes nothing the second time', async () => {
    const sink = new MemorySink();
    const progress: [number, number][] = [];
    const first = await importFile({ file: fixture('files/multiTimeline.csv'), onProgress: (d, t) => progress.push([d, t]) }, sink);
    expect(first).toMatchObject({ format: 'google-trends', rows: 8, events: 16, products: 2, skipped: 0 });
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const again = new MemorySink();
    await importFile({ file: fixture('files/multiTimeline.csv') }, again);
    expect(again.eventsSeen).toEqual(sink.eventsSeen);
    expect(again.productsSeen).toEqual(sink.productsSeen);
  });

  it('maps CSV columns onto events, videos and reports bad rows by line', async () => {
    const sink = new MemorySink();
    const s = await importFile({
      file: fixture('files/tiktok-export.csv'),
      map: { Date: 'ts', Product: 'productId', Plays: 'views', Hearts: 'likes', Country: 'region', Platform: 'platform', Video: 'videoId' },
    }, sink);
    expect(s).toMatchObject({ format: 'csv', rows: 4, events: 3, videos: 1, products: 0, skipped: 1 });
    expect(s.errors).toEqual([{ message: 'line 5: ts "yesterday" is not a date or time', context: { line: 5, field: 'ts' } }]);
    expect(sink.eventsSeen.map(({ eventId, ...e }) => e)).toEqual([
      { ts: '2026-11-23T00:00:00.000Z', productId: 'p-sunset-lamp', platform: 'tiktok', region: 'BR', videoId: 'v-7311', views: 12400, likes: 880 },
      { ts: '2026-11-24T00:00:00.000Z', productId: 'p-sunset-lamp', platform: 'tiktok', region: 'BR', videoId: 'v-7311', views: 30150, likes: 2410 },
      { ts: '2026-11-24T00:00:00.000Z', productId: 'p-sunset-lamp', platform: 'instagram', region: 'US', views: 4100, likes: 210 },
    ]);
    expect(sink.videosSeen).toEqual([{ videoId: 'v-7311', productId: 'p-sunset-lamp', platform: 'tiktok' }]);
    const again = new MemorySink();
    await importFile({ file: fixture('files/tiktok-export.csv'), map: { Date: 'ts', Product: 'productId', Plays: 'views', Hearts: 'likes', Country: 'region', Platform: 'platform', Video: 'videoId' } }, again);
    expect(again.eventsSeen.map((e) => e.eventId)).toEqual(sink.eventsSeen.map((e) => e.eventId));
  });

  it('imports JSONL with products, skipping bad platforms and broken lines', async () => {
    const sink = new MemorySink();
    const s = await importFile({ file: fixture('files/orders.jsonl') }, sink);
    expect(s).toMatchObject({ format: 'jsonl', rows: 4, events: 2, products: 1 });
    expect(sink.productsSeen).toEqual([{ productId: 'p-sunset-lamp', title: 'Sunset Projection Lamp', source: 'import', price: 29.01, currency: 'USD' }]);
    expect(sink.eventsSeen.map((e) => [e.ts, e.orders, e.revenue])).toEqual([['2026-11-24T00:00:00.000Z', 41, 1189.59], ['2026-11-25T00:00:00.000Z', 97, 2813.97]]);
    expect(s.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^line 3: platform "myspace" is not one of tiktok/),
      expect.stringMatching(/^line 4: not JSON/),
    ]);
    for (const p of sink.productsSeen) expect(validateProduct(p).ok).toBe(true);
  });

  it('uses --product for rows without a product column, and refuses unknown fields in the map', async () => {
    const sink = new MemorySink();
    await importFile({ file: fixture('files/tiktok-export.csv'), map: { Date: 'ts', Plays: 'views' }, product: 'p-x' }, sink);
    expect(sink.eventsSeen.map((e) => [e.productId, e.views, e.region, e.platform])).toEqual([['p-x', 12400, 'ZZ', 'other'], ['p-x', 30150, 'ZZ', 'other'], ['p-x', 4100, 'ZZ', 'other']]);
    await expect(importFile({ file: fixture('files/tiktok-export.csv'), map: { Plays: 'plays' } }, sink)).rejects.toThrow(/"plays" is not a field/);
  });
});
