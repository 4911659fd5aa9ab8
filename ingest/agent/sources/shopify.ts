// Shopify storefronts: the public /products.json pages. Each product becomes a product message
// (lowest variant price, first image, vendor as brand); new listings, price moves and variant
// changes are reported as changes. The pages carry no engagement counts, so no events.
import { LIMITS } from '../../../schemas/events.js';
import { categorize } from '../taxonomy.js';
import { productIdFor } from '../ids.js';
import type { Change, ProductMessage, Source, SourceContext, SourceResult } from '../types.js';
import { emptyResult } from '../types.js';
import { cleanTags, clip, httpUrl, price as toPrice, runError, SourceError } from './common.js';

export interface ShopifyOptions {
  name: string;
  /** Storefront base URL, e.g. https://shop.example.com */
  store: string;
  /** Currency the storefront prices in (products.json does not say). */
  currency?: string;
  maxPages?: number;
  pageSize?: number;
}

interface ShopifyVariant { id?: number | string; title?: string; price?: string | number; available?: boolean }
interface ShopifyProduct {
  id?: number | string; title?: string; handle?: string; vendor?: string; product_type?: string;
  tags?: string[] | string; images?: { src?: string }[]; image?: { src?: string }; variants?: ShopifyVariant[];
}
interface Seen { price?: number; variants: string[] }

export class ShopifySource implements Source {
  readonly name: string;
  private readonly base: string;
  constructor(private readonly o: ShopifyOptions) {
    this.name = o.name;
    this.base = o.store.replace(/\/+$/, '');
  }

  async run(ctx: SourceContext): Promise<SourceResult> {
    const result = emptyResult();
    const pageSize = this.o.pageSize ?? 250;
    const maxPages = this.o.maxPages ?? 20;
    // How many full pages the store had last time: a 304 beyond them is the empty last page.
    const fullPages = (await ctx.state.get<number>('fullPages')) ?? 0;
    let newFullPages = fullPages;
    for (let page = 1; page <= maxPages; page++) {
      const url = `${this.base}/products.json?limit=${pageSize}&page=${page}`;
      let products: ShopifyProduct[] | undefined;
      try {
        products = await this.page(url, ctx);
      } catch (err) {
        // The first page failing is the store failing; a later one keeps what came before.
        if (page === 1) throw err;
        result.errors.push(runError(err));
        return result;
      }
      if (!products) {
        if (page <= fullPages) continue;
        break;
      }
      for (const p of products) await this.product(p, ctx, result);
      if (products.length < pageSize) { newFullPages = page - 1; break; }
      newFullPages = page;
    }
    await ctx.state.set('fullPages', newFullPages);
    return result;
  }

  /** The page's products, or undefined when it has not changed since the last run. */
  private async page(url: string, ctx: SourceContext): Promise<ShopifyProduct[] | undefined> {
    const res = await ctx.http.get(url, { conditional: true, cache: ctx.state, robots: true, accept: 'application/json', signal: ctx.signal });
    if (res.notModified) return undefined;
    let body: { products?: unknown };
    try { body = JSON.parse(res.body) as typeof body; } catch (err) {
      throw new SourceError(`not a Shopify products.json page: not JSON (${(err as Error).message})`, { url });
    }
    if (!Array.isArray(body.products)) throw new SourceError('not a Shopify products.json page: no "products" array', { url });
    return body.products as ShopifyProduct[];
  }

  private async product(p: ShopifyProduct, ctx: SourceContext, result: SourceResult): Promise<void> {
    if (p.id === undefined || !p.title?.trim()) {
      result.errors.push({ message: 'product without id or title skipped', context: { store: this.base, id: p.id } });
      return;
    }
    const title = clip(p.title.trim(), LIMITS.titleLength);
    const productId = productIdFor('shopify', `${new URL(this.base).host}/${p.id}`, p.handle ?? title);
    const variants = (p.variants ?? []).map((v) => ({ key: `${v.id}:${v.title}:${v.price}:${v.available === false ? 'sold-out' : 'ok'}`, price: toPrice(v.price) }));
    const prices = variants.map((v) => v.price).filter((x): x is number => x !== undefined);
    const price = prices.length ? Math.min(...prices) : undefined;
    const tags = typeof p.tags === 'string' ? p.tags.split(',') : p.tags ?? [];
    const msg: ProductMessage = {
      productId, title, source: 'shopify',
      category: categorize({ title, tags, productType: p.product_type }),
    };
    if (p.vendor?.trim()) msg.brand = clip(p.vendor.trim(), 200);
    if (price !== undefined) { msg.price = price; msg.currency = this.o.currency ?? 'USD'; }
    const image = httpUrl(p.images?.[0]?.src ?? p.image?.src);
    if (image) msg.imageUrl = image;
    const page = p.handle && httpUrl(`${this.base}/products/${encodeURIComponent(p.handle)}`);
    if (page) msg.sourceUrl = page;
    const cleaned = cleanTags([...tags, p.product_type ?? '']);
    if (cleaned) msg.tags = cleaned;
    result.products.push(msg);

    const seen = await ctx.state.get<Seen>(`product:${productId}`);
    const now: Seen = { price, variants: variants.map((v) => v.key).sort() };
    await ctx.state.set(`product:${productId}`, now);
    const change = (kind: Change['kind'], detail: string) => result.changes.push({ productId, kind, detail });
    if (!seen) { change('new', `listed at ${this.base}`); return; }
    if (seen.price !== price) change('price', `${seen.price ?? '?'} → ${price ?? '?'} ${msg.currency ?? ''}`.trim());
    const before = new Set(seen.variants), after = new Set(now.variants);
    const added = now.variants.filter((v) => !before.has(v)).length, removed = seen.variants.filter((v) => !after.has(v)).length;
    if (added || removed) change('variants', `${added} variant(s) added or changed, ${removed} removed or changed`);
  }
}
