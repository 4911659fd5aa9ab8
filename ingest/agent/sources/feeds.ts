// RSS 2.0, RSS 1.0 (RDF) and Atom feeds: product launches, deal feeds, YouTube channel feeds.
// Each item that mentions a product counts one mention (`shares`, docs/agent.md). Launch and
// deal feeds can instead describe one product per item. YouTube entries also carry cumulative
// view and like counts, followed from run to run like review counts on product pages.
import { XMLParser } from 'fast-xml-parser';
import { LIMITS } from '../../../schemas/events.js';
import { mentionedProducts } from '../catalog.js';
import { categorize } from '../taxonomy.js';
import { eventIdFor, productIdFor } from '../ids.js';
import type { KnownProduct, Platform, ProductMessage, Source, SourceContext, SourceResult } from '../types.js';
import { emptyResult } from '../types.js';
import { clip, count, counterEvent, httpUrl, plainText, price as toPrice, SourceError } from './common.js';

export interface FeedOptions {
  name: string;
  url: string;
  platform?: Platform;
  region?: string;
  /** Each item is a product (launch and deal feeds) rather than text that mentions products. */
  itemsAreProducts?: boolean;
  /** Currency of prices found in item titles when the text shows only a bare number. */
  currency?: string;
  /** Terms that mean a product, besides the titles of products the agent already knows. */
  watch?: { productId: string; terms: string[] }[];
}

export interface FeedItem {
  id: string;
  title: string;
  text: string;
  link?: string;
  published?: number;
  image?: string;
  videoId?: string;
  author?: string;
  views?: number;
  likes?: number;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) => ['item', 'entry', 'link', 'category', 'media:content', 'media:thumbnail'].includes(name),
});

const text = (v: unknown): string => {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  if (v && typeof v === 'object') return text((v as Node)['#text'] ?? '');
  return '';
};
const attr = (v: unknown, name: string): string | undefined => {
  const n = (Array.isArray(v) ? v[0] : v) as Node | undefined;
  const a = n?.[`@_${name}`];
  return typeof a === 'string' ? a : undefined;
};
const time = (v: unknown): number | undefined => {
  const t = Date.parse(text(v));
  return Number.isFinite(t) ? t : undefined;
};

/** The items of an RSS or Atom document, in a common shape. */
export function parseFeed(xml: string): FeedItem[] {
  let doc: Node;
  try { doc = parser.parse(xml) as Node; } catch (err) {
    throw new SourceError(`not XML: ${(err as Error).message}`);
  }
  const rss = doc.rss as Node | undefined;
  const rdf = doc['rdf:RDF'] as Node | undefined;
  const atom = doc.feed as Node | undefined;
  if (rss || rdf) {
    const items = ((rss?.channel as Node | undefined)?.item ?? rdf?.item ?? []) as Node[];
    return items.map((i) => {
      const title = plainText(text(i.title));
      const link = text(i.link) || undefined;
      const media = (i['media:content'] ?? i['media:thumbnail']) as unknown;
      const image = attr(i.enclosure, 'type')?.startsWith('image/') ? attr(i.enclosure, 'url') : attr(media, 'url');
      return {
        id: text(i.guid) || link || title,
        title,
        text: `${title} ${plainText(text(i.description) || text(i['content:encoded']))}`.trim(),
        link, image,
        published: time(i.pubDate ?? i['dc:date']),
        author: text(i.author ?? i['dc:creator']) || undefined,
      };
    });
  }
  if (atom) {
    return ((atom.entry ?? []) as Node[]).map((e) => {
      const links = (e.link ?? []) as Node[];
      const link = attr(links.find((l) => !l['@_rel'] || l['@_rel'] === 'alternate'), 'href');
      const group = (e['media:group'] ?? {}) as Node;
      const community = (group['media:community'] ?? {}) as Node;
      const title = plainText(text(e.title));
      return {
        id: text(e.id) || link || title,
        title,
        text: `${title} ${plainText(text(e.summary) || text(e.content) || text(group['media:description']))}`.trim(),
        link,
        image: attr(group['media:thumbnail'], 'url'),
        published: time(e.published ?? e.updated),
        videoId: text(e['yt:videoId']) || undefined,
        author: text((e.author as Node | undefined)?.name) || undefined,
        views: count(attr(community['media:statistics'], 'views')),
        likes: count(attr(community['media:starRating'], 'count')),
      };
    });
  }
  throw new SourceError('neither RSS nor Atom (no <rss>, <rdf:RDF> or <feed> root)');
}

