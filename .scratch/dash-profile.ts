// Scratch: one cold load per viewport, with the page's resource timings and marks.
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, firstChartMs, paintedCanvases, VIEWPORTS } from '../bench/dashboard.js';
const url = process.argv[2];
const runs = Number(process.argv[3] ?? 2);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
for (let i = 0; i < runs; i++) for (const vp of ['desktop', 'phone'] as const) {
  const ctx = await browser.newContext({ viewport: VIEWPORTS[vp], deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(url + '/', { waitUntil: 'commit' });
  let ms: number | null = null;
  while ((ms = await firstChartMs(page)) === null || (await paintedCanvases(page)) === 0) await new Promise((r) => setTimeout(r, 25));
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const res = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => `${r.name.replace(location.origin, '')} ${Math.round(r.startTime)}→${Math.round(r.responseEnd)} ${r.encodedBodySize}B`);
    const marks = performance.getEntriesByType('mark').map((m) => `${m.name} ${Math.round(m.startTime)}`);
    const paints = performance.getEntriesByType('paint').map((m) => `${m.name} ${Math.round(m.startTime)}`);
    return { html: Math.round(nav.responseEnd), domInteractive: Math.round(nav.domInteractive), dcl: Math.round(nav.domContentLoadedEventEnd), res, marks, paints };
  });
  console.log(vp, 'firstChart', Math.round(ms), JSON.stringify(t, null, 1));
  if (i === runs - 1) await page.screenshot({ path: `/tmp/dash-${vp}.png` });
  await ctx.close();
}
await browser.close();
