// The market simulator: a deterministic stand-in market so that a fresh install shows a live,
// moving product. For a given seed the catalogue, every product's popularity curve and every
// event (ids included) are the same on each run, so re-running a backfill changes nothing.
//
// Each product's popularity follows a recurring bell-shaped hype cycle with its own phase,
// period and height, so that at any moment some products are emerging, some peaking and some
// fading; about a third also go viral once a cycle (a jump within hours, fading over a day). Live ticks and backfill share the same expected volume per product and hour.
import type { EngagementEvent, Platform, ProductMessage, VideoMessage } from '../schemas/events.js';
import { mulberry32 } from '../core/random.js';

const mix = (...xs: number[]) => xs.reduce((h, x) => Math.imul(h ^ (x >>> 0), 0x9e3779b1) ^ (h >>> 16), 0x12345678) >>> 0;

const CATALOGUE: Record<string, { nouns: string[]; adjectives: string[]; price: [number, number]; tags: string[] }> = {
  Home: { nouns: ['Desk Lamp', 'Sunset Projector', 'Cloud Humidifier', 'Galaxy Night Light', 'Wall Shelf', 'Aroma Diffuser'], adjectives: ['Levitating', 'Minimalist', 'Smart', 'Foldable', 'Ambient', 'Wireless'], price: [12, 60], tags: ['homedecor', 'cozy', 'roomtour'] },
  Beauty: { nouns: ['Ice Roller', 'LED Face Mask', 'Hair Wand', 'Lash Serum', 'Gua Sha Set', 'Scalp Massager'], adjectives: ['Rose Quartz', 'Heated', 'Ionic', 'Vegan', 'Cooling', 'Pro'], price: [8, 90], tags: ['skincare', 'glowup', 'beautyhacks'] },
  Fitness: { nouns: ['Resistance Bands', 'Massage Gun', 'Ab Roller', 'Smart Jump Rope', 'Yoga Wheel', 'Grip Trainer'], adjectives: ['Portable', 'Adjustable', 'Counting', 'Pro', 'Compact', 'Weighted'], price: [10, 120], tags: ['gymtok', 'homeworkout', 'fitness'] },
  Gadgets: { nouns: ['Phone Mount', 'Mini Printer', 'Key Finder', 'Power Bank', 'Charging Dock', 'Label Maker'], adjectives: ['Magnetic', 'Pocket', 'Bluetooth', 'Solar', '3-in-1', 'Transparent'], price: [9, 70], tags: ['techtok', 'gadgets', 'musthave'] },
  Kitchen: { nouns: ['Vegetable Chopper', 'Milk Frother', 'Oil Sprayer', 'Mini Waffle Maker', 'Herb Scissors', 'Ice Cube Mold'], adjectives: ['Electric', 'Stainless', 'Silicone', 'Rechargeable', 'Multi-blade', 'Collapsible'], price: [7, 50], tags: ['kitchenhacks', 'foodtok', 'cooking'] },
  Pets: { nouns: ['Cat Tunnel', 'Lick Mat', 'Pet Hair Remover', 'Slow Feeder', 'Dog Paw Cleaner', 'Laser Toy'], adjectives: ['Interactive', 'Self-cleaning', 'Calming', 'Automatic', 'Reusable', 'Chew-proof'], price: [6, 45], tags: ['pettok', 'dogsoftiktok', 'catlover'] },
  Fashion: { nouns: ['Crossbody Bag', 'Claw Clip Set', 'Bucket Hat', 'Posture Corrector', 'Tote Bag', 'Sock Set'], adjectives: ['Quilted', 'Oversized', 'Vintage', 'Seamless', 'Reversible', 'Y2K'], price: [8, 65], tags: ['ootd', 'fashiontok', 'style'] },
  Outdoors: { nouns: ['Camping Lantern', 'Water Bottle', 'Hammock', 'Picnic Blanket', 'Neck Fan', 'Solar Charger'], adjectives: ['Collapsible', 'Insulated', 'Ultralight', 'Waterproof', 'Bladeless', 'Foldable'], price: [10, 80], tags: ['camping', 'hikingtok', 'summer'] },
};
const CATEGORIES = Object.keys(CATALOGUE);
const REGIONS = ['US', 'GB', 'DE', 'FR', 'BR', 'MX', 'CA', 'AU', 'IN', 'JP', 'ES', 'IT', 'NL', 'PL', 'ID', 'PH'];
const SOCIAL: Platform[] = ['tiktok', 'instagram', 'youtube', 'facebook', 'pinterest'];
const COMMERCE: Platform[] = ['amazon', 'shopify', 'google'];

