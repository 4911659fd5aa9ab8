-- The overview reads the rollups and the score history by time across all products, and they
-- are ordered by product first, so those reads scanned whole tables (1.4 s for the overview at
-- 100k products and 50M events). Aggregate projections keyed by time answer them from a few granules; the
-- explorer and product pages keep reading the tables in product order. 'rebuild' recomputes a
-- projection when SummingMergeTree merges its rows, so it stays exact.
ALTER TABLE engagement_1m MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE engagement_1m ADD PROJECTION IF NOT EXISTS by_time (SELECT bucket, sum(events), sum(views), sum(likes), sum(shares), sum(comments), sum(orders), sum(revenue), sum(searches) GROUP BY bucket);
ALTER TABLE engagement_1m MATERIALIZE PROJECTION by_time SETTINGS mutations_sync = 1;

ALTER TABLE engagement_1h MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE engagement_1h ADD PROJECTION IF NOT EXISTS by_time (SELECT bucket, sum(events), sum(views), sum(likes), sum(shares), sum(comments), sum(orders), sum(revenue), sum(searches) GROUP BY bucket);
ALTER TABLE engagement_1h MATERIALIZE PROJECTION by_time SETTINGS mutations_sync = 1;

-- Views per product over a recent window (the overview's categories), read by time.
ALTER TABLE engagement_1h ADD PROJECTION IF NOT EXISTS by_time_product (SELECT bucket, productId, sum(views) GROUP BY bucket, productId);
ALTER TABLE engagement_1h MATERIALIZE PROJECTION by_time_product SETTINGS mutations_sync = 1;

-- When each product was first seen (the overview's products one period ago).
ALTER TABLE engagement_1d MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE engagement_1d ADD PROJECTION IF NOT EXISTS first_seen (SELECT productId, min(bucket) GROUP BY productId);
ALTER TABLE engagement_1d MATERIALIZE PROJECTION first_seen SETTINGS mutations_sync = 1;

-- Scores of one day, one period ago.
ALTER TABLE trend_score_history ADD PROJECTION IF NOT EXISTS by_time (SELECT * ORDER BY computedAt);
ALTER TABLE trend_score_history MATERIALIZE PROJECTION by_time SETTINGS mutations_sync = 1;
