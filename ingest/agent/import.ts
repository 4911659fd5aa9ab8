// `trenddrop import <file>`: a file from Google Trends or another tool into the sink. Ids come from
// the rows' content, so importing the same file twice changes nothing downstream.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AgentSink, RunError } from './types.js';
import { readItems, type FileFormat } from './formats/items.js';

export interface ImportOptions {
  file: string;
  format?: FileFormat;
  map?: Record<string, string>;
  product?: string;
  /** Google Trends: product id per search term. */
  terms?: Record<string, string>;
  /** Bytes read so far and the file's size. */
  onProgress?: (done: number, total: number) => void;
  batchSize?: number;
}

export interface ImportSummary {
  file: string;
  format: FileFormat;
  rows: number;
  products: number;
  events: number;
  videos: number;
  skipped: number;
  /** The first 100 skipped rows, each with its line and reason. */
  errors: RunError[];
  durationMs: number;
}

const MAX_REPORTED = 100;

export async function importFile(opts: ImportOptions, sink: AgentSink): Promise<ImportSummary> {
  const started = Date.now();
  const { size } = await stat(opts.file);
  const stream = createReadStream(opts.file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const summary: ImportSummary = { file: opts.file, format: opts.format ?? 'csv', rows: 0, products: 0, events: 0, videos: 0, skipped: 0, errors: [], durationMs: 0 };
  opts.onProgress?.(0, size);
  try {
    for await (const b of readItems(stream as AsyncIterable<string>, { ...opts, name: opts.file })) {
      summary.format = b.format;
      // Products first, so that consumers know a product before its first event.
      if (b.products.length) await sink.products(b.products);
      if (b.videos.length) await sink.videos(b.videos);
      if (b.events.length) await sink.events(b.events);
      summary.rows += b.rows;
      summary.products += b.products.length;
      summary.events += b.events.length;
      summary.videos += b.videos.length;
      summary.skipped += b.skipped.length;
      summary.errors.push(...b.skipped.slice(0, MAX_REPORTED - summary.errors.length));
      opts.onProgress?.(stream.bytesRead, size);
    }
  } finally {
    stream.destroy();
  }
  opts.onProgress?.(size, size);
  summary.durationMs = Date.now() - started;
  return summary;
}
