// One reader for every file format the agent and `trenddrop import` accept: it turns a stream of
// text chunks into batches of validated items, so a 2 GB JSONL file never sits in memory whole.
import type { EngagementEvent, ProductMessage, RunError, VideoMessage } from '../types.js';
import { stableHash } from '../ids.js';
import { CsvParser } from './csv.js';
import { RecordMapper, type MappedRow } from './records.js';
import { looksLikeGoogleTrends, parseGoogleTrends } from './trends.js';

export const FORMATS = ['google-trends', 'csv', 'jsonl'] as const;
export type FileFormat = (typeof FORMATS)[number];

export interface ReadOptions {
  format?: FileFormat;
  /** Source column → field, for csv and jsonl. */
  map?: Record<string, string>;
  /** Product id for rows (or a single Trends term) that carry none. */
  product?: string;
  /** Google Trends: product id per search term. */
  terms?: Record<string, string>;
  /** Used to guess the format from the extension. */
  name?: string;
  batchSize?: number;
}

export interface ItemBatch {
  products: ProductMessage[];
  events: EngagementEvent[];
  videos: VideoMessage[];
  /** Rows that produced nothing, each with its line and reason. */
  skipped: RunError[];
  rows: number;
}

export function detectFormat(name: string | undefined, head: string): FileFormat {
  if (looksLikeGoogleTrends(head)) return 'google-trends';
  if (name && /\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  if (name && /\.(csv|tsv)$/i.test(name)) return 'csv';
  return /^\s*[[{]/.test(head) ? 'jsonl' : 'csv';
}

const emptyBatch = (): ItemBatch => ({ products: [], events: [], videos: [], skipped: [], rows: 0 });

export async function* readItems(chunks: AsyncIterable<string> | Iterable<string>, o: ReadOptions = {}): AsyncGenerator<ItemBatch & { format: FileFormat }> {
  const it = (async function* () { for await (const c of chunks) yield c; })();
  const first = await it.next();
  const head = first.done ? '' : first.value.replace(/^\uFEFF/, '');
  const format = o.format ?? detectFormat(o.name, head);
  async function* rest(): AsyncGenerator<string> {
    if (head) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }

  if (format === 'google-trends') {
    let text = '';
    for await (const c of rest()) text += c;
    const t = parseGoogleTrends(text, o);
    yield { format, products: t.products, events: t.events, videos: [], skipped: t.skipped, rows: t.rows };
    return;
  }

  const mapper = new RecordMapper(o.map, o.product);
  const batchSize = o.batchSize ?? 1000;
  const seen = new Set<string>();
  const once = (item: unknown) => {
    const h = stableHash(item);
    return !seen.has(h) && !!seen.add(h);
  };
  let batch = emptyBatch();
  const add = (line: number, row: MappedRow) => {
    batch.rows++;
    if (row.event) batch.events.push(row.event);
    // A file repeats its product and video on every row; send each distinct description once.
    if (row.video && once(row.video)) batch.videos.push(row.video);
    if (row.product && once(row.product)) batch.products.push(row.product);
    for (const e of row.errors) batch.skipped.push({ message: `line ${line}: ${e.field ? `${e.field} ` : ''}${e.reason}`, context: { line, field: e.field } });
  };
  const full = () => batch.rows >= batchSize;
  const take = () => { const b = batch; batch = emptyBatch(); return { format, ...b }; };

  if (format === 'csv') {
    const parser = new CsvParser(o.name?.toLowerCase().endsWith('.tsv') ? '\t' : ',');
    let header: string[] | undefined;
    let line = 0;
    const onRows = function* (rows: string[][]) {
      for (const r of rows) {
        line++;
        if (!header) { header = r.map((h) => h.trim()); continue; }
        if (r.every((c) => c.trim() === '')) continue;
        add(line, mapper.map(Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))));
        if (full()) yield take();
      }
    };
    for await (const c of rest()) yield* onRows(parser.push(c));
    yield* onRows(parser.end());
  } else {
    let pending = '';
    let line = 0;
    const onLine = function* (text: string) {
      line++;
      if (!text.trim()) return;
      let value: unknown;
      try { value = JSON.parse(text); } catch (err) {
        batch.rows++;
        batch.skipped.push({ message: `line ${line}: not JSON (${(err as Error).message})`, context: { line } });
        return;
      }
      for (const rec of Array.isArray(value) ? value : [value]) {
        if (rec && typeof rec === 'object') add(line, mapper.map(rec as Record<string, unknown>));
        else { batch.rows++; batch.skipped.push({ message: `line ${line}: not a JSON object`, context: { line } }); }
      }
      if (full()) yield take();
    };
    for await (const c of rest()) {
      const lines = (pending + c).split('\n');
      pending = lines.pop()!;
      for (const l of lines) yield* onLine(l);
    }
    yield* onLine(pending);
  }
  if (batch.rows) yield take();
}
