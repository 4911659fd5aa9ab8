// `trenddrop import <file>`: Google Trends exports, CSV or JSONL files from other tools, with a
// progress bar. Event ids come from row content, so importing a file twice changes nothing.
import type { Config } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { importFile } from '../ingest/agent/index.js';
import { progress } from './progress.js';
import { openTarget } from './target.js';

export interface ImportCommandOptions { file: string; format?: 'google-trends' | 'csv' | 'jsonl'; map?: Record<string, string>; product?: string; url?: string }

export async function importCommand(config: Config, o: ImportCommandOptions, out: NodeJS.WritableStream): Promise<void> {
  const logger = createLogger(config.logLevel);
  const target = await openTarget(config, logger, o.url);
  const bar = progress(`import ${o.file}`);
  try {
    const summary = await importFile({ file: o.file, format: o.format, map: o.map, product: o.product, onProgress: (done, total) => bar.update(total ? done / total : 1, `${Math.round(done / 1024)} KiB`) }, target);
    bar.stop();
    out.write(`read ${summary.rows} rows (${summary.format}), sent to ${target.where}: ${summary.products} products, ${summary.events} events, ${summary.videos} videos; ${summary.skipped} rows skipped; ${summary.durationMs} ms\n`);
    if (target.stored) {
      // What the pipeline made of it: every event sent is stored or set aside on the dead-letter topic.
      const { checked, stored } = await target.stored();
      const of = checked < summary.events ? `the first ${checked}` : `${checked}`;
      out.write(stored === checked
        ? `stored: all ${of} events sent are in ClickHouse\n`
        : `stored: ${stored} of ${of} events sent; the other ${checked - stored} were set aside on the dead-letter topic (${config.topicPrefix}dlq.v1) with the reason\n`);
    } else {
      out.write(`accepted by ${target.where}, which stores them as its pipeline reaches them\n`);
    }
    for (const e of summary.errors.slice(0, 20)) out.write(`  ${e.message}\n`);
    if (summary.errors.length > 20) out.write(`  … and ${summary.errors.length - 20} more\n`);
  } finally {
    await target.close();
  }
}
