// Analysis on discovery: one product seen in several places becomes one product (dedupe), gets a
// category from the taxonomy in docs/agent.md, a price in one currency, and — from its numbers —
// a short plain-language insight. Everything here is pure except the Catalog, which is plain data
// the agent persists in its StateStore.
import type { Metric, ProductMessage } from '../../schemas/events.js';
import type { KnownProduct } from './types.js';
import { stableHash } from './ids.js';

// ---------------------------------------------------------------------------------------------
// Text normalisation

const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'for', 'with', 'of', 'in', 'on', 'to', 'by', 'from', 'your', 'my',
  // Listing noise that differs between stores selling the same item.
  'new', 'hot', 'sale', 'best', 'top', 'free', 'shipping', 'pcs', 'pc', 'piece', 'pieces', 'pack',
  'original', 'premium', 'upgraded', 'version', 'edition', 'official', 'genuine',
]);

/** Lowercase, accents and punctuation removed, plural `s` stripped. */
export function tokens(text: string): string[] {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .split(/[^a-z0-9]+/).filter(Boolean)
    .map((t) => (t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t));
}

/** The words that identify a product: no stopwords, no years, no brand, sorted, unique. */
export function titleKey(title: string, brand?: string): string[] {
  const brandTokens = new Set(brand ? tokens(brand) : []);
  const ts = tokens(title).filter((t) => !STOPWORDS.has(t) && !brandTokens.has(t) && !/^(19|20)\d\d$/.test(t));
  return [...new Set(ts)].sort();
}

/** Host and path of an image, without query or the size suffix stores add (`_640x`, `_large`). */
export function imageKey(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    const path = u.pathname.toLowerCase()
      .replace(/_(\d+x\d*|x\d+|pico|icon|thumb|small|compact|medium|large|grande|original|master)(@\dx)?(?=\.[a-z0-9]+$)/, '');
    return `${u.host.toLowerCase()}${path}`;
  } catch {
    return undefined;
  }
}

/** Prices within the same ×1.5 band (or the next one) count as the same product's price. */
export const priceBand = (price: number | undefined): number | undefined =>
  price === undefined || price <= 0 ? undefined : Math.floor(Math.log(price) / Math.log(1.5));

const jaccard = (a: string[], b: string[]): number => {
  const sb = new Set(b);
  const inter = a.filter((t) => sb.has(t)).length;
  return inter / (a.length + b.length - inter || 1);
};

// ---------------------------------------------------------------------------------------------
// Taxonomy (docs/agent.md lists the same table)

export const OTHER_CATEGORY = 'Other';
export const TAXONOMY: readonly { category: string; keywords: readonly string[] }[] = [
  { category: 'Electronics & Gadgets', keywords: ['phone', 'charger', 'cable', 'usb', 'bluetooth', 'earbuds', 'headphones', 'speaker', 'led', 'projector', 'camera', 'smartwatch', 'drone', 'gadget', 'wireless', 'power bank', 'keyboard', 'mouse', 'laptop', 'tablet', 'ring light', 'magsafe', 'fan', 'electronics'] },
  { category: 'Home & Kitchen', keywords: ['kitchen', 'cooking', 'pan', 'knife', 'blender', 'mug', 'cup', 'bottle', 'lamp', 'pillow', 'blanket', 'towel', 'storage', 'organizer', 'cleaning', 'vacuum', 'mop', 'decor', 'candle', 'rug', 'curtain', 'bedding', 'chopper', 'peeler', 'humidifier', 'diffuser'] },
  { category: 'Beauty & Personal Care', keywords: ['skin', 'skincare', 'serum', 'cream', 'makeup', 'lipstick', 'mascara', 'hair', 'brush', 'nail', 'shaver', 'razor', 'perfume', 'face', 'lotion', 'beauty', 'eyelash', 'teeth whitening', 'curling', 'curler', 'headband'] },
  { category: 'Health & Fitness', keywords: ['fitness', 'yoga', 'workout', 'gym', 'resistance band', 'dumbbell', 'posture', 'massage', 'massager', 'sleep', 'supplement', 'vitamin', 'protein', 'health', 'knee', 'back pain', 'scale'] },
  { category: 'Fashion & Accessories', keywords: ['shirt', 't shirt', 'dress', 'hoodie', 'jacket', 'pants', 'leggings', 'shoes', 'sneakers', 'socks', 'hat', 'cap', 'bag', 'wallet', 'sunglasses', 'belt', 'scarf', 'gloves'] },
  { category: 'Jewelry & Watches', keywords: ['necklace', 'bracelet', 'ring', 'earring', 'pendant', 'watch', 'jewelry', 'jewellery'] },
  { category: 'Pet Supplies', keywords: ['pet', 'dog', 'cat', 'puppy', 'kitten', 'leash', 'collar', 'litter', 'aquarium'] },
  { category: 'Toys & Games', keywords: ['toy', 'game', 'puzzle', 'doll', 'plush', 'fidget', 'spinner', 'slime', 'board game', 'rc car'] },
  { category: 'Baby & Kids', keywords: ['baby', 'infant', 'toddler', 'kid', 'nursery', 'stroller', 'diaper', 'pacifier'] },
  { category: 'Sports & Outdoors', keywords: ['camping', 'hiking', 'tent', 'bike', 'bicycle', 'cycling', 'fishing', 'outdoor', 'swim', 'ski', 'golf', 'tennis'] },
  { category: 'Automotive', keywords: ['car', 'vehicle', 'auto', 'windshield', 'tire', 'motorcycle', 'dash cam'] },
  { category: 'Office & School', keywords: ['desk', 'office', 'notebook', 'pen', 'pencil', 'planner', 'stationery', 'school'] },
  { category: 'Garden & Tools', keywords: ['garden', 'plant', 'planter', 'seed', 'hose', 'tool', 'drill', 'screwdriver', 'wrench', 'solar'] },
];
const TAXONOMY_TOKENS = TAXONOMY.map((c) => ({ category: c.category, phrases: c.keywords.map((k) => tokens(k)) }));

