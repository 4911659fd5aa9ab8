// Starts the real app (embedded stores + simulator) in a child process and drives the built
// dashboard in headless Chromium: every route at desktop and phone width, charts rendered,
// no console errors, screenshots saved to test-results/screenshots/. Needs `npm run build` first.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, firstChartMs, paintedCanvases, VIEWPORTS } from '../../bench/dashboard.js';
import { eventually as waitFor, freePort } from '../helpers/app.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dashboard/dist/index.html');
const SHOTS = join(ROOT, 'test-results/screenshots'); // README images in screenshots/ are chosen by hand
const canRun = existsSync(CHROMIUM) && existsSync(DIST);
// In CI a missing browser or build is a broken setup, not a reason to skip.
if (!canRun && process.env.CI) throw new Error(`browser tests cannot run in CI: ${existsSync(CHROMIUM) ? 'dashboard not built' : `${CHROMIUM} missing`}`);
if (!canRun) {
  process.stderr.write(`browser tests skipped: ${!existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : 'dashboard not built (npm run build)'}\n`);
}

const ROUTES = [
  { path: '/', name: 'overview', charts: 2 },
  { path: '/explorer', name: 'explorer', charts: 0 },
  // Forecasts come a minute after the start (the forecaster's first round): checked on their own below.
  { path: '/forecasts', name: 'forecasts', charts: 0 },
  { path: '/trends', name: 'trends', charts: 0 },
  { path: '/geography', name: 'geography', charts: 0 },
  { path: '/videos', name: 'videos', charts: 0 },
  { path: '/alerts', name: 'alerts', charts: 0 },
];

