// `trenddrop bench`, first-start phase: `trenddrop start` as a user runs it the first time (its
// own process, a fresh data dir, the simulator on, so the eight-day backfill runs), timed from
// the spawn: when `health` first answers at all and with 200, when a WebSocket client
// subscribed to `overview` gets its first live update carrying events, when the overview
// endpoint first counts events, and when the whole history is published and then stored (the
// process logs the backfill's size; the stored count reaches it). The process's own log (info
// level) gives the time of each start-up stage, so that what dominates shows.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BACKFILL_PUBLISHED } from '../app/start-app.js';
import { sleep } from '../core/retry.js';
import { freePort, getJson, ROOT } from './chaos/trenddrop-process.js';
import { label } from './format.js';

export interface FirstStartResult {
  /** Milliseconds from the spawn; null when it did not happen within the time allowed. */
  listeningMs: number | null;
  healthMs: number | null;
  firstLiveUpdateMs: number | null;
  firstOverviewWithEventsMs: number | null;
  /** The eight days of history published to the bus, and all stored. */
  historyPublishedMs: number | null;
  historyStoredMs: number | null;
  historyEvents: number | null;
  /** Start-up stages from the process's log: each message's time since the spawn. */
  stages: { ms: number; msg: string }[];
}

export interface FirstStartOptions {
  /** Longest wait for the history to become visible, after which the run ends (default 180 s). */
  timeoutMs?: number;
  onProgress?: (f: number, label: string) => void;
}

/** Log lines worth a row in the stage list: start-up steps, not per-request noise. */
const STAGE = / open$|listening|migration|stores ready|dedup|started|dashboard|backfill|catalogue|agent/i;
const POLL_MS = 100;

export async function runFirstStartBench(o: FirstStartOptions = {}): Promise<FirstStartResult> {
  const timeoutMs = o.timeoutMs ?? 180_000;
  const progress = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-start-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const proc = spawn(process.execPath, ['bin/trenddrop.cjs', 'start'], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', DATABASE_URL: '', CLICKHOUSE_URL: '', TRENDDROP_SIMULATOR: 'on', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), TRENDDROP_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stages: FirstStartResult['stages'] = [];
  const r: FirstStartResult = { listeningMs: null, healthMs: null, firstLiveUpdateMs: null, firstOverviewWithEventsMs: null, historyPublishedMs: null, historyStoredMs: null, historyEvents: null, stages };
  let tail = '';
  let buffered = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      try {
        const j = JSON.parse(line) as { time?: string; msg?: string; migration?: string; events?: number };
        if (j.msg === BACKFILL_PUBLISHED && j.time) { r.historyPublishedMs = Date.parse(j.time) - t0; r.historyEvents = j.events ?? null; }
        if (j.msg && j.time && STAGE.test(j.msg)) stages.push({ ms: Date.parse(j.time) - t0, msg: j.migration ? `${j.msg} ${j.migration}` : j.msg });
      } catch { /* not a log line */ }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const since = () => Date.now() - t0;
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  let ws: WebSocket | null = null;
  try {
    progress(0, 'starting');
    while (r.healthMs === null && since() < timeoutMs) {
      if (!alive()) throw new Error(`trenddrop start exited (${proc.exitCode ?? proc.signalCode}):\n${tail}`);
      const status = await getJson(url, 'health').then((x) => x.status, () => 0);
      if (status !== 0) r.listeningMs ??= since();
      if (status === 200) r.healthMs = since();
      // The gateway is up with the HTTP server: subscribe as early as a client could.
      if (status !== 0 && !ws) {
        ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        ws.on('open', () => ws!.send(JSON.stringify({ type: 'subscribe', channels: ['overview'] })));
        ws.on('message', (raw) => {
          const m = JSON.parse(raw.toString()) as { type: string; channel: string; data?: { kpis?: { events24h?: number } } };
          if (m.type === 'event' && m.channel === 'overview' && (m.data?.kpis?.events24h ?? 0) > 0) r.firstLiveUpdateMs ??= since();
        });
        ws.on('error', () => { ws = null; });
      }
      if (r.healthMs === null) await sleep(POLL_MS);
    }
    progress(0.3, 'waiting for events');
    // Stored: the week's overview counts the history's events and the live ones since.
    while (since() < timeoutMs && (r.firstLiveUpdateMs === null || r.firstOverviewWithEventsMs === null || r.historyStoredMs === null)) {
      if (!alive()) throw new Error(`trenddrop start exited (${proc.exitCode ?? proc.signalCode}):\n${tail}`);
      if (r.firstOverviewWithEventsMs === null) {
        const ov = await getJson(url, 'overview?range=24h').catch(() => null);
        if ((ov?.body?.kpis?.events24h ?? 0) > 0) r.firstOverviewWithEventsMs = since();
      } else if (r.historyEvents !== null) {
        const week = await getJson(url, 'overview?range=30d').catch(() => null);
        const stored = ((week?.body?.timeline ?? []) as { events: number }[]).reduce((a, p) => a + p.events, 0);
        if (stored >= r.historyEvents) r.historyStoredMs = since();
      }
      progress(0.3 + 0.7 * (since() / timeoutMs), r.firstOverviewWithEventsMs === null ? 'waiting for events' : 'waiting for the history');
      await sleep(POLL_MS);
    }
    progress(1, 'done');
    return r;
  } finally {
    (ws as WebSocket | null)?.close();
    if (alive()) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatFirstStartBench(r: FirstStartResult): string[] {
  const s = (ms: number | null) => (ms === null ? 'not within the time allowed' : `${(ms / 1000).toFixed(1)} s`);
  return [
    'TrendDrop first start — `trenddrop start` on a fresh data dir, simulator on (times from the spawn)',
    `${label('HTTP server answering')}${s(r.listeningMs)}`,
    `${label('health 200 (stores up, serving)')}${s(r.healthMs)}`,
    `${label('first live update with events (WebSocket)')}${s(r.firstLiveUpdateMs)}`,
    `${label('first overview with events')}${s(r.firstOverviewWithEventsMs)}`,
    `${label('history published (log)')}${s(r.historyPublishedMs)}${r.historyEvents === null ? '' : ` (${r.historyEvents.toLocaleString('en-US')} events)`}`,
    `${label('history stored (30-day overview)')}${s(r.historyStoredMs)}`,
    `${label('start-up stages (from its log)')}${r.stages.map((x) => `${(x.ms / 1000).toFixed(1)} s ${x.msg}`).join('; ')}`,
    '',
  ];
}
