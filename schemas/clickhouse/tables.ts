// The ClickHouse tables by name: the one spelling that code uses (the DDL in ./migrations creates
// them, and a test checks that the two agree). Postgres tables are named by the drizzle schema.
export const TABLES = {
  /** Every accepted event, deduplicated by eventId. */
  events: 'events',
  /** Engagement rollups per product × platform × region, by minute, hour and day. */
  engagement1m: 'engagement_1m',
  engagement1h: 'engagement_1h',
  engagement1d: 'engagement_1d',
  /** Product dimension mirrored from Postgres, one row per update. */
  products: 'products',
  /** Latest trend score per product, and every score ever computed. */
  trendScores: 'trend_scores',
  trendScoreHistory: 'trend_score_history',
  /** Per scoring instant, the cross-section of products that scores are ranked against. */
  scoreReference: 'score_reference',
  forecasts: 'forecasts',
  forecastBacktests: 'forecast_backtests',
  /** Per forecast generation, only what the forecasts list shows and sorts by (processors/forecast-heads.ts). */
  forecastHeads: 'forecast_heads',
  /** Each product's lifecycle stage and expected peak, from its latest forecast. */
  productLifecycle: 'product_lifecycle',
  /** Engagement per video by hour. */
  videoEngagement1h: 'video_engagement_1h',
} as const;

export type TableName = (typeof TABLES)[keyof typeof TABLES];
