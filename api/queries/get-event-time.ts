// The pipeline's event-time state, what decides which buckets of a series are still filling:
// the sink's watermark (read as the sink reads it) and the allowed lateness.
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventTimeState } from '../../analytics/event-time.js';
import { readWatermark } from '../../processors/watermark.js';

export async function getEventTime(ch: ClickHouseClient, nowMs: number, allowedLatenessMs: number): Promise<EventTimeState> {
  return { watermarkMs: await readWatermark(ch, nowMs), allowedLatenessMs };
}
