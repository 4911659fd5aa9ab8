-- Retention of the raw events (TRENDDROP_RAW_RETENTION_DAYS, unset = kept for ever): a row is
-- deleted a configured number of days after it was stored (`ingestedAt`), never by its event
-- time, so a redelivery or re-import within that time is still recognised (the dedup reads the
-- raw ids) and a 20-year history imported today stays for as long as any other row. The TTL
-- itself follows the configuration (schemas/clickhouse/retention.ts, applied at start-up after
-- the migrations). Rollups are separate tables fed at insert time: a TTL here never touches
-- them. Parts are written one per insert, so whole parts expire together: drop them whole
-- instead of rewriting them row by row.
ALTER TABLE events MODIFY SETTING ttl_only_drop_parts = 1;
