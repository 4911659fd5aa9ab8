// Bench phase: WebSocket fan-out of one API process against a plain `ws` broadcast of the same
// frames to the same number of clients (target: p99 delivery ≤ 1.2 × plain ws).
//   gateway: a real TrendDrop API process (startApp, role `api`, embedded stores in a temp dir)
//     with N clients subscribed to one product channel over /ws; each message is an engagement
//     update published on the updates topic, as the sink publishes them, which api/live.ts
//     turns into a channel event; timed from that publish to arrival at every client;
//   plain ws: a WebSocketServer in the same process (the app still running beside it) sending
//     the very frames the gateway sent, byte for byte, to N clients, timed from the start of
//     the send loop to arrival.
// The clients live in a child process (fanout-clients.ts), the same harness for both
// sides, so that the server's event loop carries only the server's work. Messages are paced,
// so the figure is delivery latency, not queue depth. The two sides take turns in short rounds
// (10,000 clients each, reconnected every round: both sets at once would need more descriptors
// than a default `ulimit -n` gives one process), so that load from elsewhere on the machine
// falls on both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import { emptyTotals, type EngagementUpdate } from '../schemas/updates.js';
import { MAX_CLIENT_MESSAGE_BYTES } from '../api/ws/transport.js';
import { startApp, type App } from '../app/start-app.js';
import { BenchChild } from './child.js';
import { monotonicMs, type HarnessCommand, type HarnessReply } from './fanout-clients.js';
import { num, label } from './format.js';

export interface FanoutSide {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** (client, message) deliveries timed, of `expected` = subscribers × messages. */
  deliveries: number;
  expected: number;
  /** From the first connection until every client is connected (and subscribed) and the server is idle again; the slowest round. */
  setupSeconds: number;
  /** p99 of each round on its own: one round hit by outside load shows here. */
  roundP99Ms: number[];
}

export interface FanoutResult {
  subscribers: number;
  messages: number;
  intervalMs: number;
  gateway: FanoutSide;
  plainWs: FanoutSide;
  ratioP99: number;
  /** Resident memory of the API process with every subscriber connected. */
  rssMiB: number;
}

export interface FanoutOptions {
  subscribers: number;
  messages: number;
  logger: Logger;
  /** Time between messages (default: subscribers / 20 ms, at least 50). */
  intervalMs?: number;
}

/** Event-loop utilisation under which the server counts as idle after the clients connected. */
const IDLE_ELU = 0.05;
/** How long the harness waits for missing deliveries once none arrive. */
const QUIET_MS = 5000;
/** Messages per side per round. */
const ROUND_MESSAGES = 20;

/** The client harness: a child process of its own. */
type Harness = BenchChild<HarnessCommand, HarnessReply>;

/** Waits until this process's event loop is nearly idle (subscribe-time work such as snapshots done). */
async function idle(log: Logger, maxMs = 180_000): Promise<void> {
  const until = Date.now() + maxMs;
  for (;;) {
    const from = performance.eventLoopUtilization();
    await sleep(500);
    const elu = performance.eventLoopUtilization(from).utilization;
    if (elu < IDLE_ELU) return;
    if (Date.now() > until) { log.warn({ elu }, 'server still busy; measuring anyway'); return; }
  }
}

/** One side's share of one round. */
interface Round { latencies: Float64Array; expected: number; setupSeconds: number; frames: string[] }

/**
 * One side in one round: connects the clients, publishes `count` messages paced `intervalMs`
 * apart (publish(k) sends message k and returns its seq), collects every delivery's latency.
 */
async function measure(harness: Harness, log: Logger, o: { url: string; clients: number; subscribe: string | null; firstSeq: number; count: number; intervalMs: number },
  publish: (k: number) => Promise<number>, whileConnected: () => void = () => undefined): Promise<Round> {
  const setupFrom = performance.now();
  await harness.ask({ op: 'connect', url: o.url, clients: o.clients, subscribe: o.subscribe, firstSeq: o.firstSeq, messages: o.count }, 'connected');
  await idle(log);
  const setupSeconds = (performance.now() - setupFrom) / 1000;
  const t0 = performance.now();
  for (let k = 0; k < o.count; k++) {
    const at = monotonicMs();
    harness.tell({ op: 'published', seq: await publish(k), at });
    const wait = t0 + (k + 1) * o.intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  whileConnected();
  const r = await harness.ask({ op: 'collect', quietMs: QUIET_MS }, 'result');
  return { latencies: r.latencies, expected: r.expected, setupSeconds, frames: r.frames };
}

/** The p-quantile of sorted latencies, in ms. */
const quantile = (sorted: Float64Array, p: number) => (sorted.length ? +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2) : NaN);

