// The WebSocket clients of the fan-out bench, in a child process of their own so that 10,000
// client sockets do not share an event loop (or a file-descriptor limit) with the server they
// measure. The same harness serves both sides of the comparison. Times are CLOCK_MONOTONIC
// (process.hrtime), which every process on the machine shares, so a publish stamped by the
// parent and an arrival stamped here are on one clock.
import WebSocket from 'ws';
import { serveParent } from './child.js';

/** Parent → harness. */
export type HarnessCommand =
  /**
   * Opens `clients` sockets; with `subscribe`, each sends it and waits for the ack. The run
   * will carry the event messages numbered firstSeq … firstSeq+messages-1.
   */
  | { op: 'connect'; url: string; clients: number; subscribe: string | null; firstSeq: number; messages: number }
  /** The message with this seq was published at `at` (monotonic ms). */
  | { op: 'published'; seq: number; at: number }
  /** Waits until every client has every message (or none came for quietMs), then reports and closes. */
  | { op: 'collect'; quietMs: number };

/** Harness → parent. */
export type HarnessReply =
  | { op: 'connected'; clients: number }
  /** Every delivery's latency in ms (unsorted), and the frames as client 0 got them. */
  | { op: 'result'; expected: number; latencies: Float64Array; frames: string[] };

export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const CONNECT_CONCURRENCY = 200;
const SEQ = Buffer.from('"seq":');
const EVENT = Buffer.from('"type":"event"');
const ACK = Buffer.from('"type":"ack"');

/** The seq of an event frame, read from the bytes: parsing 10,000 copies as JSON would time the harness. */
function eventSeq(buf: Buffer): number {
  if (buf.indexOf(EVENT) < 0) return -1;
  let i = buf.indexOf(SEQ);
  if (i < 0) return -1;
  let n = 0;
  for (i += SEQ.length; buf[i] >= 0x30 && buf[i] <= 0x39; i++) n = n * 10 + buf[i] - 0x30;
  return n;
}

const reply = (r: HarnessReply) => process.send!(r);

let sockets: WebSocket[] = [];
/** Arrival times, [seq index × clients + client]; 0 = not (yet) delivered. */
let arrivals = new Float64Array(0);
let firstSeq = 1;
let messages = 0;
let delivered = 0;
let lastArrival = 0;
const published = new Map<number, number>();
/** Frames as client 0 got them, so the baseline can send the very same bytes. */
const frames = new Map<number, string>();

function onFrame(client: number, buf: Buffer): void {
  const at = monotonicMs();
  const seq = eventSeq(buf);
  const k = seq - firstSeq;
  // Not one of the run's events (a snapshot, say), or a repeat: not a delivery.
  const slot = k * sockets.length + client;
  if (seq < 0 || k < 0 || k >= messages || arrivals[slot] !== 0) return;
  arrivals[slot] = at;
  delivered++;
  lastArrival = at;
  if (client === 0) frames.set(seq, buf.toString());
}

function open(url: string, client: number, subscribe: string | null): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      if (subscribe === null) { ws.on('message', (d: Buffer) => onFrame(client, d)); return resolve(ws); }
      ws.send(subscribe);
      const untilAck = (d: Buffer) => {
        if (d.indexOf(ACK) < 0) return;
        ws.off('message', untilAck);
        ws.on('message', (m: Buffer) => onFrame(client, m));
        resolve(ws);
      };
      ws.on('message', untilAck);
    });
  });
}

async function connect(c: Extract<HarnessCommand, { op: 'connect' }>): Promise<void> {
  sockets = new Array(c.clients);
  let next = 0;
  // A bounded number of handshakes in flight, so the listen backlog never overflows.
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, c.clients) }, async () => {
    while (next < c.clients) { const i = next++; sockets[i] = await open(c.url, i, c.subscribe); }
  }));
  reply({ op: 'connected', clients: sockets.length });
}

async function collect(c: Extract<HarnessCommand, { op: 'collect' }>): Promise<void> {
  const expected = sockets.length * messages;
  // Done when every delivery came, or when none came for quietMs (then the shortfall is reported).
  while (delivered < expected && (published.size < messages || monotonicMs() - Math.max(lastArrival, ...published.values()) < c.quietMs)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const latencies = new Float64Array(delivered);
  let n = 0;
  for (let k = 0; k < messages; k++) {
    const t0 = published.get(firstSeq + k);
    for (let i = 0; i < sockets.length; i++) {
      const at = arrivals[k * sockets.length + i];
      if (at !== 0 && t0 !== undefined) latencies[n++] = at - t0;
    }
  }
  for (const ws of sockets) ws.terminate();
  reply({
    op: 'result', expected, latencies: latencies.slice(0, n),
    frames: [...frames.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f),
  });
}

// Only as the forked harness: the parent imports this module for its types and clock.
serveParent<HarnessCommand, HarnessReply>(import.meta.url, process.argv[1], async (c) => {
  switch (c.op) {
    case 'connect':
      // Collection is set up before the first socket opens, for the first frame.
      ({ firstSeq, messages } = c);
      arrivals = new Float64Array(c.clients * c.messages);
      delivered = 0; lastArrival = 0; published.clear(); frames.clear();
      return connect(c);
    case 'published': published.set(c.seq, c.at); return;
    case 'collect': return collect(c);
  }
});
