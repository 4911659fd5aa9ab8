// Google Trends CSV exports: interest over time (`Week|Day|Month|Time,<term>: (<region>)`) and
// interest by region (`Country|Region|Metro|City,<term>: (<date range>)`), after a
// `Category: …` preamble. Values are relative interest 0–100; `<1` means above zero but below
// one and becomes 0 (counts are integers); an empty cell means too little data and is skipped.
import type { EngagementEvent, ProductMessage, RunError } from '../types.js';
import { eventIdFor, productIdFor } from '../ids.js';
import { parseCsv } from './csv.js';
import { regionCode } from './regions.js';

export interface TrendsOptions {
  /** Product id for a file with a single term. */
  product?: string;
  /** Product id per search term (case-insensitive); other terms get an id derived from the term. */
  terms?: Record<string, string>;
}

export interface TrendsResult {
  kind: 'time' | 'region';
  products: ProductMessage[];
  events: EngagementEvent[];
  skipped: RunError[];
  rows: number;
}

const TIME_COLUMNS = new Set(['week', 'day', 'month', 'time']);
const REGION_COLUMNS = new Set(['country', 'region', 'subregion', 'metro', 'city', 'dma']);

/** True when the text looks like a Google Trends export (used by format detection). */
export function looksLikeGoogleTrends(head: string): boolean {
  const lines = head.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim()).slice(0, 3);
  return /^Category:/i.test(lines[0] ?? '') || lines.some((l) => /^(Week|Day|Month|Time|Country|Region|Metro|City),.+: \(.+\)/.test(l));
}

/** `fidget spinner: (Worldwide)` → term and the text in parentheses. */
function splitHeader(h: string): { term: string; paren: string } | undefined {
  const m = /^(.*): \((.*)\)\s*$/.exec(h.trim());
  return m ? { term: m[1].trim(), paren: m[2].trim() } : undefined;
}

/** Trends dates: 2024-01-07, 2024-01, 2024-01-07T13, and US 1/7/24 in by-region ranges. */
export function trendsDate(s: string): string | undefined {
  const v = s.trim();
  let m = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:T(\d{2})(?::(\d{2}))?)?/.exec(v);
  if (m) {
    const iso = `${m[1]}-${m[2]}-${m[3] ?? '01'}T${m[4] ?? '00'}:${m[5] ?? '00'}:00.000Z`;
    return Number.isFinite(Date.parse(iso)) ? iso : undefined;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(v);
  if (m) {
    const year = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    const d = new Date(Date.UTC(year, Number(m[1]) - 1, Number(m[2])));
    return Number.isFinite(d.getTime()) ? d.toISOString() : undefined;
  }
  return undefined;
}

/** A cell as an integer count: `<1` → 0, `45%` → 45, empty → undefined. */
function interest(cell: string): number | undefined {
  const v = cell.trim().replace(/%$/, '');
  if (v === '') return undefined;
  if (v === '<1') return 0;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : NaN;
}

export function parseGoogleTrends(text: string, opts: TrendsOptions = {}): TrendsResult {
  const rows = parseCsv(text);
  const blank = (r: string[]) => r.every((c) => c.trim() === '');
  const headerAt = rows.findIndex((r) => r.length >= 2 && (TIME_COLUMNS.has(r[0].trim().toLowerCase()) || REGION_COLUMNS.has(r[0].trim().toLowerCase())) && r.slice(1).every((c) => splitHeader(c)));
  if (headerAt < 0) throw new Error('not a Google Trends export: no "Week,<term>: (<region>)" or "Country,<term>: (<dates>)" header');
  const header = rows[headerAt];
  const kind = TIME_COLUMNS.has(header[0].trim().toLowerCase()) ? 'time' : 'region';
  const columns = header.slice(1).map((h) => splitHeader(h)!);
  if (opts.product && columns.length > 1) {
    throw new Error(`the file compares ${columns.length} terms (${columns.map((c) => c.term).join(', ')}); map each term to a product instead of one product for all`);
  }
  const lowerTerms = new Map(Object.entries(opts.terms ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const products: ProductMessage[] = [];
  const cols = columns.map((c): { term: string; paren: string; productId: string; region?: string; start?: string } => {
    const mapped = opts.product ?? lowerTerms.get(c.term.toLowerCase());
    const productId = mapped ?? productIdFor('q', c.term.toLowerCase(), c.term);
    // A term nobody mapped is discovered as a product of its own, titled by the term.
    if (!mapped) products.push({ productId, title: c.term, source: 'google-trends', tags: ['search-term'] });
    if (kind === 'time') return { ...c, productId, region: regionCode(c.paren) };
    return { ...c, productId, start: trendsDate(c.paren.split(/\s+-\s+/)[0]) };
  });

  const events: EngagementEvent[] = [];
  const skipped: RunError[] = [];
  const granularity = header[0].trim().toLowerCase();
  let dataRows = 0;
  rows.slice(headerAt + 1).forEach((row, i) => {
    const line = headerAt + i + 2;
    if (blank(row)) return;
    dataRows++;
    const key = row[0].trim();
    const ts = kind === 'time' ? trendsDate(key) : undefined;
    const rowRegion = kind === 'region' ? regionCode(key) : undefined;
    if (kind === 'time' && !ts) { skipped.push({ message: `row ${line}: "${key}" is not a date`, context: { line } }); return; }
    if (kind === 'region' && !rowRegion) { skipped.push({ message: `row ${line}: "${key}" is not a country`, context: { line } }); return; }
    cols.forEach((c, j) => {
      const value = interest(row[j + 1] ?? '');
      if (value === undefined) return;
      const region = c.region ?? rowRegion;
      const at = ts ?? c.start;
      if (Number.isNaN(value) || !region || !at) {
        const why = Number.isNaN(value) ? `"${row[j + 1]}" is not a number` : !region ? `region "${c.paren}" is not a country` : `date range "${c.paren}" has no start date`;
        skipped.push({ message: `row ${line}, ${c.term}: ${why}`, context: { line, term: c.term } });
        return;
      }
      events.push({
        // Not from the value: Trends re-scales every export, and a re-export of the same period
        // must not add to the first.
        eventId: eventIdFor('google-trends', c.productId, region, at, kind === 'time' ? granularity : `${granularity}:${c.paren}`),
        ts: at, productId: c.productId, platform: 'google', region, searches: value,
      });
    });
  });
  return { kind, products, events, skipped, rows: dataRows };
}
