// The pipeline bench's freshness client: one WebSocket subscribed to the fresh products'
// channels, in a process of its own, as a browser would be. In the process under test, its
// socket reads and the JSON of its ~1,000 frames a second shared the event loop with the server
// it timed, and its arrival stamps waited behind the server's work (the timeline's `socket`).
// Times are epoch ms (Date.now), the clock the frames' acceptedAt and ts are written in.
import WebSocket from 'ws';
import { serveParent } from './child.js';

/** Parent → client. */
export type FreshnessCommand =
  /** Opens the socket and sends the subscription. */
  | { op: 'listen'; url: string; channels: string[] }
  /** Closes the socket and reports every event frame received. */
  | { op: 'collect' };

/** Client → parent. */
export type FreshnessReply =
  | { op: 'listening' }
  /** Per event frame, in arrival order: the batch's acceptance, the gateway's framing, the arrival. */
  | { op: 'collected'; acceptedAt: Float64Array; framedAt: Float64Array; arrivedAt: Float64Array };

let ws: WebSocket | null = null;
const frames: { acceptedAt: number; framedAt: number; arrivedAt: number }[] = [];

function onMessage(raw: WebSocket.RawData): void {
  const arrivedAt = Date.now();
  const m = JSON.parse(String(raw));
  if (m.type !== 'event' || !m.data?.acceptedAt) return;
  frames.push({ acceptedAt: Date.parse(m.data.acceptedAt), framedAt: Date.parse(m.ts), arrivedAt });
}

serveParent<FreshnessCommand, FreshnessReply>(import.meta.url, process.argv[1], async (c, reply) => {
  switch (c.op) {
    case 'listen': {
      const socket = (ws = new WebSocket(c.url));
      await new Promise((r, j) => { socket.once('open', r); socket.once('error', j); });
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ type: 'subscribe', channels: c.channels }));
      return reply({ op: 'listening' });
    }
    case 'collect': {
      ws?.close();
      const column = (k: keyof (typeof frames)[number]) => Float64Array.from(frames, (f) => f[k]);
      return reply({ op: 'collected', acceptedAt: column('acceptedAt'), framedAt: column('framedAt'), arrivedAt: column('arrivedAt') });
    }
  }
});
