// `trenddrop bench`, dashboard phase: how long a cold browser takes from navigation to the
// Overview's first chart painted with data, at desktop and phone size, against `trenddrop start`
// in a process of its own with the simulator on (its history written first, so every run sees
// the same data). Each run is a new browser context: empty cache, nothing kept from the last.
// The first chart is what the dashboard itself marks (`td:first-chart`, on a chart's first
// render), and the browser tests read the same mark through firstChartMs().
import { existsSync, rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { BACKFILL_PUBLISHED } from '../app/start-app.js';
import { sleep } from '../core/retry.js';
import { getJson, scratchDir, startTrendDrop } from './chaos/trenddrop-process.js';
import { label, num } from './format.js';

export const CHROMIUM = '/usr/bin/chromium';
// Chromium 14x+ builds a WebUI omnibox popup (its own renderer, chrome://omnibox-popup.top-chrome)
// for every new window, and each run's new context is a new window: on 2 cores that renderer's
// ~1 s of CPU landed inside every cold load. A user's browser built it when it opened, not per page.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup'];
export const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;
export type Viewport = keyof typeof VIEWPORTS;

/** Chart canvases that have painted something other than transparent pixels. */
export async function paintedCanvases(page: Page): Promise<number> {
  return page.evaluate(() => [...document.querySelectorAll('[data-chart] canvas')].filter((c) => {
    const el = c as HTMLCanvasElement;
    if (!el.width || !el.height) return false;
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data;
    if (!data) return false;
    for (let i = 3; i < data.length; i += 16) if (data[i] !== 0) return true;
    return false;
  }).length);
}

/**
 * Milliseconds from navigation to the first chart's render (the dashboard's mark), waited for in
 * the page by one observer: polled from here, every poll was a DevTools round trip run on the
 * page's main thread and a turn of this process's CPU, both taken from the load being timed.
 */
export async function awaitFirstChart(page: Page, timeoutMs: number): Promise<number> {
  const ms = await page.evaluate((timeout) => new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), timeout);
    new PerformanceObserver((list, observer) => {
      const mark = list.getEntriesByName('td:first-chart')[0];
      if (!mark) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve(mark.startTime);
    }).observe({ type: 'mark', buffered: true });
  }), timeoutMs);
  if (ms === null) throw new Error(`no chart rendered within ${timeoutMs / 1000} s`);
  return ms;
}

/** Milliseconds from navigation to the first chart's render (the dashboard's mark); null before it. */
export async function firstChartMs(page: Page): Promise<number | null> {
  return page.evaluate(() => performance.getEntriesByName('td:first-chart')[0]?.startTime ?? null);
}

export interface DashboardRun { firstChartMs: number; overviewMs: number; scriptBytes: number; transferredBytes: number }
export interface DashboardResult {
  runs: number;
  /** Per viewport: every run, and the median of the first chart. */
  viewports: Record<Viewport, { p50: number; runs: DashboardRun[] }>;
}

export interface DashboardOptions {
  /** Cold loads per viewport (default 5). */
  runs?: number;
  onProgress?: (f: number, label: string) => void;
  /** A poll of the server that failed (and is retried), with its cause. */
  onPollError?: (err: Error) => void;
}

/** Longest wait for the simulated history to be stored before the runs. */
const HISTORY_BUDGET_MS = 15 * 60_000;

