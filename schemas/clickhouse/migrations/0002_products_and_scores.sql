-- Product dimension mirrored from Postgres (the source of truth) so that analytics queries
-- filter and join on product fields without leaving ClickHouse.
CREATE TABLE IF NOT EXISTS products (
  productId String,
  title     String,
  category  LowCardinality(String),
  brand     String,
  price     Nullable(Float64),
  currency  LowCardinality(String),
  imageUrl  String,
  source    LowCardinality(String),
  tags      Array(String),
  updatedAt DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updatedAt)
ORDER BY productId;

-- Latest trend score per product (the scorer rewrites a product's row on each refresh).
CREATE TABLE IF NOT EXISTS trend_scores (
  productId    String,
  score        Float64,
  label        LowCardinality(String),
  velocity     Float64,
  acceleration Float64,
  -- day-over-day log growth per hour of the last 6 hours: the fast signal breakouts watch
  momentum     Float64,
  c_velocity   Float64,
  c_acceleration Float64,
  c_volume     Float64,
  c_breadth    Float64,
  c_conversion Float64,
  c_saturation Float64,
  views24h     UInt64,
  orders24h    UInt64,
  computedAt   DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(computedAt)
ORDER BY productId;

-- Every score ever computed, for score history charts and breakout detection.
CREATE TABLE IF NOT EXISTS trend_score_history (
  productId    String,
  computedAt   DateTime64(3, 'UTC'),
  score        Float64,
  label        LowCardinality(String),
  velocity     Float64,
  acceleration Float64,
  momentum     Float64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(computedAt)
ORDER BY (productId, computedAt)
TTL toDateTime(computedAt) + INTERVAL 180 DAY;
