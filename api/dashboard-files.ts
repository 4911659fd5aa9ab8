// The built dashboard's files, served from memory. Streamed from disk (@fastify/static), a file
// took a turn of the event loop for each step (its compressed copy looked up, opened, read 64 KB
// at a time, closed), and on a busy server each turn waits behind the work in front of it: with
// the loop busy 30 ms of every 40, the Overview's script took 320 ms to serve from disk, 28 ms
// from memory (p50 of 40 requests each).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiate } from '@fastify/accept-negotiator';

interface DashboardFile { type: string; etag: string; raw: Buffer; br: Buffer | null; gzip: Buffer | null }

/** The types of what the build writes; any other file is left to @fastify/static. */
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** A hashed asset's name: nothing that could leave the assets folder. */
const ASSET_NAME = /^[\w.-]+$/;

const readIfThere = (path: string) => readFile(path).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'ENOENT') return null;
  throw err;
});

async function load(path: string): Promise<DashboardFile | null> {
  const raw = await readIfThere(path);
  if (!raw) return null;
  // The build's compressed copies (dashboard/vite.config.ts), when it wrote them.
  const [br, gzip] = await Promise.all([readIfThere(`${path}.br`), readIfThere(`${path}.gz`)]);
  const etag = `"${createHash('sha1').update(raw).digest('base64url')}"`;
  return { type: TYPES[extname(path)], etag, raw, br, gzip };
}

/** The encoding to send, of the compressed copies the build wrote, as the client's weights prefer (brotli on a tie). */
function encoding(accept: string | undefined, f: DashboardFile): 'br' | 'gzip' | null {
  const written = [...(f.br ? ['br' as const] : []), ...(f.gzip ? ['gzip' as const] : [])];
  return accept && written.length ? negotiate(accept.toLowerCase(), written) : null;
}

function send(req: FastifyRequest, reply: FastifyReply, f: DashboardFile, cacheControl: string) {
  reply.header('content-type', f.type).header('cache-control', cacheControl).header('vary', 'accept-encoding').header('etag', f.etag);
  if (req.headers['if-none-match'] === f.etag) return reply.status(304).send();
  const enc = encoding(req.headers['accept-encoding'], f);
  if (enc) reply.header('content-encoding', enc);
  return reply.send(enc === 'br' ? f.br : enc === 'gzip' ? f.gzip : f.raw);
}

export function dashboardFiles(dir: string) {
  const assets = new Map<string, Promise<DashboardFile | null>>();
  let index: { mtimeMs: number; file: Promise<DashboardFile | null> } | null = null;
  return {
    /**
     * A file of the build's assets folder, false when it is not one this serves. Read once and
     * kept: a build names each after its content, so a name always stands for the same bytes.
     */
    async asset(req: FastifyRequest, reply: FastifyReply, name: string): Promise<boolean> {
      if (!ASSET_NAME.test(name) || !TYPES[extname(name)]) return false;
      let file = assets.get(name);
      if (!file) {
        file = load(join(dir, 'assets', name));
        assets.set(name, file);
        // A missing file is looked for again next time (the build may be under way).
        void file.then((f) => { if (!f) assets.delete(name); }, () => assets.delete(name));
      }
      const f = await file;
      if (!f) return false;
      await send(req, reply, f, 'public, max-age=31536000, immutable');
      return true;
    },
    /** The index page, read again when it changed (a rebuild is served without a restart); false without a build. */
    async index(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
      const path = join(dir, 'index.html');
      const mtimeMs = await stat(path).then((s) => s.mtimeMs, () => null);
      if (mtimeMs === null) return false;
      if (!index || index.mtimeMs !== mtimeMs) index = { mtimeMs, file: load(path) };
      const f = await index.file;
      if (!f) return false;
      await send(req, reply, f, 'no-cache');
      return true;
    },
  };
}
