// The WebSocket endpoint under hostile input, on a real server: subscription floods over many
// products, giant and binary frames, message floods. Each attacker is refused or cut off, the
// work it queued ends with it, and an honest dashboard on the side keeps being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, get, makeEvents, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

let t: TestApp;
let wsUrl: string;

interface Client { ws: WebSocket; messages: any[]; closed: Promise<{ code: number }> }

async function connect(): Promise<Client> {
  const ws = new WebSocket(wsUrl);
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, messages, closed };
}

beforeAll(async () => {
  t = await startTestApp(tempDir('ws-hostile'));
  wsUrl = t.url.replace('http', 'ws') + '/ws';
  expect((await post(t.url, 'events', makeEvents('p-ws-real', 20, Date.now() - 3600e3, 60_000))).status).toBe(202);
  await t.app.drain();
});
afterAll(async () => { await t?.stop(); });

describe('WebSocket under attack', () => {
  it('bounds a subscription flood over many products, and its work ends when the attacker leaves', async () => {
    const honest = await connect();
    const attacker = await connect();
    // 50 messages of 100 made-up products each (~95 KB), sent at once.
    for (let m = 0; m < 50; m++) attacker.ws.send(JSON.stringify({ type: 'subscribe', channels: Array.from({ length: 100 }, (_, i) => `product:flood-${m}-${i}-${'x'.repeat(12)}`) }));
    honest.ws.send(JSON.stringify({ type: 'subscribe', channels: ['overview', 'product:p-ws-real'] }));
    await eventually(async () => (honest.messages.filter((m) => m.type === 'snapshot').length === 2 ? true : undefined), 30_000, 'the honest client\'s snapshots');
    const acks = attacker.messages.filter((m) => m.type === 'ack');
    expect(acks).toHaveLength(1);
    expect(attacker.messages.filter((m) => m.type === 'error').map((m) => m.data.code)).toContain('too_many_channels');
    await eventually(async () => attacker.messages.find((m) => m.type === 'error' && m.data.code === 'not_found'), 30_000, 'a not_found for a made-up product');
    attacker.ws.terminate();
    await eventually(async () => (t.app.gateway!.snapshotWork === 0 ? true : undefined), 30_000, 'queued snapshot work to end');
    // Made-up products got "not found", never a snapshot.
    expect(attacker.messages.filter((m) => m.type === 'snapshot')).toHaveLength(0);
    expect((await get(t.url, 'health')).status).toBe(200);
    honest.ws.close();
  });

  it('closes a connection that sends a frame over the size limit, and refuses binary frames', async () => {
    const big = await connect();
    big.ws.send(JSON.stringify({ type: 'subscribe', channels: ['overview'], pad: 'x'.repeat(1 << 20) }));
    expect((await big.closed).code).toBe(1009);
    const bin = await connect();
    bin.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await eventually(async () => bin.messages.find((m) => m.type === 'error'), 10_000, 'an error frame');
    expect(bin.messages[0].data).toMatchObject({ code: 'bad_message' });
    bin.ws.close();
  });

  it('closes a client that floods messages, after one rate-limit error', async () => {
    const c = await connect();
    for (let i = 0; i < 5000; i++) c.ws.send(i % 2 ? JSON.stringify({ type: 'subscribe', channels: ['product:p-ws-real'] }) : JSON.stringify({ type: 'unsubscribe', channels: ['product:p-ws-real'] }));
    expect((await c.closed).code).toBe(1008);
    expect(c.messages.filter((m) => m.type === 'error' && m.data.code === 'rate_limited')).toHaveLength(1);
    await eventually(async () => (t.app.gateway!.clientCount === 0 && t.app.gateway!.snapshotWork === 0 ? true : undefined), 10_000, 'the flood to leave no work');
  });
});
