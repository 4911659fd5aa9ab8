-- Per product, metric and forecast generation, only what the forecasts list shows and sorts by
-- (api/queries/list-forecasts.ts): the generation's first bucket and base, its bucket a day and a
-- week ahead (processors/forecast-heads.ts says which step that is; NULL where the horizon does
-- not reach it), the chosen model's backtest with seasonal naive's MASE, and the lifecycle stored
-- with the generation (NULL without one). The forecaster writes a row in the same store as the
-- forecast rows it sums up. A page of the list reads its products' rows by key: scattered over
-- 100k products, their forecast, backtest and lifecycle rows took ~170 CPU-ms a page to read, a
-- granule of 8192 rows per product and table. Small granules keep a page's read to its rows, and
-- compact parts (every column in one file, ~16 MB at 100k products) keep it from paying a seek
-- and a compressed block per column and granule: 29 → 14 CPU-ms for 51 products' rows.
-- The newest generation survives merges, as in the tables it comes from.
CREATE TABLE IF NOT EXISTS forecast_heads (
  productId   String,
  metric      LowCardinality(String),
  generatedAt DateTime64(3, 'UTC'),
  model       LowCardinality(String),
  granularity LowCardinality(String),
  base        Float64,
  start       DateTime('UTC'),
  target1d    Nullable(DateTime('UTC')),
  yhat1d      Nullable(Float64),
  lo80_1d     Nullable(Float64),
  hi80_1d     Nullable(Float64),
  target1w    Nullable(DateTime('UTC')),
  yhat1w      Nullable(Float64),
  lo80_1w     Nullable(Float64),
  hi80_1w     Nullable(Float64),
  mase        Nullable(Float64),
  coverage80  Nullable(Float64),
  margin80    Nullable(Float64),
  coverage95  Nullable(Float64),
  margin95    Nullable(Float64),
  points      UInt32,
  origins     UInt16,
  naiveMase   Nullable(Float64),
  stage       LowCardinality(Nullable(String)),
  growth      Nullable(Float64),
  peakAt      Nullable(DateTime('UTC')),
  peakLo      Nullable(DateTime('UTC')),
  peakHi      Nullable(DateTime('UTC'))
) ENGINE = ReplacingMergeTree(generatedAt)
ORDER BY (productId, metric)
SETTINGS index_granularity = 128, min_bytes_for_wide_part = 1000000000000, min_rows_for_wide_part = 1000000000000;

-- A data dir with stored forecasts: each product's latest generation of each metric, read as the
-- list's whole SQL reads it (api/queries/latest-forecasts.ts; a day ahead is step 24 of an hourly
-- forecast or step 1 of a daily one, a week ahead step 7 of a daily or step 1 of a weekly one).
INSERT INTO forecast_heads
SELECT f.productId, f.metric, f.g, f.fModel, f.fInterval, f.fBase, f.fStart,
  f.t1d, f.y1d, f.l1d, f.h1d, f.t1w, f.y1w, f.l1w, f.h1w,
  b.mase, b.coverage80, b.margin80, b.coverage95, b.margin95, ifNull(b.points, 0), ifNull(b.origins, 0), sn.mase,
  lc.stage, lc.growth, lc.peakAt, lc.peakLo, lc.peakHi
FROM (
  WITH step = multiIf(granularity = '1h', 24, granularity = '1d', 1, 0) AS at1d, step = multiIf(granularity = '1d', 7, granularity = '1w', 1, 0) AS at1w
  SELECT productId, metric, generatedAt AS g, any(model) AS fModel, any(granularity) AS fInterval, any(base) AS fBase, anyIf(ts, step = 1) AS fStart,
    if(countIf(at1d) > 0, anyIf(ts, at1d), NULL) AS t1d, if(countIf(at1d) > 0, anyIf(yhat, at1d), NULL) AS y1d,
    if(countIf(at1d) > 0, anyIf(lo80, at1d), NULL) AS l1d, if(countIf(at1d) > 0, anyIf(hi80, at1d), NULL) AS h1d,
    if(countIf(at1w) > 0, anyIf(ts, at1w), NULL) AS t1w, if(countIf(at1w) > 0, anyIf(yhat, at1w), NULL) AS y1w,
    if(countIf(at1w) > 0, anyIf(lo80, at1w), NULL) AS l1w, if(countIf(at1w) > 0, anyIf(hi80, at1w), NULL) AS h1w
  FROM forecasts
  GROUP BY productId, metric, generatedAt
  ORDER BY productId, metric, g DESC LIMIT 1 BY productId, metric
) AS f
LEFT JOIN (
  SELECT productId, metric, generatedAt, model, mase, coverage80, margin80, coverage95, margin95, points, origins
  FROM forecast_backtests LIMIT 1 BY productId, metric, generatedAt, model
) AS b ON b.productId = f.productId AND b.metric = f.metric AND b.generatedAt = f.g AND b.model = f.fModel
LEFT JOIN (
  SELECT productId, metric, generatedAt, mase FROM forecast_backtests WHERE model = 'seasonal-naive' LIMIT 1 BY productId, metric, generatedAt
) AS sn ON sn.productId = f.productId AND sn.metric = f.metric AND sn.generatedAt = f.g
LEFT JOIN (
  SELECT productId, metric, computedAt, stage, growth, peakAt, peakLo, peakHi FROM product_lifecycle LIMIT 1 BY productId, metric, computedAt
) AS lc ON lc.productId = f.productId AND lc.metric = f.metric AND lc.computedAt = f.g
SETTINGS join_use_nulls = 1;