/** Percentiles over every delivery of every round. */
function summarize(rounds: Round[]): FanoutSide {
  const all = new Float64Array(rounds.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of rounds) { all.set(r.latencies, at); at += r.latencies.length; }
  all.sort();
  return {
    p50Ms: quantile(all, 0.5), p99Ms: quantile(all, 0.99), maxMs: quantile(all, 1), deliveries: all.length, expected: rounds.reduce((n, r) => n + r.expected, 0),
    setupSeconds: +Math.max(...rounds.map((r) => r.setupSeconds)).toFixed(1),
    roundP99Ms: rounds.map((r) => quantile(r.latencies.slice().sort(), 0.99)),
  };
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`fan-out bench: timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An engagement update for one product, as the sink publishes for a batch of new events. */
function update(productId: string, k: number): EngagementUpdate {
  const now = Date.now();
  const delta = { ...emptyTotals(), events: 12, views: 1200 + k, likes: 80, shares: 9, comments: 14, orders: 2, revenue: 39.98, searches: 31 };
  const minute = new Date(Math.floor(now / 60_000) * 60_000).toISOString();
  return { kind: 'engagement', acceptedAt: now, deliveredAt: now, announcedAt: now, lastEventAt: new Date(now).toISOString(), products: { [productId]: { delta, bucketTs: minute } } };
}

export async function runFanoutBench(o: FanoutOptions): Promise<FanoutResult> {
  const log = o.logger.child({ component: 'bench-fanout' });
  // One broadcast to 10,000 local sockets takes 100–200 ms on a 2-core machine (about 10–20 µs
  // a send, plain ws included): the interval leaves room for it, so nothing queues.
  const intervalMs = o.intervalMs ?? Math.max(50, Math.round(o.subscribers / 20));
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-fanout-'));
  // One API process on embedded stores, whatever the environment points at: the gateway is measured, not a deployment.
  const config = loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off' });
  let app: App | null = null;
  const harness: Harness = new BenchChild('bench/fanout-clients.ts');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  try {
    await new Promise<void>((r, j) => { wss.once('listening', r); wss.once('error', j); });
    const plainUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    app = await startApp(config, { roles: ['api'], logger: o.logger });
    const { bus, topics } = app.runtime;
    const gateway = app.gateway!;
    const gatewayUrl = `ws://127.0.0.1:${app.port}/ws`;
    const run = Date.now().toString(36);
    const gatewayRounds: Round[] = [], plainRounds: Round[] = [];
    let rssMiB = 0;
    for (let done = 0, round = 0; done < o.messages; round++) {
      const count = Math.min(ROUND_MESSAGES, o.messages - done);
      // A fresh channel per round, so the round's messages are seq 1…count on it.
      const productId = `fanout-${run}-${round}`;
      log.info({ round, subscribers: o.subscribers, messages: count, intervalMs }, 'fan-out round');
      const g = await measure(harness, log,
        { url: gatewayUrl, clients: o.subscribers, subscribe: JSON.stringify({ type: 'subscribe', channels: [`product:${productId}`] }), firstSeq: 1, count, intervalMs },
        async (k) => { await bus.publish(topics.updates, [{ key: productId, value: update(productId, done + k) }]); return k + 1; },
        () => { rssMiB = Math.max(rssMiB, Math.round(process.memoryUsage().rss / 2 ** 20)); });
      await until(() => gateway.clientCount === 0, 'the gateway to see its clients go');
      // The same frames, as client 0 received them; their seqs tell the harness which is which.
      const frames = g.frames.map((text) => ({ text, seq: (JSON.parse(text) as { seq: number }).seq }));
      if (frames.length === 0) throw new Error('fan-out bench: no gateway message reached client 0');
      const p = await measure(harness, log,
        { url: plainUrl, clients: o.subscribers, subscribe: null, firstSeq: frames[0].seq, count: frames.length, intervalMs },
        async (k) => { for (const c of wss.clients) c.send(frames[k].text); return frames[k].seq; });
      await until(() => wss.clients.size === 0, 'the plain server to see its clients go');
      gatewayRounds.push(g);
      plainRounds.push(p);
      done += count;
    }
    const sides = { gateway: summarize(gatewayRounds), plainWs: summarize(plainRounds) };
    return { subscribers: o.subscribers, messages: o.messages, intervalMs, ...sides, ratioP99: +(sides.gateway.p99Ms / sides.plainWs.p99Ms).toFixed(3), rssMiB };
  } finally {
    harness.close();
    await new Promise((r) => wss.close(r));
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatFanout(r: FanoutResult): string[] {
  const side = (s: FanoutSide) => `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms (${num(s.deliveries)} of ${num(s.expected)} deliveries; set up in ${s.setupSeconds} s)`;
  return [
    `TrendDrop fan-out — ${num(r.subscribers)} subscribers, ${num(r.messages)} messages, one per ${r.intervalMs} ms (sides taking turns every ${ROUND_MESSAGES})`,
    `${label('plain ws broadcast (same frames)')}${side(r.plainWs)}`,
    `${label('gateway (updates topic → client)')}${side(r.gateway)}`,
    `${label('ratio p99 gateway / plain ws')}${r.ratioP99}`,
    `${label('p99 per round, gateway (ms)')}${r.gateway.roundP99Ms.join(' ')}`,
    `${label('p99 per round, plain ws (ms)')}${r.plainWs.roundP99Ms.join(' ')}`,
    `${label(`API process memory at ${num(r.subscribers)} clients`)}${num(r.rssMiB)} MiB`,
  ];
}
