-- The last complete bucket the forecast was fitted on (the series' last value at its native
-- step): what a forecast's change is measured against (GET forecasts), so the change comes from
-- the stored generation alone, never from a bucket that was still filling when it was made or
-- one that changed since. Rows written before this have none (nan, read back as null).
ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS base Float64 DEFAULT nan AFTER horizon;
