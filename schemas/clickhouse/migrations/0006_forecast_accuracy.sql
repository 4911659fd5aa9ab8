-- Forecasts at the product's native step (1h live; 1d, 1w, 1mo imports), and backtests that
-- carry what a reader needs to trust them: sMAPE beside MASE, the held-out points the interval
-- coverages rest on, and which model was chosen.
ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS granularity LowCardinality(String) DEFAULT '1h' AFTER model;

ALTER TABLE forecast_backtests ADD COLUMN IF NOT EXISTS chosen UInt8 DEFAULT 0 AFTER model;
ALTER TABLE forecast_backtests ADD COLUMN IF NOT EXISTS smape Float64 DEFAULT nan AFTER mase;
ALTER TABLE forecast_backtests ADD COLUMN IF NOT EXISTS points UInt32 DEFAULT 0 AFTER coverage95;
