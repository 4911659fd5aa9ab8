// Files on disk or at a URL — Google Trends exports, other tools' CSV / JSONL — read on a
// schedule with the same reader as `trenddrop import`. An unchanged file (same size and mtime,
// or a 304) is not read again.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readItems, type ReadOptions } from '../formats/items.js';
import type { Source, SourceContext, SourceResult } from '../types.js';
import { emptyResult } from '../types.js';

export interface FileSourceOptions extends Omit<ReadOptions, 'name' | 'batchSize'> {
  name: string;
  path?: string;
  url?: string;
}

const MAX_ROW_ERRORS = 50;

export class FileSource implements Source {
  readonly name: string;
  constructor(private readonly o: FileSourceOptions) {
    if (!o.path === !o.url) throw new Error(`file source ${o.name}: give exactly one of path and url`);
    this.name = o.name;
  }

  async run(ctx: SourceContext): Promise<SourceResult> {
    const result = emptyResult();
    let chunks: AsyncIterable<string> | string[];
    if (this.o.url) {
      const res = await ctx.http.get(this.o.url, { conditional: true, cache: ctx.state, signal: ctx.signal });
      if (res.notModified) return result;
      chunks = [res.body];
    } else {
      const s = await stat(this.o.path!);
      const version = `${s.size}:${s.mtimeMs}`;
      if ((await ctx.state.get<string>('version')) === version) return result;
      await ctx.state.set('version', version);
      chunks = createReadStream(this.o.path!, { encoding: 'utf8' }) as AsyncIterable<string>;
    }
    let skipped = 0;
    for await (const b of readItems(chunks, { ...this.o, name: this.o.path ?? new URL(this.o.url!).pathname })) {
      result.products.push(...b.products);
      result.events.push(...b.events);
      result.videos.push(...b.videos);
      skipped += b.skipped.length;
      result.errors.push(...b.skipped.slice(0, Math.max(0, MAX_ROW_ERRORS - result.errors.length)));
    }
    if (skipped > MAX_ROW_ERRORS) result.errors.push({ message: `${skipped - MAX_ROW_ERRORS} more rows skipped`, code: 'rows_skipped' });
    return result;
  }
}
