// Writes per client per window (TRENDDROP_WRITE_RATE_LIMIT), so one client cannot take the
// ingest path for itself; reads are not limited. A client is its API key when keys are
// configured (every write carries a valid one by then: api/auth.ts runs first), else its IP
// address (IPv6 by /64, as one host usually holds the whole prefix). Over the limit: 429 in the
// error shape with Retry-After, before the body is read.
import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import { RateLimitedError } from '../core/errors.js';
import { isWrite, keyIndex } from './auth.js';

/** @fastify/rate-limit options for the configured limit. */
export function writeRateLimit(limit: { max: number; windowMs: number }, apiKeys: string[]): RateLimitPluginOptions {
  const index = keyIndex(apiKeys);
  return {
    max: limit.max,
    timeWindow: limit.windowMs,
    allowList: (req) => !isWrite(req.method),
    // Without keys the plugin's own generator: the IP address, normalized.
    ...(apiKeys.length ? { keyGenerator: (req) => (isWrite(req.method) ? `key:${index(String(req.headers['x-api-key'] ?? ''))}` : 'read') } : {}),
    // The remaining count on every write would be one more header on the hottest path.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_req, ctx) => new RateLimitedError(ctx.max, limit.windowMs, Math.max(1, Math.ceil(ctx.ttl / 1000))),
  };
}
