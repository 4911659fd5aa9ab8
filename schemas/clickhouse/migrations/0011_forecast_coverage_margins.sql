-- Each backtest coverage's 95% margin, from how much the rolling origins' own coverages differ
-- (analytics/forecast/accuracy.ts clusteredCoverageMargin): the points of one origin move
-- together, so the binomial margin on the points overstates how precise a coverage is. Rows
-- written before this have none (nan, read back as null).
ALTER TABLE forecast_backtests ADD COLUMN IF NOT EXISTS margin80 Float64 DEFAULT nan AFTER coverage95;
ALTER TABLE forecast_backtests ADD COLUMN IF NOT EXISTS margin95 Float64 DEFAULT nan AFTER margin80;