describe.skipIf(!canRun)('dashboard in Chromium', () => {
  let app: ChildProcess;
  let base = '';
  let dataDir = '';
  let browser: Browser;
  let productId = '';

  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'trenddrop-browser-'));
    base = `http://127.0.0.1:${port}`;
    app = spawn(process.execPath, [join(ROOT, 'bin/trenddrop.cjs'), 'start'], {
      cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TRENDDROP_DATA_DIR: dataDir, KAFKA_BROKERS: '' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    await waitFor(async () => ((await fetch(`${base}/api/v1/health`)).ok ? true : undefined), 90_000, '/api/v1/health');
    // Wait until the simulator has produced scored products, so every view has data to show.
    productId = await waitFor(async () => {
      const r = await (await fetch(`${base}/api/v1/products?limit=1`)).json();
      return r.items?.[0]?.productId as string | undefined;
    }, 90_000, 'first product');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    mkdirSync(SHOTS, { recursive: true });
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app.once('exit', r));
      app.kill('SIGTERM');
      // Shutdown is bounded (15 s); past that the process is stuck, and the data dir goes anyway.
      const timer = setTimeout(() => app.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // A simulated week of chdb parts: removing them took up to a minute on a busy machine.
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 180_000);

  for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
    it(`opens every route at ${vpName} width with charts and no console errors`, async () => {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      // Failed requests are caught below with their URL; the console's copy of them says less.
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      // Every page asks only for what exists: any error answer, API or asset, fails the test.
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`); });
      // The pages run under the server's Content-Security-Policy: anything it blocks is a failure.
      await page.addInitScript(() => {
        (window as unknown as { cspViolations: string[] }).cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
      });

      for (const route of [...ROUTES, { path: `/products/${encodeURIComponent(productId)}`, name: 'product', charts: 1 }]) {
        const doc = await page.goto(base + route.path, { waitUntil: 'load' });
        expect(doc?.headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-[^']+';/);
        await page.waitForSelector(`[data-page="${route.name}"]`, { timeout: 15_000 });
        if (route.charts) await waitFor(async () => ((await paintedCanvases(page)) >= route.charts ? true : undefined), 15_000, `${route.charts} charts on ${route.path}`);
        // A chart's tooltip is HTML with inline styles: the policy must let it show.
        if (route.charts) await page.locator('[data-chart] canvas').first().hover();
        await page.waitForTimeout(800);
        errors.push(...await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.map((v) => `CSP blocked ${v}`)));
        if (route.name === 'overview') {
          // The inline boot script ran (allowed by its hash): it started the Overview request.
          expect(await page.evaluate(() => '__tdBoot' in window)).toBe(true);
          const values = await page.locator('[data-kpi-value]').allTextContents();
          expect(values).toHaveLength(4);
          for (const v of values) expect(v).toMatch(/^[\d.,]+[KMB]?$/);
          expect(Number(values[0].replace(/,/g, ''))).toBeGreaterThan(0);
          // The landing page's scripts are one file (dashboard/vite.config.ts): split into
          // shared chunks they took six of HTTP/1.1's six connections, and the overview request
          // the boot script starts queued behind them.
          const firstChart = await firstChartMs(page);
          const scripts = await page.evaluate((before) => performance.getEntriesByType('resource')
            .filter((r) => r.name.endsWith('.js') && r.startTime < before).map((r) => new URL(r.name).pathname), firstChart ?? Infinity);
          expect(scripts).toHaveLength(1);
          expect(firstChart).toBeGreaterThan(0);
          process.stderr.write(`[${vpName}] first chart ${Math.round(firstChart!)} ms after navigation\n`);
        }
        // No text or button cut off by a container that scrolls or clips: a table may scroll
        // sideways on a phone, but not the sentences that explain it (the forecast's backtest
        // caption did), nor a control (the product header's row pushed "Compare" out of its card).
        const clipped = await page.evaluate(() => [...document.querySelectorAll('p, caption, h1, h2, h3, li, dd, dt, button')].filter((el) => {
          if (el.closest('td, th, nav')) return false;
          const r = el.getBoundingClientRect();
          if (r.width <= 1) return false;
          for (let a = el.parentElement; a; a = a.parentElement) {
            if (getComputedStyle(a).overflowX === 'visible') continue;
            const b = a.getBoundingClientRect();
            return r.right > b.right + 1 || r.left < b.left - 1;
          }
          return r.right > document.documentElement.clientWidth + 1;
        }).map((el) => `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim().slice(0, 60)}`));
        expect(clipped, `text cut off on ${route.path} at ${vpName} width`).toEqual([]);
        if (route.name === 'explorer') await waitFor(async () => ((await page.locator('[data-grid] [role="row"]').count()) > 1 ? true : undefined), 15_000, 'explorer rows');
        await page.screenshot({ path: join(SHOTS, `${route.name}-${vpName}.png`), fullPage: true });
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }, 180_000);
  }

  it('ranks products by their stored forecasts, with the app-wide calibration, each row linking to its product', async () => {
    // The forecaster's first round starts a minute after the app, then forecasts every active product.
    await waitFor(async () => ((await (await fetch(`${base}/api/v1/forecasts?limit=1`)).json()).items?.length ? true : undefined), 240_000, 'stored forecasts');
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    await page.goto(`${base}/forecasts`, { waitUntil: 'load' });
    await page.waitForSelector('[data-page="forecasts"] [data-forecast-row]', { timeout: 15_000 });
    await waitFor(async () => ((await paintedCanvases(page)) >= 1 ? true : undefined), 15_000, 'the forecast change chart');
    const values = await page.locator('[data-calibration-value]').allTextContents();
    expect(values).toHaveLength(3);
    for (const v of values) expect(v).toMatch(/^\d+(\.\d)?%$/);
    // Forecasts are not cut to a time range: no range control that would change nothing here.
    expect(await page.locator('[aria-label="Time range"]').count()).toBe(0);
    const first = page.locator('[data-forecast-row] a').first();
    const href = await first.getAttribute('href');
    expect(href).toMatch(/^\/products\//);
    await page.screenshot({ path: join(SHOTS, 'forecasts-data-desktop.png'), fullPage: true });
    await first.click();
    await page.waitForSelector('[data-page="product"]', { timeout: 15_000 });
    expect(await page.locator('[aria-label="Time range"]').count()).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname).toBe(href);
    await ctx.close();
  }, 300_000);

  it('shows the Overview in dark mode and receives live updates over the WebSocket', async () => {
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop, colorScheme: 'dark' });
    const page = await ctx.newPage();
    await page.goto(base, { waitUntil: 'load' });
    await page.waitForSelector('[data-live-state]');
    await waitFor(async () => ((await page.locator('[data-live-state]').textContent())?.includes('Live') ? true : undefined), 20_000, 'a live WebSocket message');
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await waitFor(async () => ((await paintedCanvases(page)) >= 2 ? true : undefined), 15_000, 'charts');
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(SHOTS, 'overview-dark.png') });
    await ctx.close();
  }, 60_000);
});
