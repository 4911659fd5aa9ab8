// A forecast chart's y-axis top. A prediction band many times the series (a product that just
// jumped has a backtest full of large misses) would squeeze history and forecast into a flat
// line at the bottom; so the axis ends a little above what was seen and what is forecast, the band
// runs off the top, and the chart says how far it reaches.

/** Room above the highest line before a band is cut. */
const HEADROOM = 1.5;

export interface BandCeiling {
  /** The axis maximum to set, or undefined when every band fits. */
  max: number | undefined;
  /** The band's highest value when it was cut. */
  clipped: number | null;
}

/** 1, 2, 2.5 or 5 × a power of ten, the smallest such number at or above `v`. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 0;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((n) => n >= v * (1 - 1e-12))!;
}

/** The ceiling for lines (history, point forecast) and band tops drawn together. */
export function bandCeiling(lines: readonly number[], bandTops: readonly number[]): BandCeiling {
  const top = lines.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, v) : m), 0);
  const band = bandTops.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, v) : m), 0);
  const max = niceCeil(top * HEADROOM);
  return top > 0 && band > max ? { max, clipped: band } : { max: undefined, clipped: null };
}
