-- Scores along event time. A score is dated by the bucket it covers (the start of the last
-- complete bucket of the product's series), not by when it was computed, so a history posted at
-- once is scored as it would have been live. Re-scoring a bucket (late events) replaces its row.
-- The history written before this migration was dated by arrival and cannot be re-dated: it is
-- dropped, and the scorer rebuilds it from the stored engagement on its first round.
DROP TABLE IF EXISTS trend_score_history;

CREATE TABLE trend_score_history (
  productId    String,
  -- event time: start of the last complete bucket the score covers
  computedAt   DateTime64(3, 'UTC'),
  -- step of the product's series in seconds (3600 for live engagement, 86400 or 604800 for imports)
  stepSec      UInt32,
  score        Float64,
  label        LowCardinality(String),
  velocity     Float64,
  acceleration Float64,
  momentum     Float64,
  c_velocity   Float64,
  c_acceleration Float64,
  c_volume     Float64,
  c_breadth    Float64,
  c_conversion Float64,
  c_saturation Float64,
  views24h     UInt64,
  orders24h    UInt64,
  -- wall-clock time of the computation: the newest row of a bucket wins
  scoredAt     DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(scoredAt)
PARTITION BY toYear(computedAt)
ORDER BY (productId, computedAt)
TTL toDateTime(scoredAt) + INTERVAL 180 DAY
SETTINGS deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE trend_score_history ADD PROJECTION IF NOT EXISTS by_time (SELECT * ORDER BY computedAt);

-- The latest score per product is the one of its newest bucket; a re-score of an older bucket
-- must not replace it, so the version is the bucket's event time (computedAt), as before.
ALTER TABLE trend_scores ADD COLUMN IF NOT EXISTS stepSec UInt32 DEFAULT 3600;
ALTER TABLE trend_scores ADD COLUMN IF NOT EXISTS scoredAt DateTime64(3, 'UTC') DEFAULT now64(3);
TRUNCATE TABLE trend_scores;

-- The cross-section each score is ranked against: per scoring instant (end of the buckets
-- scored), quantiles of every raw component over the products scored then, and how many
-- products of each category were trending. Later re-scores of one product at that instant rank
-- against it instead of against the few products they re-score.
CREATE TABLE IF NOT EXISTS score_reference (
  asOf      DateTime('UTC'),
  n         UInt32,
  quantiles Map(String, Array(Float64)),
  trending  Map(String, UInt32),
  scoredAt  DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(scoredAt)
ORDER BY asOf;
