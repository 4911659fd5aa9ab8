-- Each product's latest score follows from the score history: every block written to the
-- history also writes its newest row per product to trend_scores. The scorer used to send the
-- same rows a second time as their own insert body, which at 100k products cost as much as the
-- history insert itself (the embedded engine parses each body as one query string); the view
-- takes them from the block already parsed. trend_scores stays a ReplacingMergeTree on the
-- bucket's event time, so a re-score of an older bucket still does not replace a newer one.
CREATE MATERIALIZED VIEW IF NOT EXISTS trend_scores_from_history TO trend_scores AS
SELECT productId, computedAt, stepSec, score, label, velocity, acceleration, momentum,
  c_velocity, c_acceleration, c_volume, c_breadth, c_conversion, c_saturation, views24h, orders24h, scoredAt
FROM trend_score_history
ORDER BY productId, computedAt DESC
LIMIT 1 BY productId;