const containsPhrase = (text: string[], phrase: string[]): boolean =>
  text.some((_, i) => phrase.every((p, j) => text[i + j] === p));

/**
 * The taxonomy category whose keywords best match the product: a keyword found in the title or
 * in the store's own product type counts 2, in the tags 1; multi-word keywords count by their
 * length. Ties go to the earlier category; no match at all is Other.
 */
export function categorize(p: { title: string; tags?: string[]; productType?: string }): string {
  const fields: [string[], number][] = [[tokens(p.title), 2], [tokens(p.productType ?? ''), 2], [tokens((p.tags ?? []).join(' ')), 1]];
  let best = OTHER_CATEGORY, bestScore = 0;
  for (const c of TAXONOMY_TOKENS) {
    let score = 0;
    for (const phrase of c.phrases) for (const [words, weight] of fields) if (containsPhrase(words, phrase)) score += weight * phrase.length;
    if (score > bestScore) { best = c.category; bestScore = score; }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Currency

/** `rates[code]` = how many units of `base` one unit of `code` is worth. */
export interface CurrencyTable { base: string; rates: Record<string, number> }

/** The price in the base currency, or undefined when the table has no rate for `currency`. */
export function convertPrice(price: number, currency: string, table: CurrencyTable): number | undefined {
  const rate = currency === table.base ? 1 : table.rates[currency];
  return rate === undefined ? undefined : Math.round(price * rate * 100) / 100;
}

// ---------------------------------------------------------------------------------------------
// Dedupe

export interface CatalogEntry {
  id: string;
  title: string;
  brand?: string;
  key: string[];
  image?: string;
  band?: number;
  /** Source-local product ids that resolved to this product. */
  aliases: string[];
  /** Distinct places (stores, sites, feeds) the product was seen in. */
  places: string[];
  /** Hash of the product message last sent, so unchanged products are not re-sent. */
  sent?: string;
}

const TITLE_MATCH = 0.75;

/**
 * Products known to the agent. A product matches an entry when it has the same source id as
 * before, the same image (host + path), or a title whose key words overlap by at least 75 %
 * (Jaccard) with no conflicting brand and a price in the same or a neighbouring ×1.5 band.
 */
export class Catalog {
  private readonly byId = new Map<string, CatalogEntry>();
  private readonly byAlias = new Map<string, string>();
  private readonly byImage = new Map<string, string>();
  private readonly byToken = new Map<string, Set<string>>();

  constructor(entries: CatalogEntry[] = []) {
    for (const e of entries) this.index(e);
  }

  /** The canonical id for a product seen at `place`, and whether the product is new to the agent. */
  resolve(p: ProductMessage, place: string): { id: string; isNew: boolean } {
    const key = titleKey(p.title, p.brand);
    const image = imageKey(p.imageUrl);
    const band = priceBand(p.price);
    const found = this.byAlias.get(p.productId) ?? (image && this.byImage.get(image)) ?? this.byTitle(key, p.brand, band);
    if (found) {
      const e = this.byId.get(found)!;
      if (!e.aliases.includes(p.productId)) e.aliases.push(p.productId);
      if (!e.places.includes(place)) e.places.push(place);
      if (image && !e.image) e.image = image;
      if (band !== undefined) e.band = band;
      this.index(e);
      return { id: e.id, isNew: false };
    }
    this.index({ id: p.productId, title: p.title, brand: p.brand, key, image, band, aliases: [p.productId], places: [place] });
    return { id: p.productId, isNew: true };
  }

  /** The canonical id for a source-local id, if the product has been resolved before. */
  canonical(sourceId: string): string | undefined { return this.byAlias.get(sourceId); }

  /** True when `p` differs from what was last sent for its product. */
  changed(p: ProductMessage): boolean {
    const e = this.byId.get(p.productId);
    return !!e && e.sent !== stableHash(p);
  }

  /** Remembers `p` as sent, once the sink has taken it. */
  markSent(p: ProductMessage): void {
    const e = this.byId.get(p.productId);
    if (e) e.sent = stableHash(p);
  }

  places(id: string): number { return this.byId.get(id)?.places.length ?? 0; }
  known(): KnownProduct[] { return [...this.byId.values()].map((e) => ({ productId: e.id, title: e.title, brand: e.brand })); }
  entries(): CatalogEntry[] { return [...this.byId.values()]; }

  private byTitle(key: string[], brand: string | undefined, band: number | undefined): string | undefined {
    if (key.length === 0) return undefined;
    const candidates = new Set<string>();
    for (const t of key) for (const id of this.byToken.get(t) ?? []) candidates.add(id);
    let best: string | undefined, bestScore = TITLE_MATCH;
    const b = brand ? tokens(brand).join(' ') : undefined;
    for (const id of candidates) {
      const e = this.byId.get(id)!;
      if (b && e.brand && tokens(e.brand).join(' ') !== b) continue;
      if (band !== undefined && e.band !== undefined && Math.abs(band - e.band) > 1) continue;
      const score = jaccard(key, e.key);
      if (score >= bestScore) { best = id; bestScore = score; }
    }
    return best;
  }

  private index(e: CatalogEntry): void {
    this.byId.set(e.id, e);
    for (const a of e.aliases) this.byAlias.set(a, e.id);
    if (e.image && !this.byImage.has(e.image)) this.byImage.set(e.image, e.id);
    for (const t of e.key) {
      let s = this.byToken.get(t);
      if (!s) this.byToken.set(t, (s = new Set()));
      s.add(e.id);
    }
  }
}

/**
 * Products a text mentions: every key word of the product's title appears in the text. Titles
 * with fewer than `minWords` key words are too generic to match on and are skipped.
 */
export function mentionedProducts(text: string, products: KnownProduct[], minWords = 2): string[] {
  const words = new Set(tokens(text));
  return products.filter((p) => {
    const key = titleKey(p.title, p.brand);
    return key.length >= minWords && key.every((t) => words.has(t));
  }).map((p) => p.productId);
}

// ---------------------------------------------------------------------------------------------
// Insight

export interface SeriesPoint {
  /** Milliseconds since epoch. */
  ts: number;
  platform: string;
  region: string;
  views?: number; likes?: number; shares?: number; comments?: number; orders?: number; revenue?: number; searches?: number;
}

export interface SeriesSummary {
  windowHours: number;
  /** Totals in the last window and the one before it. */
  metrics: Partial<Record<Metric, { current: number; previous: number }>>;
  /** The platform × region with the largest share of the lead metric in the last window. */
  leader?: { metric: Metric; platform: string; region: string; share: number };
  /** `follower` tends to move `days` after `leader` (cross-correlation of daily totals). */
  lag?: { leader: Metric; follower: Metric; days: number; correlation: number };
  /** Stores / sites carrying the product. */
  competingStores?: number;
}

const LEAD_METRICS: Metric[] = ['views', 'searches', 'likes', 'comments', 'shares', 'orders'];
const LAG_PAIRS: [Metric, Metric][] = [['views', 'orders'], ['searches', 'orders'], ['views', 'searches']];
const DAY = 86_400_000;

/** Summarises a product's engagement points for `insight`; `now` ends the last window. */
export function summarizeSeries(points: SeriesPoint[], opts: { now: number; windowHours?: number; competingStores?: number; maxLagDays?: number }): SeriesSummary {
  const windowHours = opts.windowHours ?? 48;
  const w = windowHours * 3_600_000;
  const metrics: SeriesSummary['metrics'] = {};
  for (const p of points) {
    const age = opts.now - p.ts;
    if (age < 0 || age >= 2 * w) continue;
    for (const m of LEAD_METRICS.concat('revenue')) {
      const v = p[m] ?? 0;
      if (!v) continue;
      const t = (metrics[m] ??= { current: 0, previous: 0 });
      if (age < w) t.current += v; else t.previous += v;
    }
  }
  const summary: SeriesSummary = { windowHours, metrics };
  if (opts.competingStores !== undefined) summary.competingStores = opts.competingStores;

  const lead = LEAD_METRICS.find((m) => (metrics[m]?.current ?? 0) > 0);
  if (lead) {
    const byPair = new Map<string, number>();
    let total = 0;
    for (const p of points) {
      const age = opts.now - p.ts;
      if (age < 0 || age >= w || !p[lead]) continue;
      const k = `${p.platform}\u0000${p.region}`;
      byPair.set(k, (byPair.get(k) ?? 0) + p[lead]!);
      total += p[lead]!;
    }
    const [k, v] = [...byPair].sort((a, b) => b[1] - a[1])[0]!;
    const [platform, region] = k.split('\u0000');
    summary.leader = { metric: lead, platform, region, share: v / total };
  }
  summary.lag = leadLag(points, opts.now, opts.maxLagDays ?? 7);
  if (!summary.lag) delete summary.lag;
  return summary;
}

/** Lag in whole days that maximises the correlation of daily totals, over the last 8 weeks. */
function leadLag(points: SeriesPoint[], now: number, maxLag: number): SeriesSummary['lag'] {
  const days = 56;
  const start = Math.floor(now / DAY) - days + 1;
  for (const [a, b] of LAG_PAIRS) {
    const xs = new Array<number>(days).fill(0), ys = new Array<number>(days).fill(0);
    let any = false;
    for (const p of points) {
      const d = Math.floor(p.ts / DAY) - start;
      if (d < 0 || d >= days) continue;
      xs[d] += p[a] ?? 0;
      ys[d] += p[b] ?? 0;
      if (p[b]) any = true;
    }
    if (!any) continue;
    const first = xs.findIndex((x, i) => x > 0 || ys[i] > 0);
    // Days after the last data point are not zeros, just not seen yet.
    const end = days - [...xs].reverse().findIndex((x, i) => x > 0 || ys[days - 1 - i] > 0);
    let best: { days: number; correlation: number } | undefined;
    for (let lag = 0; lag <= maxLag; lag++) {
      const x = xs.slice(first, end - lag), y = ys.slice(first + lag, end);
      if (x.length < 8) break;
      const r = pearson(x, y);
      if (r >= 0.5 && (!best || r > best.correlation + 1e-9)) best = { days: lag, correlation: r };
    }
    if (best) return { leader: a, follower: b, ...best };
  }
  return undefined;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n, my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0;
}

const PLATFORM_NAMES: Record<string, string> = {
  tiktok: 'TikTok', instagram: 'Instagram', youtube: 'YouTube', facebook: 'Facebook', pinterest: 'Pinterest',
  snapchat: 'Snapchat', x: 'X', reddit: 'Reddit', amazon: 'Amazon', shopify: 'Shopify', google: 'Google',
  web: 'the web', other: 'other sources',
};

/** One or two plain sentences from a summary, e.g. "views up 240% in 48 h, led by TikTok in BR; …". */
export function insight(s: SeriesSummary): string {
  const parts: string[] = [];
  const lead = s.leader?.metric ?? LEAD_METRICS.find((m) => s.metrics[m]);
  if (!lead) {
    parts.push(`no engagement in the last ${s.windowHours} h`);
  } else {
    const { current, previous } = s.metrics[lead] ?? { current: 0, previous: 0 };
    let trend: string;
    if (current === 0) trend = `${lead} stopped in the last ${s.windowHours} h`;
    else if (previous === 0) trend = `first ${lead} in the last ${s.windowHours} h`;
    else {
      const change = (current - previous) / previous;
      const size = current / previous >= 10 ? `${Math.round(current / previous)}×` : `${Math.round(Math.abs(change) * 100)}%`;
      trend = Math.abs(change) < 0.05 ? `${lead} steady over ${s.windowHours} h`
        : `${lead} ${change > 0 ? 'up' : 'down'} ${size} in ${s.windowHours} h`;
    }
    if (s.leader && s.leader.share >= 0.3 && current > 0) {
      const where = s.leader.region === 'ZZ' ? '' : ` in ${s.leader.region}`;
      trend += `, led by ${PLATFORM_NAMES[s.leader.platform] ?? s.leader.platform}${where}`;
    }
    parts.push(trend);
  }
  if (s.lag) {
    parts.push(s.lag.days === 0 ? `${s.lag.follower} move with ${s.lag.leader}`
      : `${s.lag.follower} lag ${s.lag.leader} by about ${s.lag.days} day${s.lag.days === 1 ? '' : 's'}`);
  }
  if (s.competingStores && s.competingStores > 1) parts.push(`${s.competingStores} competing stores`);
  return parts.join('; ');
}
