// Rows from other tools' CSV / JSONL files, renamed by a column mapping onto our fields. A row with
// any metric becomes an engagement event; a row with a title also describes its product; a row
// with a videoId also names the video. Event ids come from the row's content unless it has one.
import { METRICS, PLATFORMS } from '../../../schemas/events.js';
import { validateEvent, validateProduct, validateVideo, type FieldError } from '../../../schemas/validate.js';
import type { EngagementEvent, Platform, ProductMessage, VideoMessage } from '../types.js';
import { eventIdFor } from '../ids.js';
import { regionCode } from './regions.js';

const EVENT_FIELDS = ['eventId', 'ts', 'productId', 'platform', 'region', 'videoId', ...METRICS] as const;
const PRODUCT_FIELDS = ['title', 'category', 'brand', 'price', 'currency', 'imageUrl', 'sourceUrl', 'tags'] as const;
export const RECORD_FIELDS: readonly string[] = [...EVENT_FIELDS, ...PRODUCT_FIELDS];

export interface MappedRow {
  event?: EngagementEvent;
  product?: ProductMessage;
  video?: VideoMessage;
  errors: FieldError[];
}

/** Epoch seconds or milliseconds, ISO date or date-time, or anything Date.parse reads. */
export function parseTime(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v).trim();
  let ms: number;
  if (/^\d{9,13}(\.\d+)?$/.test(s)) ms = Number(s) < 1e11 ? Number(s) * 1000 : Number(s);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) ms = Date.parse(`${s}T00:00:00Z`);
  else ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** "1,234" and " 12 " as numbers; empty as undefined; anything else as NaN (reported). */
function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  const s = String(v).trim().replace(/,(?=\d{3}\b)/g, '');
  return s === '' ? undefined : Number(s);
}

const str = (v: unknown): string | undefined => (v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim());

export class RecordMapper {
  private readonly rename: Map<string, string>;

  /**
   * @param map source column → our field; columns already named like a field need no entry.
   * @param product product id for rows that carry none.
   */
  constructor(map: Record<string, string> = {}, private readonly product?: string) {
    for (const [col, field] of Object.entries(map)) {
      if (!RECORD_FIELDS.includes(field)) throw new Error(`--map ${col}=${field}: "${field}" is not a field (fields: ${RECORD_FIELDS.join(', ')})`);
    }
    this.rename = new Map(Object.entries(map));
  }

  /** Our fields from a raw record; mapped columns win over columns that merely share a name. */
  fields(raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (RECORD_FIELDS.includes(k) && !this.rename.has(k)) out[k] = v;
    for (const [col, field] of this.rename) if (col in raw) out[field] = raw[col];
    return out;
  }

  map(raw: Record<string, unknown>): MappedRow {
    const f = this.fields(raw);
    const errors: FieldError[] = [];
    const productId = str(f.productId) ?? this.product;
    if (!productId) return { errors: [{ field: 'productId', reason: 'is required (map a column to productId or pass --product)' }] };
    const row: MappedRow = { errors };

    const hasMetric = METRICS.some((m) => str(f[m]) !== undefined);
    if (hasMetric) {
      const ts = parseTime(f.ts);
      if (!ts) errors.push({ field: 'ts', reason: f.ts === undefined ? 'is required for a row with metrics' : `"${String(f.ts)}" is not a date or time` });
      const platform = (str(f.platform)?.toLowerCase() ?? 'other') as Platform;
      const regionRaw = str(f.region) ?? 'ZZ';
      const region = regionCode(regionRaw) ?? regionRaw;
      const event: Record<string, unknown> = { ts, productId, platform, region };
      if (!PLATFORMS.includes(platform)) errors.push({ field: 'platform', reason: `"${platform}" is not one of ${PLATFORMS.join(', ')}` });
      const videoId = str(f.videoId);
      if (videoId) event.videoId = videoId;
      for (const m of METRICS) {
        const v = num(f[m]);
        if (v !== undefined) event[m] = m === 'revenue' ? v : Number.isInteger(v) ? v : Math.round(v);
      }
      if (!errors.length) {
        event.eventId = str(f.eventId) ?? eventIdFor('import', event);
        const r = validateEvent(event);
        if (r.ok) row.event = event as EngagementEvent;
        else errors.push(...r.errors);
      }
    }

    const title = str(f.title);
    if (title) {
      const p: Record<string, unknown> = { productId, title, source: 'import' };
      for (const k of ['category', 'brand', 'currency', 'imageUrl', 'sourceUrl'] as const) if (str(f[k])) p[k] = str(f[k]);
      if (typeof p.currency === 'string') p.currency = p.currency.toUpperCase();
      const price = num(f.price);
      if (price !== undefined) p.price = price;
      const tags = Array.isArray(f.tags) ? f.tags.map(String) : str(f.tags)?.split(/[|;,]/).map((t) => t.trim()).filter(Boolean);
      if (tags?.length) p.tags = tags;
      const r = validateProduct(p);
      if (r.ok) row.product = r.value;
      else errors.push(...r.errors);
    }

    if (row.event?.videoId) {
      const video = { videoId: row.event.videoId, productId, platform: row.event.platform };
      if (validateVideo(video).ok) row.video = video;
    }
    if (!hasMetric && !title) errors.push({ field: '', reason: 'row has no metric and no title' });
    return row;
  }
}
