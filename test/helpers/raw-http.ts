// Requests exactly as written (node:http): method, path bytes, Origin and Host headers, and the
// loopback source address, which tests of per-address limits vary (127.0.0.0/8 is all local).
import { request } from 'node:http';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { TestApp } from './app.js';
import { makeEvents } from './app.js';

export interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function raw(t: TestApp, o: { method?: string; path: string; headers?: Record<string, string>; body?: string; from?: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const body = o.body;
    const req = request({
      host: '127.0.0.1', port: t.app.port, localAddress: o.from ?? '127.0.0.1', method: o.method ?? 'GET', path: o.path, agent: false,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...o.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One engagement event as a JSON body, its id unique per (productId, i). */
export const eventBody = (productId: string, i = 0) => JSON.stringify({ ...makeEvents(productId, 1, Date.UTC(2026, 0, 5, 12) + i * 1000)[0], eventId: `${productId}-${i}` });

export function expectSecurityHeaders(r: Raw, what: string) {
  expect(r.headers['x-content-type-options'], what).toBe('nosniff');
  expect(r.headers['x-frame-options'], what).toBe('DENY');
  expect(r.headers['referrer-policy'], what).toBe('no-referrer');
  const csp = String(r.headers['content-security-policy']);
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).not.toContain('upgrade-insecure-requests');
  expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(csp, what).toContain("style-src 'self';");
}

export function expectErrorShape(r: Raw, status: number, code: string) {
  expect(r.status, r.body).toBe(status);
  expect(JSON.parse(r.body)).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

/** The HTTP status a WebSocket upgrade got (101 when it opened), and a refusal's body. */
export function upgrade(t: TestApp, origin?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.app.port}/ws`, origin ? { origin } : {});
    ws.once('open', () => { ws.close(); resolve({ status: 101, body: '' }); });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    ws.once('error', reject);
  });
}
