// The raw events' retention as ClickHouse DDL (see migration 0008): rows leave the events table a
// number of days after they were stored; the rollups keep their counts.
import { TABLES } from './tables.js';

/** The TTL expression for `days` (null: none), as ClickHouse shows it in `system.tables.engine_full`. */
export const rawRetentionTtl = (days: number | null): string | null => (days === null ? null : `toDateTime(ingestedAt) + toIntervalDay(${days})`);

/** The statement that gives the events table that TTL, or removes it. */
export function rawRetentionStatement(days: number | null): string {
  const ttl = rawRetentionTtl(days);
  return ttl ? `ALTER TABLE ${TABLES.events} MODIFY TTL ${ttl}` : `ALTER TABLE ${TABLES.events} REMOVE TTL`;
}
