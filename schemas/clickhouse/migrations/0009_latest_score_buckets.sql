-- Per scoring bucket of the score history: how many rows it holds and the newest computation
-- among them. The overview's "one period ago" KPIs take each product's latest score in a day of
-- history (millions of rows at 100k products); this summary of the same day answers in a few
-- rows whether any row there changed since the last time, so the figures are recomputed only
-- then (api/queries/get-overview-kpis.ts).
ALTER TABLE trend_score_history ADD PROJECTION IF NOT EXISTS by_bucket (SELECT computedAt, count(), max(scoredAt) GROUP BY computedAt);
ALTER TABLE trend_score_history MATERIALIZE PROJECTION by_bucket SETTINGS mutations_sync = 1;
