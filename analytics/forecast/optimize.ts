// Nelder–Mead simplex minimisation: derivative-free, enough for a handful of smoothing parameters.

export interface Minimum { x: number[]; value: number }

export function nelderMead(f: (x: number[]) => number, start: number[], { step = 1, maxIter = 200, tol = 1e-8 } = {}): Minimum {
  const d = start.length;
  const simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, value: f(x) }));
  const along = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
  for (let iter = 0; iter < maxIter; iter++) {
    simplex.sort((a, b) => a.value - b.value);
    const best = simplex[0];
    const worst = simplex[d];
    if (Math.abs(worst.value - best.value) <= tol * (Math.abs(best.value) + tol)) break;
    const centroid = start.map((_, j) => simplex.slice(0, d).reduce((s, p) => s + p.x[j], 0) / d);
    const reflected = along(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.value) {
      const expanded = along(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[d] = fe < fr ? { x: expanded, value: fe } : { x: reflected, value: fr };
    } else if (fr < simplex[d - 1].value) {
      simplex[d] = { x: reflected, value: fr };
    } else {
      const contracted = along(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < worst.value) simplex[d] = { x: contracted, value: fc };
      else for (let i = 1; i <= d; i++) { const x = along(best.x, simplex[i].x, 0.5); simplex[i] = { x, value: f(x) }; }
    }
  }
  simplex.sort((a, b) => a.value - b.value);
  return simplex[0];
}
