// HTTP under hostile input on a real server: slow headers and bodies time out, and whatever the
// parser or the router refuses is answered with a 4xx in the documented error shape.
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
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

describe('bad input gets a 4xx in the error shape', () => {
  const req = (method: string, path: string, headers: Record<string, string> = {}, body = '') =>
    `${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${Object.entries({ ...(body || method === 'POST' ? { 'content-length': String(Buffer.byteLength(body, 'latin1')) } : {}), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
  const json = { 'content-type': 'application/json' };
  const event = JSON.stringify({ eventId: 'e-bad-1', ts: '2026-01-05T12:00:00Z', productId: 'p-bad', platform: 'tiktok', region: 'US', views: 1 });
  const gzipped = gzipSync(event).toString('latin1');
  const cases: [string, string, number, string, string?][] = [
    ['malformed percent-encoding', req('GET', '/api/v1/products/%E0%A4%A'), 400, 'bad_url', 'url'],
    ['a lone %', req('GET', '/api/v1/products/%'), 400, 'bad_url', 'url'],
    ['bad JSON', req('POST', '/api/v1/events', json, '{"eventId": '), 400, 'invalid_body', 'body'],
    ['an empty JSON body', req('POST', '/api/v1/events', json), 400, 'invalid_body', 'body'],
    ['a text/plain body (no preflight cross-site)', req('POST', '/api/v1/events', { 'content-type': 'text/plain' }, event), 415, 'unsupported_media_type', 'content-type'],
    ['a form body', req('POST', '/api/v1/events', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'), 415, 'unsupported_media_type', 'content-type'],
    ['a multipart body', req('POST', '/api/v1/events', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'), 415, 'unsupported_media_type', 'content-type'],
    ['a body without a content type', req('POST', '/api/v1/events', {}, event), 415, 'unsupported_media_type', 'content-type'],
    ['a gzip-encoded body', req('POST', '/api/v1/events', { ...json, 'content-encoding': 'gzip' }, gzipped), 415, 'unsupported_media_type', 'content-encoding'],
    ['a repeated scalar parameter', req('GET', '/api/v1/products?limit=5&limit=6'), 400, 'invalid_request', 'limit'],
    ['a URL longer than the header limit', req('GET', `/api/v1/products?q=${'a'.repeat(20_000)}`), 431, 'headers_too_large', 'headers'],
    ['a request that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'bad_request', 'request'],
    ['content-length and chunked together (smuggling)', req('POST', '/api/v1/events', { ...json, 'transfer-encoding': 'chunked' }, `${event.length.toString(16)}\r\n${event}\r\n0\r\n\r\n`), 400, 'bad_request', 'request'],
  ];

  it.each(cases)('%s', async (_what, request, status, code, field) => {
    const r = await rawExchange([request], 20_000);
    expect(r.status).toBe(status);
    const e = shape(r.body);
    expect(e.code).toBe(code);
    if (field) expect(e.details.map((d) => d.field)).toContain(field);
  });

  it('reaches product ids of every allowed length and alphabet (Fastify cut path parameters at 100 characters)', async () => {
    for (const id of ['p'.repeat(128), 'é'.repeat(128), '商品'.repeat(64)]) {
      const r = await get(t.url, `products/${encodeURIComponent(id)}`);
      expect(r.status).toBe(404);
      expect(r.body.error.message).toContain(`product ${id} not found`);
    }
  });
});
