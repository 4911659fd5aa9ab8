// HTTP under hostile input on a real server: slow headers and bodies time out, and whatever the
// parser or the router refuses is answered with a 4xx in the documented error shape.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

let t: TestApp;

interface RawReply { status: number; head: string; body: string; closed: boolean }

/** Opens a socket, writes `chunks` (strings, or numbers: milliseconds to wait), and collects the reply until the server closes or `untilMs`. */
function rawExchange(chunks: (string | number)[], untilMs = 30_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket: Socket = connect(t.app.port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n'), closed });
    };
    const timer = setTimeout(() => finish(false), untilMs);
    socket.setEncoding('latin1').on('data', (d) => { data += d; }).on('close', () => finish(true)).on('error', () => finish(true));
    void (async () => {
      for (const c of chunks) {
        if (done) return;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else socket.write(c, 'latin1');
      }
    })();
  });
}

const shape = (body: string) => {
  const j = JSON.parse(body);
  expect(j).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  return j.error as { code: string; message: string; details: { field: string; reason: string }[] };
};

beforeAll(async () => {
  t = await startTestApp(tempDir('http-hostile'), { TRENDDROP_REQUEST_TIMEOUT_MS: '3000', TRENDDROP_HEADERS_TIMEOUT_MS: '1500' });
});
afterAll(async () => { await t?.stop(); });

describe('slow clients', () => {
  it('times out a body dribbled byte by byte, with 408 in the error shape, and stays responsive meanwhile', async () => {
    const dribble = ['POST /api/v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n[', ...Array.from({ length: 300 }, () => [200, ' '] as const).flat()];
    const slow = Array.from({ length: 20 }, () => rawExchange(dribble));
    expect((await get(t.url, 'health')).status).toBe(200);
    for (const r of await Promise.all(slow)) {
      expect(r.closed).toBe(true);
      expect(r.status).toBe(408);
      expect(shape(r.body).code).toBe('request_timeout');
    }
  });

  it('times out headers sent a line at a time', async () => {
    const r = await rawExchange(['GET /api/v1/health HTTP/1.1\r\nhost: x\r\n', ...Array.from({ length: 200 }, (_, i) => [200, `x-h${i}: y\r\n`] as const).flat()]);
    expect(r.closed).toBe(true);
    expect(r.status).toBe(408);
    expect(shape(r.body).code).toBe('request_timeout');
  });

  it('closes a connection that never sends a request', async () => {
    expect((await rawExchange([])).closed).toBe(true);
  });
});
