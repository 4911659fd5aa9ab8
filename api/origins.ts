// Which web pages may use this server from a browser. By default only its own (the dashboard):
// a page on another origin gets no CORS headers, so its script cannot read an answer, and its
// writes, CORS preflights and WebSocket upgrades are refused with 403 before anything runs.
// TRENDDROP_ALLOWED_ORIGINS names further origins, which get CORS headers and may do all three.
//
// Refusing writes, not only leaving out CORS headers: a browser sends some writes without
// asking first (a body-less POST is a "simple" request), and a WebSocket is not covered by
// CORS at all. Requests without an Origin header (curl, servers, the benches) are not browsers'
// cross-site requests and pass; API keys (api/auth.ts) are what stands in their way.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyCorsOptions } from '@fastify/cors';
import { isWrite } from './auth.js';
import { bodyPending, errorBody } from './errors.js';

/** Headers a cross-origin page may send: the body's type and the write key. */
const CORS_HEADERS = ['content-type', 'x-api-key'];

/**
 * Whether a request's Origin is the server's own (same host and port as the Host header it
 * was sent to, compared as URLs so default ports match) or one of the allowed ones. Schemes
 * are not compared: behind a TLS front the page is https while this server is spoken to in http.
 */
export function originAllowed(origin: string, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(origin)) return true;
  if (!host) return false;
  let u: URL;
  try { u = new URL(origin); } catch { return false; } // e.g. "null" from a sandboxed frame or a file
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  try { return new URL(`${u.protocol}//${host}`).host === u.host; } catch { return false; }
}

/** What a foreign origin may not do: write, ask a CORS preflight, or open a WebSocket. */
const guarded = (req: FastifyRequest) =>
  isWrite(req.method)
  || (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined)
  || req.headers.upgrade?.toLowerCase() === 'websocket';

/** The onRequest hook refusing a foreign origin's writes, preflights and WebSocket upgrades with 403. */
export function originGuard(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined || !guarded(req) || originAllowed(origin, req.headers.host, allowed)) return;
    if (bodyPending(req)) reply.header('connection', 'close');
    return reply.status(403).send(errorBody('origin_not_allowed', `pages on ${origin} may not write, ask a CORS preflight or open a WebSocket here; see TRENDDROP_ALLOWED_ORIGINS`,
      [{ field: 'origin', reason: 'is not this server nor an allowed origin' }]));
  };
}

/** @fastify/cors options for the allowed origins; null when there are none (same-origin only needs no CORS). */
export function corsOptions(allowedOrigins: string[]): FastifyCorsOptions | null {
  if (allowedOrigins.length === 0) return null;
  return {
    origin: allowedOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_HEADERS,
    // Clients read Retry-After on 429 and 503 to know when to try again.
    exposedHeaders: ['retry-after'],
    // No cookies or HTTP auth: the API key is a header the page sets itself.
    credentials: false,
    maxAge: 600,
    // A bare OPTIONS (no Access-Control-Request-Method) gets the same 204, not a text/plain 400.
    strictPreflight: false,
  };
}
