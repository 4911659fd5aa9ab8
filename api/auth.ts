// Who may call what. When keys are configured (TRENDDROP_API_KEYS) every write needs one in
// `x-api-key`; reads (REST and the read-only WebSocket) stay open for the dashboard.
//
// A write is any method but GET, HEAD and OPTIONS, whatever the path: the method is one token
// the HTTP parser checks, while a path has many spellings (percent-encoding, slashes, case,
// dots) that a string match gets wrong. The check runs in onRequest, before the body is read.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyPending, errorBody } from './errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isWrite = (method: string) => !READ_METHODS.has(method);

/**
 * Which configured key was given (its index, -1 for none), in a time that depends on neither
 * key's length nor content: both sides are HMAC'd with a per-process random key into
 * equal-length digests, and every configured key is compared, without stopping at a match.
 */
export function keyIndex(keys: string[]): (given: string) => number {
  const secret = randomBytes(32);
  const digest = (s: string) => createHmac('sha256', secret).update(s, 'utf8').digest();
  const known = keys.map(digest);
  return (given) => {
    const d = digest(given);
    let found = -1;
    for (let i = 0; i < known.length; i++) if (timingSafeEqual(known[i], d)) found = i;
    return found;
  };
}

/** "Is this a configured key", as keyIndex. */
export function keyChecker(keys: string[]): (given: string) => boolean {
  const index = keyIndex(keys);
  return (given) => index(given) >= 0;
}

/** An onRequest hook refusing keyless or wrongly keyed writes with 401; null when no keys are set. */
export function writeAuth(keys: string[]) {
  if (keys.length === 0) return null;
  const known = keyChecker(keys);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isWrite(req.method)) return;
    // Several x-api-key headers arrive joined ("a, b") and match no key: ambiguous is refused.
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key !== '' && known(key)) return;
    if (bodyPending(req)) reply.header('connection', 'close');
    return reply.status(401).send(errorBody('unauthorized', 'this write needs a valid x-api-key header', [{ field: 'x-api-key', reason: key ? 'is not a known key' : 'is required' }]));
  };
}
