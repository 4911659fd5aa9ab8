// Security headers on every response (helmet): a Content-Security-Policy the built dashboard
// runs under, nosniff, no framing, no referrer. Helmet is used directly, its middleware built
// once: @fastify/helmet builds it again on every request (~30 µs each, measured), a tenth of a
// core at the ingest benches' request rates.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import helmet from 'helmet';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The same protections for what is answered on the raw socket, before a request exists
 * (api/errors.ts clientErrorHandler): a JSON body that nothing may sniff, run or frame.
 */
export const RAW_REPLY_HEADERS = "x-content-type-options: nosniff\r\ncontent-security-policy: default-src 'none'; frame-ancestors 'none'\r\nx-frame-options: DENY\r\nreferrer-policy: no-referrer\r\n";

/** The hashes ('sha256-…') of the inline <script> blocks of an HTML page, for script-src. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || m[2] === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * The dashboard's inline-script hashes, read again when its index page changes (a rebuild is
 * served without a restart), looked at no more than once a second.
 */
function dashboardScriptHashes(indexFile: string | null): () => string {
  let checkedAt = -Infinity, mtimeMs = -1, value = '';
  return () => {
    const now = performance.now();
    if (!indexFile || now - checkedAt < 1000) return value;
    checkedAt = now;
    try {
      const st = statSync(indexFile);
      if (st.mtimeMs !== mtimeMs) {
        mtimeMs = st.mtimeMs;
        value = inlineScriptHashes(readFileSync(indexFile, 'utf8')).join(' ');
      }
    } catch { mtimeMs = -1; value = ''; } // no dashboard built: no inline script to allow
    return value;
  };
}

/**
 * The policy, directive by directive:
 * - scripts only from this server, plus the index page's own inline boot script by its hash
 *   (it applies the theme before first paint and starts the Overview request early);
 * - style sheets only from this server, but style attributes inline: ECharts writes its
 *   tooltips as HTML with style attributes (the browser test sees ~100 blocked without). An
 *   attribute styles one element and cannot select others, as an injected <style> could to
 *   read attribute values out through background URLs;
 * - images from this server and data: URIs (the favicon, chart exports);
 * - fetch and WebSocket only to this server ('self' covers ws: on the same host);
 * - no plugins, no <base> elsewhere, forms post only here, and no page may frame this one.
 * No upgrade-insecure-requests: TrendDrop is often served over plain HTTP (localhost, an
 * internal host), where it would turn every asset request into a failing HTTPS one.
 */
export function securityHeaders(dashboardIndex: string | null) {
  const hashes = dashboardScriptHashes(dashboardIndex);
  const directives = (scriptHashes: string) => ({
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...scriptHashes.split(' ').filter(Boolean)],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    styleSrcAttr: ["'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  });
  const others = helmet({
    contentSecurityPolicy: false,
    // The older header for frame-ancestors 'none', for browsers that predate CSP 2.
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Whether this host is HTTPS-only is for the TLS front (proxy, load balancer) to declare.
    strictTransportSecurity: false,
  });
  // Built again only when the hashes change: a directive given as a function would make helmet
  // assemble the whole header on every request.
  let csp = { hashes: '', middleware: helmet.contentSecurityPolicy({ useDefaults: false, directives: directives('') }) };
  return (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const h = hashes();
    if (h !== csp.hashes) csp = { hashes: h, middleware: helmet.contentSecurityPolicy({ useDefaults: false, directives: directives(h) }) };
    csp.middleware(req.raw, reply.raw, () => others(req.raw, reply.raw, done));
  };
}
