// Corrections for trying many hypotheses at once. Pure.

/**
 * Benjamini–Hochberg adjusted p-values (Benjamini & Hochberg, 1995, JRSS B 57(1)): rejecting
 * every hypothesis whose adjusted p is ≤ q keeps the expected share of false discoveries among
 * the rejections at most q, for independent or positively dependent tests (Benjamini &
 * Yekutieli, 2001). When every hypothesis is null this is also the chance of any rejection.
 * Returned in the input order.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const { p, i } = order[rank - 1];
    running = Math.min(running, (p * m) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}
