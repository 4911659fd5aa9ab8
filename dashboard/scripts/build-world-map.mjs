// Builds dashboard/src/assets/world.json (GeoJSON for echarts.registerMap) from world-atlas
// (Natural Earth, public domain): features keyed by ISO alpha-2, Antarctica dropped, rings that
// cross the antimeridian (Fiji, Russia) split so they do not render as stripes. Run once:
//   node dashboard/scripts/build-world-map.mjs [110m|50m]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';

const require = createRequire(import.meta.url);
const countries = require('i18n-iso-countries');
const res = process.argv[2] ?? '110m';
const topo = JSON.parse(readFileSync(require.resolve(`world-atlas/countries-${res}.json`), 'utf8'));
const geo = feature(topo, topo.objects.countries);

const round = (n) => Math.round(n * 100) / 100;

/** Sutherland–Hodgman clip of a ring against x <= edge (keepLeft) or x >= edge. */
function clip(ring, edge, keepLeft) {
  const inside = (p) => (keepLeft ? p[0] <= edge : p[0] >= edge);
  const out = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % ring.length];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) {
      const t = (edge - a[0]) / (b[0] - a[0]);
      out.push([edge, a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

/** A ring whose consecutive points jump more than 180° of longitude wraps the antimeridian. */
function splitRing(ring) {
  const crosses = ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180);
  if (!crosses) return [ring];
  // Unwrap to a continuous ring in [0, 360), then cut at 180 and shift the east part back.
  const unwrapped = ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]);
  const west = clip(unwrapped, 180, true);
  const east = clip(unwrapped, 180, false).map(([x, y]) => [x - 360, y]);
  return [west, east].filter((r) => r.length >= 3);
}

function polygons(g) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const out = [];
  for (const [outer, ...holes] of polys) {
    const parts = splitRing(outer);
    // Holes are rare and tiny at these scales; keep them only on polygons that did not need a cut.
    if (parts.length === 1) out.push([parts[0], ...holes]);
    else for (const p of parts) out.push([p]);
  }
  return out.map((poly) => poly.map((ring) => {
    const r = ring.map(([x, y]) => [round(x), round(y)]).filter((p, i, a) => i === 0 || p[0] !== a[i - 1][0] || p[1] !== a[i - 1][1]);
    if (r.length && (r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1])) r.push(r[0]);
    return r;
  }));
}

const features = [];
for (const f of geo.features) {
  if (f.id === '010' || f.id === undefined) continue; // Antarctica; and areas without an ISO code
  const code = countries.numericToAlpha2(f.id);
  if (!code) continue;
  features.push({ type: 'Feature', id: code, properties: { name: code }, geometry: { type: 'MultiPolygon', coordinates: polygons(f.geometry) } });
}
const out = new URL('../src/assets/world.json', import.meta.url);
writeFileSync(out, JSON.stringify({ type: 'FeatureCollection', features }));
process.stdout.write(`wrote ${features.length} countries to ${out.pathname}\n`);
