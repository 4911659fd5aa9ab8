// A SIGTERM stop keeps its bound with work in flight that would hold it for hours: a running
// ClickHouse query (embedded, it held even process.exit until it ended), a request whose body
// never finishes, an open WebSocket. Events accepted before the signal are all counted after a
// restart on the same data dir.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, makeEvents, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

const dir = tempDir('shutdown');
let restarted: TestApp | null = null;
afterAll(async () => { await restarted?.stop(); });

describe('shutdown', () => {
  it('exits within its bound, cancelling what is in flight, and loses no accepted event', async () => {
    const child = fork(join(import.meta.dirname, '../helpers/long-query-app.ts'), {
      execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off', KAFKA_BROKERS: '', LOG_LEVEL: 'error', TRENDDROP_SHUTDOWN_TIMEOUT_MS: '6000' },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    const url = `http://127.0.0.1:${port}`;

    const events = makeEvents('p-shutdown', 300, Date.now() - 3600e3, 10_000);
    expect((await post(url, 'events', events)).status).toBe(202);
    // A body that never ends (the request timeout is a minute away), and a live WebSocket.
    const dribbler = connect(port, '127.0.0.1');
    dribbler.on('error', () => {});
    dribbler.write('POST /api/v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[');
    const dribblerClosed = new Promise((r) => dribbler.once('close', r));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise((r) => ws.once('open', r));
    const wsClosed = new Promise<number>((r) => ws.once('close', (code) => r(code)));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await wsClosed).toBe(1001);
    await dribblerClosed;

    restarted = await startTestApp(dir);
    await eventually(async () => {
      await restarted!.app.drain();
      const rs = await restarted!.app.runtime.clickhouse.client.query({ query: "SELECT count() AS n FROM events WHERE productId = 'p-shutdown'", format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0].n) === events.length ? true : undefined;
    }, 60_000, 'every accepted event counted after the restart');
  }, 180_000);
});