interface SimProduct {
  message: ProductMessage;
  /** Hype cycle: period, phase (0–1) and height; plus a floor of steady interest. */
  period: number; phase: number; height: number; floor: number; width: number;
  platforms: { p: Platform; w: number }[];
  regions: { r: string; w: number }[];
  videos: VideoMessage[];
  /** Some products go viral once a cycle: a jump within hours that fades over a day or two. */
  viral: { phase: number; height: number } | null;
  /** How strongly each video's audience reacts (likes, shares, comments per view). */
  videoQuality: Map<string, number>;
  conversion: number;
}

export interface SimulatorOptions {
  seed: number;
  products?: number;
  /** Expected engagement events per second across the market. */
  ratePerSec: number;
}

const DAY = 86_400_000;
const VIRAL_RISE_MS = 2 * 3_600_000;
const VIRAL_FADE_MS = 30 * 3_600_000;
const ORDER_LAG_MS = 2 * 3_600_000;
const SEARCH_LEAD_MS = 3_600_000;
/** Expected views carried by one live event (one second of one product on one platform). */
const VIEWS_PER_EVENT = 40;

function weighted<T extends { w: number }>(items: T[], r: number): T {
  let total = 0;
  for (const it of items) total += it.w;
  let x = r * total;
  for (const it of items) { x -= it.w; if (x <= 0) return it; }
  return items[items.length - 1];
}

/** A Poisson-like draw (normal approximation above 30) that stays deterministic with the rng. */
function countAround(mean: number, rng: () => number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    let k = 0, p = Math.exp(-mean), s = p;
    const u = rng();
    while (u > s && k < 200) { k++; p *= mean / k; s += p; }
    return k;
  }
  const z = Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
}

export class MarketSimulator {
  readonly products: SimProduct[];

