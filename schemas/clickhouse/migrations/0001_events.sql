-- Raw engagement, one row per accepted event (deduplicated by eventId before insert).
-- Ordered by product and time: every per-product read is a range scan.
CREATE TABLE IF NOT EXISTS events (
  eventId     String,
  ts          DateTime64(3, 'UTC'),
  productId   String,
  platform    LowCardinality(String),
  region      LowCardinality(String),
  videoId     String,
  views       UInt64,
  likes       UInt64,
  shares      UInt64,
  comments    UInt64,
  orders      UInt64,
  revenue     Float64,
  searches    UInt64,
  -- 1 when the event arrived behind the watermark by more than the allowed lateness
  late        UInt8,
  ingestedAt  DateTime64(3, 'UTC'),
  INDEX idx_event_id eventId TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX idx_ingested ingestedAt TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (productId, ts);

-- Tumbling-window rollups per product x region x platform, kept by materialized views so that
-- a rollup row is written in the same insert as the raw rows it sums.
CREATE TABLE IF NOT EXISTS engagement_1m (
  productId String, bucket DateTime('UTC'), region LowCardinality(String), platform LowCardinality(String),
  events UInt64, views UInt64, likes UInt64, shares UInt64, comments UInt64, orders UInt64, revenue Float64, searches UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (productId, bucket, region, platform)
TTL bucket + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS engagement_1h AS engagement_1m
ENGINE = SummingMergeTree PARTITION BY toYYYYMM(bucket) ORDER BY (productId, bucket, region, platform);

CREATE TABLE IF NOT EXISTS engagement_1d AS engagement_1m
ENGINE = SummingMergeTree PARTITION BY toYear(bucket) ORDER BY (productId, bucket, region, platform);

CREATE MATERIALIZED VIEW IF NOT EXISTS engagement_1m_mv TO engagement_1m AS
SELECT productId, toStartOfMinute(ts) AS bucket, region, platform, count() AS events,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue, sum(searches) AS searches
FROM events GROUP BY productId, bucket, region, platform;

-- Coarser rollups cascade from the finer one: each aggregates already-summed minute rows, not
-- the raw events again, which keeps the insert path cheap.
CREATE MATERIALIZED VIEW IF NOT EXISTS engagement_1h_mv TO engagement_1h AS
SELECT productId, toStartOfHour(bucket) AS bucket, region, platform, sum(events) AS events,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue, sum(searches) AS searches
FROM engagement_1m GROUP BY productId, bucket, region, platform;

CREATE MATERIALIZED VIEW IF NOT EXISTS engagement_1d_mv TO engagement_1d AS
SELECT productId, toStartOfDay(bucket) AS bucket, region, platform, sum(events) AS events,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue, sum(searches) AS searches
FROM engagement_1h GROUP BY productId, bucket, region, platform;
