// Product pages that embed schema.org Product JSON-LD. Each Product becomes a product message;
// its aggregateRating counts, followed from run to run, become engagement: new ratings are
// `likes` and new reviews are `comments` (docs/agent.md, "Metric mapping").
import { LIMITS } from '../../../schemas/events.js';
import { categorize } from '../taxonomy.js';
import { productIdFor } from '../ids.js';
import type { Platform, ProductMessage, Source, SourceContext, SourceResult } from '../types.js';
import { emptyResult } from '../types.js';
import { cleanTags, clip, count, counterEvent, httpUrl, plainText, price as toPrice, runError, SourceError } from './common.js';

export interface JsonLdOptions {
  name: string;
  urls: string[];
  /** Where the page's shoppers are; ZZ when unknown. */
  region?: string;
  platform?: Platform;
  /** For offers that give a price without priceCurrency. */
  currency?: string;
}

export interface JsonLdProduct {
  name: string;
  brand?: string;
  sku?: string;
  url?: string;
  image?: string;
  price?: number;
  currency?: string;
  category?: string;
  ratingValue?: number;
  ratingCount?: number;
  reviewCount?: number;
}

type Json = Record<string, unknown>;
const SCRIPT = /<script\b[^>]*\btype\s*=\s*["']?application\/ld\+json["']?[^>]*>([\s\S]*?)<\/script>/gi;

/** Pages in the wild break JSON-LD in a few common ways; undo those before giving up. */
function parseLenient(text: string): unknown {
  const raw = text.trim().replace(/^<!--|-->$/g, '').replace(/^\s*\/\/\s*<!\[CDATA\[|\/\/\s*\]\]>\s*$/g, '');
  try {
    return JSON.parse(raw);
  } catch (first) {
    // Raw control characters (newlines inside strings) and trailing commas.
    const repaired = raw.replace(/[\u0000-\u001f]+/g, ' ').replace(/,\s*([}\]])/g, '$1');
    try { return JSON.parse(repaired); } catch { throw first; }
  }
}

const isType = (node: Json, type: string): boolean => {
  const t = node['@type'];
  return t === type || (Array.isArray(t) && t.includes(type)) || (typeof t === 'string' && t.endsWith(`/${type}`));
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? plainText(v) : typeof v === 'number' ? String(v) : undefined);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** Every schema.org Product in the page's JSON-LD, including ones nested in @graph or mainEntity. */
export function extractJsonLdProducts(html: string): { products: JsonLdProduct[]; errors: string[] } {
  const products: JsonLdProduct[] = [];
  const errors: string[] = [];
  let block = 0;
  for (const m of html.matchAll(SCRIPT)) {
    block++;
    let data: unknown;
    try { data = parseLenient(m[1]); } catch (err) {
      errors.push(`JSON-LD block ${block} is not JSON: ${(err as Error).message}`);
      continue;
    }
    const stack: unknown[] = [data];
    while (stack.length) {
      const node = stack.pop();
      if (Array.isArray(node)) { stack.push(...node); continue; }
      if (!node || typeof node !== 'object') continue;
      const n = node as Json;
      if (isType(n, 'Product') || isType(n, 'ProductGroup')) {
        const p = toProduct(n);
        if (p) products.push(p);
        else errors.push(`JSON-LD block ${block}: a Product without a name`);
        continue;
      }
      for (const k of ['@graph', 'mainEntity', 'itemListElement', 'item']) if (k in n) stack.push(n[k]);
    }
  }
  return { products, errors };
}

