-- Per-product forecasts of hourly engagement, one row per step ahead. A refresh writes a whole
-- new generation; reads take the rows of the latest generatedAt, which is right before
-- background merges have replaced the older generation (and after, when a shorter horizon
-- left older steps behind).
CREATE TABLE IF NOT EXISTS forecasts (
  productId   String,
  metric      LowCardinality(String),
  generatedAt DateTime64(3, 'UTC'),
  model       LowCardinality(String),
  horizon     UInt16,
  step        UInt16,
  -- start of the forecast bucket
  ts          DateTime('UTC'),
  yhat        Float64,
  lo80        Float64,
  hi80        Float64,
  lo95        Float64,
  hi95        Float64
) ENGINE = ReplacingMergeTree(generatedAt)
ORDER BY (productId, metric, step);

-- Rolling-origin backtest of every candidate model at each refresh: why the model was chosen.
CREATE TABLE IF NOT EXISTS forecast_backtests (
  productId   String,
  metric      LowCardinality(String),
  generatedAt DateTime64(3, 'UTC'),
  model       LowCardinality(String),
  mase        Float64,
  coverage80  Float64,
  coverage95  Float64,
  origins     UInt16
) ENGINE = ReplacingMergeTree(generatedAt)
ORDER BY (productId, metric, model);