/** "$19.99", "19,99 €", "£7" in a deal title. */
function priceIn(s: string, fallback?: string): { price: number; currency: string } | undefined {
  const m = /(US\$|\$|€|£|USD|EUR|GBP)\s?(\d[\d.,]*)|(\d[\d.,]*)\s?(€|£|USD|EUR|GBP)/.exec(s);
  if (!m) return undefined;
  const symbol = m[1] ?? m[4];
  const value = toPrice(m[2] ?? m[3]);
  const currency = ({ $: 'USD', US$: 'USD', '€': 'EUR', '£': 'GBP' } as Record<string, string>)[symbol] ?? symbol ?? fallback;
  return value === undefined || !currency ? undefined : { price: value, currency };
}

export class FeedSource implements Source {
  readonly name: string;
  constructor(private readonly o: FeedOptions) { this.name = o.name; }

  async run(ctx: SourceContext): Promise<SourceResult> {
    const result = emptyResult();
    const res = await ctx.http.get(this.o.url, { conditional: true, cache: ctx.state, accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5', signal: ctx.signal });
    if (res.notModified) return result;
    const items = parseFeed(res.body);
    const region = this.o.region ?? 'ZZ';
    const watch: KnownProduct[] = (this.o.watch ?? []).flatMap((w) => w.terms.map((t) => ({ productId: w.productId, title: t })));
    const known = ctx.knownProducts();
    for (const item of items) {
      const platform = this.o.platform ?? (item.videoId ? 'youtube' : 'web');
      const ids = this.o.itemsAreProducts ? [this.product(item, res.url, result)]
        : [...new Set([...mentionedProducts(item.text, watch, 1), ...mentionedProducts(item.text, known)])];
      for (const productId of ids) {
        const event = { eventId: eventIdFor('feed', this.o.url, item.id, productId), ts: new Date(item.published ?? ctx.now).toISOString(), productId, platform, region, shares: 1 };
        result.events.push(item.videoId ? { ...event, videoId: item.videoId } : event);
      }
      if (item.videoId && ids.length) await this.video(item, ids[0], platform, region, ctx, result);
    }
    return result;
  }

  private product(item: FeedItem, base: string, result: SourceResult): string {
    const title = clip(item.title || item.id, LIMITS.titleLength);
    const productId = productIdFor('feed', item.link ?? item.id, title);
    const msg: ProductMessage = { productId, title, source: 'feed', category: categorize({ title }) };
    const link = httpUrl(item.link, base);
    if (link) msg.sourceUrl = link;
    const image = httpUrl(item.image, base);
    if (image) msg.imageUrl = image;
    const price = priceIn(item.title, this.o.currency);
    if (price) Object.assign(msg, price);
    result.products.push(msg);
    return productId;
  }

  private async video(item: FeedItem, productId: string, platform: Platform, region: string, ctx: SourceContext, result: SourceResult): Promise<void> {
    const videoId = item.videoId!;
    const video: SourceResult['videos'][number] = { videoId, productId, platform, title: clip(item.title, LIMITS.titleLength) };
    const url = httpUrl(item.link);
    if (url) video.url = url;
    if (item.author) video.creator = clip(item.author, 200);
    if (item.published) video.publishedAt = new Date(item.published).toISOString();
    result.videos.push(video);
    const counts: { views?: number; likes?: number } = {};
    if (item.views !== undefined) counts.views = item.views;
    if (item.likes !== undefined) counts.likes = item.likes;
    if (Object.keys(counts).length) {
      const event = await counterEvent(ctx.state, `video:${videoId}`, ctx.now, counts, { productId, platform, region, videoId });
      if (event) result.events.push(event);
    }
  }
}
