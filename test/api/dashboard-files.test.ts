import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { dashboardFiles } from '../../api/dashboard-files.js';

describe('dashboard files served from memory', () => {
  let dir = '';
  let app: FastifyInstance;
  const script = 'console.log("chart");'.repeat(100);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trenddrop-dashboard-files-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets/index-abc.js'), script);
    writeFileSync(join(dir, 'assets/index-abc.js.br'), brotliCompressSync(script));
    writeFileSync(join(dir, 'assets/index-abc.js.gz'), gzipSync(script));
    writeFileSync(join(dir, 'assets/plain-abc.css'), 'body{}');
    writeFileSync(join(dir, 'assets/logo-abc.png'), 'png');
    writeFileSync(join(dir, 'index.html'), '<p>one</p>');
    const files = dashboardFiles(dir);
    app = Fastify();
    app.get('/', async (req, reply) => ((await files.index(req, reply)) ? reply : reply.status(404).send('none')));
    app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => ((await files.asset(req, reply, req.params.file)) ? reply : reply.status(404).send('none')));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('sends the build\'s brotli copy, else its gzip copy, else the file, as the client accepts', async () => {
    const br = await get('/assets/index-abc.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(script);
    const gz = await get('/assets/index-abc.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(script);
    // The client's weights decide: brotli only on a tie.
    expect((await get('/assets/index-abc.js', { 'accept-encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');
    const plain = await get('/assets/index-abc.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
    for (const r of [br, gz, plain]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers.vary).toBe('accept-encoding');
    }
    // No compressed copy written (a small file): the file itself.
    const css = await get('/assets/plain-abc.css', { 'accept-encoding': 'br, gzip' });
    expect([css.headers['content-encoding'], css.headers['content-type'], css.body]).toEqual([undefined, 'text/css; charset=utf-8', 'body{}']);
  });

  it('answers a request that has the entity tag with 304', async () => {
    const first = await get('/assets/index-abc.js');
    const again = await get('/assets/index-abc.js', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves no file it does not know the type of, none outside the assets folder, and none that is missing', async () => {
    for (const url of ['/assets/logo-abc.png', '/assets/..%2Findex.html', '/assets/missing-abc.js']) {
      const r = await get(url);
      expect([url, r.statusCode]).toEqual([url, 404]);
    }
    // One written after it was asked for is served (a build under way).
    writeFileSync(join(dir, 'assets/missing-abc.js'), 'late');
    expect((await get('/assets/missing-abc.js')).body).toBe('late');
  });

  it('reads the index page again when a new build replaces it, and has it revalidated', async () => {
    const one = await get('/');
    expect([one.body, one.headers['cache-control'], one.headers['content-type']]).toEqual(['<p>one</p>', 'no-cache', 'text/html; charset=utf-8']);
    writeFileSync(join(dir, 'index.html'), '<p>two</p>');
    utimesSync(join(dir, 'index.html'), new Date(), new Date(Date.now() + 5000));
    expect((await get('/')).body).toBe('<p>two</p>');
  });
});
