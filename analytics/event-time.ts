// When a bucket is complete, by event time. The raw sink accepts an event into its window on
// time while it is no older than watermark − allowed lateness (processors/raw-sink.ts), so a
// bucket can still change until its end falls behind that line: until then it is "still
// filling" (partial). One definition for charts, scores, forecasts and statistics. Pure.

/** What decides completeness: the pipeline's watermark and its allowed lateness. */
export interface EventTimeState { watermarkMs: number; allowedLatenessMs: number }

/** The event time before which every bucket is final: watermark − allowed lateness. */
export function settledBefore(watermarkMs: number, allowedLatenessMs: number): number {
  return watermarkMs - allowedLatenessMs;
}

/** Whether the bucket ending at `bucketEndMs` (exclusive) may still receive on-time events. */
export function isStillFilling(bucketEndMs: number, watermarkMs: number, allowedLatenessMs: number): boolean {
  return bucketEndMs > settledBefore(watermarkMs, allowedLatenessMs);
}

/**
 * How many of `count` consecutive buckets of `stepMs` starting at `firstStartMs` are complete:
 * the complete ones are always a prefix, so a series splits into settled history and a
 * still-filling tail.
 */
export function completeBuckets(firstStartMs: number, stepMs: number, count: number, watermarkMs: number, allowedLatenessMs: number): number {
  const settled = settledBefore(watermarkMs, allowedLatenessMs);
  return Math.max(0, Math.min(count, Math.floor((settled - firstStartMs) / stepMs)));
}
