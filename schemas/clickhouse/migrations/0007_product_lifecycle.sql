-- Each product's lifecycle stage from its latest forecast (analytics/lifecycle.ts): emerging,
-- rising, peaking, saturating or declining, the growth per step now, and the fitted peak with its
-- 80% interval when the forecast horizon reaches it. One row per product and metric survives merges.
CREATE TABLE IF NOT EXISTS product_lifecycle (
  productId   String,
  metric      LowCardinality(String),
  computedAt  DateTime64(3, 'UTC'),
  granularity LowCardinality(String),
  stage       LowCardinality(String),
  -- log-growth per step at the end of the series
  growth      Float64,
  peakAt      Nullable(DateTime('UTC')),
  peakLo      Nullable(DateTime('UTC')),
  peakHi      Nullable(DateTime('UTC'))
) ENGINE = ReplacingMergeTree(computedAt)
ORDER BY (productId, metric);
