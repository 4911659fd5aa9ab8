// Corrections for trying many hypotheses at once. Pure.

/**
 * Benjamini–Hochberg adjusted p-values (Benjamini & Hochberg, 1995, JRSS B 57(1)): rejecting
 * every hypothesis whose adjusted p is ≤ q keeps the expected share of false discoveries among
 * the rejections at most q, for independent or positively dependent tests (Benjamini &
 * Yekutieli, 2001). When every hypothesis is null this is also the chance of any rejection.
 * Returned in the input order.
 *
 * `m` is the size of the family when only some of its p-values are given: the others count as
 * p = 1 (tests that did not come close), which ranks them last and changes no adjusted value but
 * through m. A caller that screens out weak tests before adjusting passes the whole family here.
 */
export function benjaminiHochberg(pValues: readonly number[], m = pValues.length): number[] {
  if (!(m >= pValues.length)) throw new RangeError(`family size ${m} is smaller than the ${pValues.length} p-values given`);
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(pValues.length);
  let running = 1;
  for (let rank = pValues.length; rank >= 1; rank--) {
    const { p, i } = order[rank - 1];
    running = Math.min(running, (p * m) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}

/**
 * P(Z ≥ z) for a standard normal Z, to a relative error under 1.2·10⁻⁷ at every z (the Chebyshev
 * fit of erfc in Press et al., *Numerical Recipes*, 2nd ed., §6.2): the far tail, where a
 * correction across thousands of tests looks, keeps its precision (1 − Φ(z) by subtraction
 * would not).
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}
