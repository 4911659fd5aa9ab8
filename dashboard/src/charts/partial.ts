// Still-filling buckets (partial: true in the API) drawn apart: the complete part of a series
// solid, the filling tail dashed with hollow points, so that a bucket that has only begun never
// reads as a collapse. Every time chart of a live series goes through here.

export interface TimedPoint { ts: string; partial?: boolean }

/**
 * One line series as two: the complete buckets as given in `series`, and, when some buckets
 * are still filling, a dashed tail from the last complete bucket on (same name and colour, so
 * the legend toggles both). `value` reads the plotted number of a point.
 */
export function splitFilling<P extends TimedPoint>(series: Record<string, unknown> & { name: string; color: string }, points: readonly P[], value: (p: P) => number) {
  const first = points.findIndex((p) => p.partial);
  const xy = (p: P) => [Date.parse(p.ts), value(p)];
  const complete = { ...series, data: (first < 0 ? points : points.slice(0, first)).map(xy) };
  if (first < 0) return [complete];
  const line = (series.lineStyle ?? {}) as Record<string, unknown>;
  const tail = {
    ...series, areaStyle: undefined, sampling: undefined,
    lineStyle: { ...line, type: 'dashed', opacity: 0.8 },
    showSymbol: true, symbol: 'emptyCircle', symbolSize: 6,
    // The joining point belongs to the complete part; only the filling buckets are named so.
    data: points.slice(Math.max(0, first - 1)).map((p, i) => (i === 0 && first > 0 ? { value: xy(p), symbol: 'none', tooltip: { show: false } } : { value: xy(p), name: 'still filling' })),
  };
  return [complete, tail];
}

