// A local fixture server (127.0.0.1, random port) serving real-format payloads from test/ingest/agent/fixtures/
// and the hostile answers sources meet in the wild. `version` switches to the "a day later" files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../ingest/agent/fixtures');
const read = (p: string) => readFileSync(join(dir, p));

export interface Hit { path: string; status: number; ifNoneMatch?: string; userAgent?: string }

export interface FixtureServer {
  url: string;
  hits: Hit[];
  version: 1 | 2;
  reset(): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { json: 'application/json', html: 'text/html; charset=utf-8', rss: 'application/rss+xml', atom: 'application/atom+xml', csv: 'text/csv; charset=utf-8', txt: 'text/plain' };

export async function startFixtureServer(): Promise<FixtureServer> {
  const counts = new Map<string, number>();
  const state: FixtureServer = { url: '', hits: [], version: 1, reset: () => { counts.clear(); state.hits.length = 0; state.version = 1; }, close: async () => {} };

  const send = (req: IncomingMessage, res: ServerResponse, file: string, status = 200) => {
    const body = read(file);
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) { res.writeHead(304, { etag }); res.end(); return 304; }
    res.writeHead(status, { 'content-type': TYPES[file.split('.').pop()!] ?? 'application/octet-stream', etag, 'content-length': body.length });
    res.end(body);
    return status;
  };
  const empty = (res: ServerResponse) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"products":[]}'); return 200; };

  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const n = (counts.get(u.pathname) ?? 0) + 1;
    counts.set(u.pathname, n);
    const page = Number(u.searchParams.get('page') ?? 1);
    const v2 = state.version === 2;
    let status: number | Promise<number>;
    switch (u.pathname) {
      case '/robots.txt': status = send(req, res, 'robots.txt'); break;
      case '/store-a/products.json':
        status = page === 1 ? send(req, res, v2 ? 'shopify/store-a-page1.v2.json' : 'shopify/store-a-page1.json')
          : page === 2 ? send(req, res, 'shopify/store-a-page2.json') : empty(res);
        break;
      case '/store-b/products.json': status = page === 1 ? send(req, res, 'shopify/store-b-page1.json') : empty(res); break;
      case '/pages/neck-fan': status = send(req, res, v2 ? 'pages/neck-fan.v2.html' : 'pages/neck-fan.v1.html'); break;
      case '/pages/curler': status = send(req, res, 'pages/curler.html'); break;
      case '/pages/broken': status = send(req, res, 'pages/broken.html'); break;
      case '/private/page': status = send(req, res, 'pages/private.html'); break;
      case '/feeds/deals.rss': status = send(req, res, 'feeds/deals.rss'); break;
      case '/feeds/youtube.atom': status = send(req, res, 'feeds/youtube.atom'); break;
      case '/files/multiTimeline.csv': status = send(req, res, 'files/multiTimeline.csv'); break;
      case '/files/geoMap.csv': status = send(req, res, 'files/geoMap.csv'); break;
      case '/not-json/products.json': res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>Password protected</html>'); status = 200; break;
      // Rate limited once, then fine.
      case '/hostile/429':
        if (n === 1) { res.writeHead(429, { 'retry-after': '1' }); res.end('slow down'); status = 429; }
        else status = send(req, res, 'feeds/deals.rss');
        break;
      case '/hostile/5xx-burst':
        if (n <= 2) { res.writeHead(503); res.end('overloaded'); status = 503; } else status = send(req, res, 'feeds/deals.rss');
        break;
      case '/hostile/always-500': res.writeHead(500); res.end('boom'); status = 500; break;
      case '/hostile/slow':
        status = new Promise((resolve) => {
          const t = setTimeout(() => resolve(send(req, res, 'feeds/deals.rss')), 3000);
          res.on('close', () => { clearTimeout(t); resolve(0); });
        });
        break;
      case '/hostile/huge': {
        // 50 MB of HTML, streamed without a length, so only counting can stop it.
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = () => {
          while (sent < 50 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) { res.once('drain', pump); return; }
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        status = 200;
        break;
      }
      case '/hostile/declared-huge': res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }); res.end(); status = 200; break;
      case '/loop/a': res.writeHead(302, { location: '/loop/b' }); res.end(); status = 302; break;
      case '/loop/b': res.writeHead(301, { location: `${state.url}/loop/a` }); res.end(); status = 301; break;
      case '/moved': res.writeHead(301, { location: '/feeds/deals.rss' }); res.end(); status = 301; break;
      default: res.writeHead(404); res.end('not found'); status = 404;
    }
    void Promise.resolve(status).then((s) => state.hits.push({ path: `${u.pathname}${u.search}`, status: s, ifNoneMatch: req.headers['if-none-match'], userAgent: req.headers['user-agent'] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return state;
}
