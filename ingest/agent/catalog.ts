// One product seen in several places becomes one product: the agent's catalogue matches what a
// source reports to the products it knows (same source id, same image, or the same key words of
// the title with no conflicting brand and a close price). Plain data the agent persists in its
// StateStore; everything else here is pure.
import { terms, words } from '../../analytics/text.js';
import type { ProductMessage } from '../../schemas/events.js';
import { stableHash } from './ids.js';
import type { KnownProduct } from './types.js';

/** The words that identify a product: no stopwords, no years, no brand, sorted, unique. */
export function titleKey(title: string, brand?: string): string[] {
  const brandWords = new Set(brand ? words(brand) : []);
  const ts = terms(title).filter((t) => !brandWords.has(t) && !/^(19|20)\d\d$/.test(t));
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
    const b = brand ? words(brand).join(' ') : undefined;
    for (const id of candidates) {
      const e = this.byId.get(id)!;
      if (b && e.brand && words(e.brand).join(' ') !== b) continue;
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
  const seen = new Set(words(text));
  return products.filter((p) => {
    const key = titleKey(p.title, p.brand);
    return key.length >= minWords && key.every((t) => seen.has(t));
  }).map((p) => p.productId);
}
