-- Hourly engagement per video, for the video gallery and video analytics: reading it by
-- product (primary-key prefix) or by time range never touches the raw events.
CREATE TABLE IF NOT EXISTS video_engagement_1h (
  productId String, videoId String, bucket DateTime('UTC'), platform LowCardinality(String),
  events UInt64, views UInt64, likes UInt64, shares UInt64, comments UInt64, orders UInt64, revenue Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (productId, videoId, bucket, platform);

CREATE MATERIALIZED VIEW IF NOT EXISTS video_engagement_1h_mv TO video_engagement_1h AS
SELECT productId, videoId, toStartOfHour(ts) AS bucket, platform, count() AS events,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue
FROM events WHERE videoId != '' GROUP BY productId, videoId, bucket, platform;

-- Events stored before this migration. Migrations run before the processors start writing, so
-- no event is counted both here and by the view.
INSERT INTO video_engagement_1h
SELECT productId, videoId, toStartOfHour(ts) AS bucket, platform, count() AS events,
  sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments,
  sum(orders) AS orders, sum(revenue) AS revenue
FROM events WHERE videoId != '' GROUP BY productId, videoId, bucket, platform;