function toProduct(n: Json): JsonLdProduct | undefined {
  const name = str(n.name);
  if (!name) return undefined;
  const brand = first(n.brand);
  const image = first(n.image);
  const offers = (Array.isArray(n.offers) ? n.offers : n.offers ? [n.offers] : []) as Json[];
  const prices = offers.map((o) => ({ price: toPrice(o.price ?? o.lowPrice ?? (o.priceSpecification as Json | undefined)?.price), currency: str(o.priceCurrency) }))
    .filter((o) => o.price !== undefined);
  const cheapest = prices.sort((a, b) => a.price! - b.price!)[0];
  const rating = (first(n.aggregateRating) ?? {}) as Json;
  const p: JsonLdProduct = { name };
  const brandName = typeof brand === 'string' ? brand : str((brand as Json | undefined)?.name);
  if (brandName) p.brand = brandName;
  const sku = str(n.sku) ?? str(n.gtin13) ?? str(n.gtin) ?? str(n.mpn) ?? str(n.productID);
  if (sku) p.sku = sku;
  if (str(n.url)) p.url = str(n.url);
  const img = typeof image === 'string' ? image : str((image as Json | undefined)?.url ?? (image as Json | undefined)?.contentUrl);
  if (img) p.image = img;
  if (cheapest) { p.price = cheapest.price; if (cheapest.currency) p.currency = cheapest.currency.toUpperCase(); }
  if (str(n.category)) p.category = str(n.category);
  const ratingValue = Number(rating.ratingValue);
  if (Number.isFinite(ratingValue) && rating.ratingValue !== undefined) p.ratingValue = ratingValue;
  const ratingCount = count(rating.ratingCount), reviewCount = count(rating.reviewCount ?? n.reviewCount);
  if (ratingCount !== undefined) p.ratingCount = ratingCount;
  if (reviewCount !== undefined) p.reviewCount = reviewCount;
  return p;
}

export class JsonLdSource implements Source {
  readonly name: string;
  constructor(private readonly o: JsonLdOptions) { this.name = o.name; }

  async run(ctx: SourceContext): Promise<SourceResult> {
    const result = emptyResult();
    let failed = 0;
    for (const url of this.o.urls) {
      try {
        await this.page(url, ctx, result);
      } catch (err) {
        failed++;
        result.errors.push(runError(err));
      }
    }
    if (failed && failed === this.o.urls.length) throw new SourceError(`all ${failed} pages failed: ${result.errors.map((e) => e.message).join('; ')}`, { errors: result.errors });
    return result;
  }

  private async page(url: string, ctx: SourceContext, result: SourceResult): Promise<void> {
    const res = await ctx.http.get(url, { conditional: true, cache: ctx.state, robots: true, accept: 'text/html,application/xhtml+xml', signal: ctx.signal });
    if (res.notModified) return;
    const { products, errors } = extractJsonLdProducts(res.body);
    for (const e of errors) result.errors.push({ message: e, code: 'bad_jsonld', context: { url: res.url } });
    if (!products.length && !errors.length) result.errors.push({ message: 'no schema.org Product JSON-LD on the page', code: 'no_jsonld', context: { url: res.url } });
    const region = this.o.region ?? 'ZZ';
    for (const p of products) {
      const title = clip(p.name, LIMITS.titleLength);
      const sourceUrl = httpUrl(p.url, res.url) ?? res.url;
      const productId = productIdFor('page', p.sku ? `${new URL(sourceUrl).host}/${p.sku}` : sourceUrl, title);
      const msg: ProductMessage = { productId, title, source: 'jsonld', sourceUrl, category: categorize({ title, productType: p.category }) };
      if (p.brand) msg.brand = clip(p.brand, 200);
      if (p.price !== undefined) { msg.price = p.price; msg.currency = p.currency ?? this.o.currency ?? 'USD'; }
      const image = httpUrl(p.image, res.url);
      if (image) msg.imageUrl = image;
      const tags = cleanTags(p.category ? [p.category] : []);
      if (tags) msg.tags = tags;
      result.products.push(msg);
      const counts: { likes?: number; comments?: number } = {};
      if (p.ratingCount !== undefined) counts.likes = p.ratingCount;
      if (p.reviewCount !== undefined) counts.comments = p.reviewCount;
      if (Object.keys(counts).length) {
        const event = await counterEvent(ctx.state, productId, ctx.now, counts, { productId, platform: this.o.platform ?? 'web', region });
        if (event) result.events.push(event);
      }
    }
  }
}