/** The events the first start's backfill published, from its log line; null before it. */
function publishedHistory(output: string): number | null {
  const line = output.split('\n').find((l) => l.includes(`"${BACKFILL_PUBLISHED}"`));
  return line ? Number(JSON.parse(line).events) : null;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

export async function runDashboardBench(o: DashboardOptions = {}): Promise<DashboardResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`the dashboard phase needs Chromium at ${CHROMIUM}`);
  const runs = o.runs ?? 5;
  const progress = o.onProgress ?? (() => undefined);
  const dataDir = scratchDir('dashboard');
  progress(0, 'starting TrendDrop');
  const app = await startTrendDrop({ dataDir, env: { TRENDDROP_SIMULATOR: 'on', LOG_LEVEL: 'info' } });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // The simulated history stored, so that every run charts the same eight days.
    progress(0.05, 'waiting for the history');
    const until = Date.now() + HISTORY_BUDGET_MS;
    const late = () => { if (Date.now() > until) throw new Error(`the history was not stored within ${HISTORY_BUDGET_MS / 60_000} min`); };
    let history: number | null = null;
    while ((history = publishedHistory(app.output())) === null) { late(); await sleep(500); }
    // Stored once the 30-day timeline counts at least the history (live ticks add to it, so it
    // never stops moving).
    for (;;) {
      late();
      // A poll that fails (a connection dropped on a busy machine) is retried at the next poll.
      const week = await getJson(app.url, 'overview?range=30d').catch((err: Error) => {
        o.onPollError?.(err);
        return null;
      });
      if (week && ((week.body?.timeline ?? []) as { events: number }[]).reduce((a, p) => a + p.events, 0) >= history) break;
      await sleep(2000);
    }
    const result: DashboardResult = { runs, viewports: { desktop: { p50: 0, runs: [] }, phone: { p50: 0, runs: [] } } };
    // Viewports take turns, so that a slow spell of the machine does not land on one only.
    for (let i = 0; i < runs; i++) {
      for (const vp of Object.keys(VIEWPORTS) as Viewport[]) {
        progress(0.2 + (0.8 * (i * 2 + (vp === 'phone' ? 1 : 0))) / (runs * 2), `${vp} run ${i + 1}/${runs}`);
        const ctx = await browser.newContext({ viewport: VIEWPORTS[vp], deviceScaleFactor: 1 });
        const page = await ctx.newPage();
        let scriptBytes = 0, transferredBytes = 0;
        page.on('requestfinished', (req) => {
          void req.sizes().then((s) => {
            transferredBytes += s.responseBodySize + s.responseHeadersSize;
            if (req.resourceType() === 'script') scriptBytes += s.responseBodySize;
          }, () => undefined);
        });
        await page.goto(app.url + '/', { waitUntil: 'commit' });
        const ms = await awaitFirstChart(page, 60_000).catch((err: Error) => { throw new Error(`${err.message} on the Overview (${vp})`); });
        // A run counts once the chart's pixels are on the canvas (polled only after the mark, so
        // outside the time measured).
        const until = Date.now() + 10_000;
        while ((await paintedCanvases(page)) === 0) {
          if (Date.now() > until) throw new Error(`the Overview's first chart rendered but painted nothing within 10 s (${vp})`);
          await sleep(25);
        }
        const overviewMs = await page.evaluate(() => {
          const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v1/overview')) as PerformanceResourceTiming | undefined;
          return e ? e.responseEnd : -1;
        });
        result.viewports[vp].runs.push({ firstChartMs: Math.round(ms), overviewMs: Math.round(overviewMs), scriptBytes, transferredBytes });
        await ctx.close();
      }
    }
    for (const v of Object.values(result.viewports)) v.p50 = median(v.runs.map((r) => r.firstChartMs));
    progress(1, 'done');
    return result;
  } finally {
    await browser.close();
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatDashboardBench(r: DashboardResult): string[] {
  const lines = [`TrendDrop dashboard — cold loads of the Overview in Chromium, ${r.runs} per viewport (ms from navigation)`];
  for (const [vp, v] of Object.entries(r.viewports)) {
    const last = v.runs[v.runs.length - 1];
    lines.push(`${label(`${vp}: first chart p50`)}${num(Math.round(v.p50))} ms (runs: ${v.runs.map((x) => num(x.firstChartMs)).join(', ')})`);
    lines.push(`${label(`${vp}: overview response ended`)}${v.runs.map((x) => num(x.overviewMs)).join(', ')} ms`);
    if (last) lines.push(`${label(`${vp}: bytes transferred (scripts)`)}${num(last.transferredBytes)} (${num(last.scriptBytes)})`);
  }
  lines.push('');
  return lines;
}
