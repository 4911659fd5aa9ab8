// Scratch: CPU profile of one cold desktop load up to the first chart, self time by script and by function.
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, firstChartMs, paintedCanvases, VIEWPORTS } from '../bench/dashboard.js';
const url = process.argv[2];
const vp = (process.argv[3] ?? 'desktop') as 'desktop' | 'phone';
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const ctx = await browser.newContext({ viewport: VIEWPORTS[vp], deviceScaleFactor: 1 });
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.goto(url + '/', { waitUntil: 'commit' });
let ms: number | null = null;
while ((ms = await firstChartMs(page)) === null || (await paintedCanvases(page)) === 0) await new Promise((r) => setTimeout(r, 25));
const { profile } = await cdp.send('Profiler.stop') as any;
const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
const self = new Map<number, number>();
const dts: number[] = profile.timeDeltas;
profile.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (dts[i] ?? 0)));
const byUrl = new Map<string, number>(), byFn = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id); const cf = n.callFrame;
  const u = (cf.url || cf.functionName || '(native)').replace(/^.*\//, '');
  byUrl.set(u, (byUrl.get(u) ?? 0) + us);
  const f = `${cf.functionName || '(anon)'} ${u}:${cf.lineNumber}:${cf.columnNumber}`;
  byFn.set(f, (byFn.get(f) ?? 0) + us);
}
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${n}`).join('\n');
console.log('firstChart', Math.round(ms));
console.log(top(byUrl, 15));
console.log('--');
console.log(top(byFn, 30));
await browser.close();