  constructor(private readonly o: SimulatorOptions) {
    const rng = mulberry32(o.seed);
    const n = o.products ?? 200;
    this.products = Array.from({ length: n }, (_, i) => {
      const category = CATEGORIES[Math.floor(rng() * CATEGORIES.length)];
      const c = CATALOGUE[category];
      const title = `${c.adjectives[Math.floor(rng() * c.adjectives.length)]} ${c.nouns[Math.floor(rng() * c.nouns.length)]}`;
      const productId = `sim-${o.seed}-${String(i).padStart(4, '0')}`;
      const price = Math.round((c.price[0] + rng() * (c.price[1] - c.price[0])) * 100) / 100 - 0.01;
      const platforms = [...SOCIAL, ...COMMERCE].map((p) => ({ p, w: rng() ** 2 * (SOCIAL.includes(p) ? 3 : 1) })).filter((x) => x.w > 0.05);
      const regions = REGIONS.map((r, k) => ({ r, w: rng() ** 3 / (1 + k * 0.15) })).filter((x) => x.w > 0.02);
      const videos: VideoMessage[] = Array.from({ length: 1 + Math.floor(rng() * 4) }, (_, k) => {
        const platform = SOCIAL[Math.floor(rng() * 3)]; // short-video platforms carry the videos
        return {
          videoId: `${productId}-v${k}`, productId, platform, title: `${title} ${['review', 'unboxing', 'hack', 'must have', 'before/after'][k % 5]}`,
          creator: `@${category.toLowerCase()}${Math.floor(rng() * 900 + 100)}`, durationSec: 7 + Math.floor(rng() * 170),
          publishedAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(rng() * 300) * DAY + Math.floor(rng() * 24) * 3_600_000).toISOString(),
          hashtags: [c.tags[Math.floor(rng() * c.tags.length)], 'tiktokmademebuyit', title.split(' ').pop()!.toLowerCase()],
        };
      });
      return {
        message: { productId, title, category, price, currency: 'USD', source: 'simulator', tags: c.tags.slice(0, 2) },
        period: (6 + rng() * 24) * DAY, phase: rng(), height: 0.5 + rng() * 4, floor: 0.05 + rng() * 0.3, width: 0.08 + rng() * 0.12,
        platforms: platforms.length ? platforms : [{ p: 'tiktok', w: 1 }],
        regions: regions.length ? regions : [{ r: 'US', w: 1 }],
        videos, conversion: 0.002 + rng() * 0.02,
        viral: rng() < 0.35 ? { phase: rng(), height: 2 + rng() * 6 } : null,
        // Short clips earn more reactions per view than long ones, and creators differ.
        videoQuality: new Map(videos.map((v) => [v.videoId, (0.5 + rng()) * (v.durationSec! < 30 ? 1.3 : v.durationSec! > 120 ? 0.75 : 1)])),
      };
    });
  }

  catalogue(): ProductMessage[] { return this.products.map((p) => p.message); }
  videos(): VideoMessage[] { return this.products.flatMap((p) => p.videos); }

  /** Relative popularity of a product at time t: a floor plus a bell-shaped hype each period. */
  popularity(p: SimProduct, t: number): number {
    const x = ((t / p.period + p.phase) % 1) - 0.5; // −0.5 … 0.5, peak at 0
    let pop = p.floor + p.height * Math.exp(-(x * x) / (2 * p.width * p.width));
    if (p.viral) {
      const since = ((t / p.period + p.viral.phase) % 1) * p.period; // time since this cycle's viral moment
      pop += p.viral.height * (1 - Math.exp(-since / VIRAL_RISE_MS)) * Math.exp(-since / VIRAL_FADE_MS);
    }
    return pop;
  }

  /** Market-wide activity through the day (UTC): busiest mid-afternoon, quietest at night. */
  activity(t: number): number {
    return 1 + 0.4 * Math.sin((2 * Math.PI * ((t / 3_600_000) % 24 - 8)) / 24);
  }

  private shares(t: number): number[] {
    const w = this.products.map((p) => this.popularity(p, t));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  }

  private event(p: SimProduct, eventId: string, tickMs: number, views: number, rng: () => number): EngagementEvent {
    const platform = weighted(p.platforms, rng()).p;
    const region = weighted(p.regions, rng()).r;
    const video = SOCIAL.includes(platform) ? p.videos.find((v) => v.platform === platform) : undefined;
    // Buyers lag the hype and searchers lead it, as in real funnels: orders follow popularity
    // two hours late, searches an hour early, so the correlation view has lags to find.
    const now = this.popularity(p, tickMs);
    const orders = countAround(views * p.conversion * (this.popularity(p, tickMs - ORDER_LAG_MS) / now), rng);
    const searches = countAround(views * 0.03 * (this.popularity(p, tickMs + SEARCH_LEAD_MS) / now), rng);
    const q = video ? p.videoQuality.get(video.videoId)! : 1;
    return {
      eventId,
      ts: new Date(tickMs).toISOString(), productId: p.message.productId, platform, region,
      ...(video ? { videoId: video.videoId } : {}),
      views, likes: countAround(views * 0.08 * q, rng), shares: countAround(views * 0.01 * q, rng), comments: countAround(views * 0.012 * q, rng),
      orders, revenue: Math.round(orders * (p.message.price ?? 0) * 100) / 100, searches,
    };
  }

  /** The live events of the one-second tick starting at tickMs (aligned to whole seconds). */
  tick(tickMs: number): EngagementEvent[] {
    const rng = mulberry32(mix(this.o.seed, Math.floor(tickMs / 1000)));
    const shares = this.shares(tickMs);
    const cumulative: { p: SimProduct; w: number }[] = this.products.map((p, i) => ({ p, w: shares[i] }));
    const n = countAround(this.o.ratePerSec * this.activity(tickMs), rng);
    const out: EngagementEvent[] = [];
    for (let k = 0; k < n; k++) {
      const p = weighted(cumulative, rng()).p;
      out.push(this.event(p, `${p.message.productId}:${tickMs}:${k}`, tickMs, countAround(VIEWS_PER_EVENT, rng), rng));
    }
    return out;
  }

  /**
   * History between two times in steps of stepMs: one event per product and step, carrying
   * the volume the live stream would have produced in that step, so charts join up at "now".
   * The last step, cut short by toMs where the live stream takes over, carries only the part
   * before toMs: a whole step there would count its remainder twice.
   */
  *backfill(fromMs: number, toMs: number, stepMs = 300_000): Generator<EngagementEvent[]> {
    const start = Math.ceil(fromMs / stepMs) * stepMs;
    for (let t = start; t < toMs; t += stepMs) {
      const rng = mulberry32(mix(this.o.seed, Math.floor(t / 1000), 7));
      const shares = this.shares(t);
      const seconds = Math.min(stepMs, toMs - t) / 1000;
      const step: EngagementEvent[] = [];
      this.products.forEach((p, i) => {
        const views = countAround(shares[i] * this.o.ratePerSec * this.activity(t) * seconds * VIEWS_PER_EVENT, rng);
        if (views > 0) step.push(this.event(p, `${p.message.productId}:b${t}`, t, views, rng));
      });
      yield step;
    }
  }
}
