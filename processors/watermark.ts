// The event-time watermark as the raw sink keeps it: the latest event time stored, where an
// event stamped more than a minute ahead of the clock (a skewed client) does not count. The sink
// starts from it and moves it as it writes; readers in other processes (the API) read it here.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../schemas/clickhouse/tables.js';

/** An event further ahead of the clock than this does not move the watermark. */
export const WATERMARK_MAX_FUTURE_MS = 60_000;

async function maxTs(ch: ClickHouseClient, where: string, params: Record<string, unknown>): Promise<number> {
  // An empty table's max is the epoch, 0.
  const rs = await ch.query({ query: `SELECT toUnixTimestamp64Milli(max(ts)) AS wm FROM ${TABLES.events} ${where}`, query_params: params, format: 'JSONEachRow' });
  return Number((await rs.json<{ wm: number | string }>())[0]?.wm ?? 0);
}

/** The watermark in ms (0 before any event). */
export async function readWatermark(ch: ClickHouseClient, nowMs: number): Promise<number> {
  const limit = nowMs + WATERMARK_MAX_FUTURE_MS;
  // max(ts) alone is answered from part metadata (ts is in the partition key); the filtered scan
  // is needed only when an event from the future is stored.
  const latest = await maxTs(ch, '', {});
  return latest <= limit ? latest : maxTs(ch, 'WHERE ts <= fromUnixTimestamp64Milli({limit:Int64})', { limit });
}
