-- The counting noise of each score's momentum (analytics/trend.ts momentumNoise): breakout
-- detection floors its baseline scale with it, and a detector rebuilt from this history must
-- see the same floor as the one that ran live. Rows written before this have 0 (no floor).
ALTER TABLE trend_score_history ADD COLUMN IF NOT EXISTS momentumNoise Float64 DEFAULT 0 AFTER momentum;
