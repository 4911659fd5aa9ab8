// The public message contracts. Each schema here is the single definition behind the runtime
// validator (schemas/validate.ts), the TypeScript type and the OpenAPI document.
import Type from 'typebox';

/** Platforms an engagement event can come from. `web` is a plain web page, `other` anything else. */
export const PLATFORMS = [
  'tiktok', 'instagram', 'youtube', 'facebook', 'pinterest', 'snapchat', 'x', 'reddit',
  'amazon', 'shopify', 'google', 'web', 'other',
] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Engagement metrics, in the order the stores and rollups keep them. */
export const METRICS = ['views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'] as const;
export type Metric = (typeof METRICS)[number];

export const LIMITS = {
  idLength: 128,
  titleLength: 500,
  urlLength: 2048,
  tagCount: 50,
  tagLength: 64,
  /** One metric value per event interval; larger values are a unit mistake, not engagement. */
  maxCount: 1_000_000_000,
  maxRevenue: 1_000_000_000,
  /**
   * Times every store can hold: the rollups' ClickHouse DateTime counts seconds from 1970 (and
   * ends in 2106), so anything outside would be refused, or silently wrapped, downstream.
   */
  earliestTime: '1970-01-01T00:00:00Z',
  /** Exclusive. */
  latestTime: '2100-01-01T00:00:00Z',
} as const;

/**
 * Strings every store can hold: Postgres text refuses NUL, and a lone UTF-16 surrogate (half of
 * an emoji pair) cannot be written as UTF-8, so the stores would keep a different string than
 * the one sent (an eventId that no longer matches itself, counted again on every resend). Ids
 * also exclude whitespace and control characters. Checked with the `u` flag, so whole pairs pass.
 */
export const STRING_RULES = {
  id: { pattern: '^[^\\s\\u0000-\\u001f\\u007f\\ud800-\\udfff]+$', reason: 'must not hold whitespace, control characters or lone UTF-16 surrogates' },
  text: { pattern: '^[^\\u0000\\ud800-\\udfff]*$', reason: 'must not hold NUL characters or lone UTF-16 surrogates' },
} as const;

const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: LIMITS.idLength, pattern: STRING_RULES.id.pattern, description });
/** Free text: names, titles, tags. */
const Text = (o: { minLength?: number; maxLength: number; description?: string }) => Type.String({ ...o, pattern: STRING_RULES.text.pattern });
const Count = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.maxCount, default: 0, description }));
const Timestamp = (description: string) =>
  Type.String({ format: 'date-time', description: `${description}; ISO 8601, from ${LIMITS.earliestTime.slice(0, 10)} until (not including) ${LIMITS.latestTime.slice(0, 10)}` });
// ISO 3166-1 alpha-2; `ZZ` (ISO's user-assigned "unknown") means worldwide or unknown.
// Membership in the real code list is checked by the validator beyond this pattern.
const Region = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code; ZZ = worldwide/unknown' });
const PlatformT = Type.Enum(PLATFORMS, { description: 'Source platform' });
const Url = (description: string) => Type.String({ maxLength: LIMITS.urlLength, pattern: '^https?://[^\\u0000\\ud800-\\udfff]*$', description });

export const EngagementEvent = Type.Object(
  {
    eventId: Id('Idempotency key: the same eventId is counted once'),
    ts: Timestamp('Event time (start of the interval the counts cover), ISO 8601'),
    productId: Id('Product the engagement belongs to; the bus key'),
    platform: PlatformT,
    region: Region,
    videoId: Type.Optional(Id('Video that drove the engagement, if any')),
    views: Count('Views in the interval'),
    likes: Count('Likes in the interval'),
    shares: Count('Shares in the interval'),
    comments: Count('Comments in the interval'),
    orders: Count('Orders in the interval'),
    revenue: Type.Optional(Type.Number({ minimum: 0, maximum: LIMITS.maxRevenue, default: 0, description: 'Revenue in the interval, in the product currency' })),
    searches: Count('Search volume in the interval'),
  },
  { additionalProperties: false, $id: 'EngagementEvent' },
);
export type EngagementEvent = Type.Static<typeof EngagementEvent>;

export const ProductMessage = Type.Object(
  {
    productId: Id('Stable product id; the bus key'),
    title: Text({ minLength: 1, maxLength: LIMITS.titleLength }),
    category: Type.Optional(Text({ minLength: 1, maxLength: 100 })),
    brand: Type.Optional(Text({ maxLength: 200 })),
    price: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' })),
    imageUrl: Type.Optional(Url('Product image')),
    sourceUrl: Type.Optional(Url('Where the product was found')),
    source: Type.Optional(Text({ maxLength: 100, description: 'Discovery source (simulator, shopify, jsonld, rss, import, api)' })),
    tags: Type.Optional(Type.Array(Text({ minLength: 1, maxLength: LIMITS.tagLength }), { maxItems: LIMITS.tagCount })),
  },
  { additionalProperties: false, $id: 'ProductMessage' },
);
export type ProductMessage = Type.Static<typeof ProductMessage>;

export const VideoMessage = Type.Object(
  {
    videoId: Id('Stable video id'),
    productId: Id('Product the video promotes; the bus key'),
    platform: PlatformT,
    title: Type.Optional(Text({ maxLength: LIMITS.titleLength })),
    url: Type.Optional(Url('Video page')),
    creator: Type.Optional(Text({ maxLength: 200 })),
    publishedAt: Type.Optional(Timestamp('When the video was posted')),
    durationSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    hashtags: Type.Optional(Type.Array(Text({ minLength: 1, maxLength: LIMITS.tagLength }), { maxItems: LIMITS.tagCount })),
  },
  { additionalProperties: false, $id: 'VideoMessage' },
);
export type VideoMessage = Type.Static<typeof VideoMessage>;

/** An event after validation: every metric present, time parsed. What processors consume. */
export type NormalizedEvent = Required<Omit<EngagementEvent, 'videoId'>> & { videoId: string; tsMs: number };
