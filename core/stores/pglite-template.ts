// A freshly created, migrated and otherwise empty PGlite database, kept as a tarball per
// installation, from which a new data dir starts instead of running initdb: creating a PGlite
// data dir was most of a first start (17 of 23 s to health on the 2-core machine under load),
// unpacking the template a quarter of that. Node's own file writes unpack it, and PGlite opens
// the result as an existing data dir: its `loadDataDir` (each file written through the wasm file
// system, on the event loop) took 12.5 s under load where this takes 7.5 s. It is keyed by the
// PGlite version and the content of the migrations, so a template never carries another schema;
// the migrations run after either way.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the template for these migrations is kept (the installation's cache folder). */
export function templatePath(migrationsFolder: string): string {
  // The package exports no package.json: read it beside the entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const version = (JSON.parse(readFileSync(join(entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`)), 'package.json'), 'utf8')) as { version: string }).version;
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else hash.update(f.name).update(readFileSync(p));
    }
  };
  walk(migrationsFolder);
  return join(ROOT, 'node_modules', '.cache', 'trenddrop', `pglite-${version}-${hash.digest('hex').slice(0, 16)}.tar`);
}

/** Whether `dir` holds no database yet. */
export const isFreshDataDir = (dir: string) => !existsSync(join(dir, 'PG_VERSION'));

/**
 * Unpacks the template (the tar PGlite's `dumpDataDir` writes: ustar, paths relative to the data
 * dir) into `dir`; false when none was kept yet. PG_VERSION, which marks a data dir as holding a
 * database, goes last: a start cut short in the middle leaves a fresh data dir, unpacked again
 * over the partial copy next time.
 */
export async function unpackTemplate(path: string, dir: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const tar = readFileSync(path);
  const text = (at: number, len: number) => { const b = tar.subarray(at, at + len); const end = b.indexOf(0); return b.toString('utf8', 0, end < 0 ? len : end); };
  let last: { name: string; data: Buffer } | null = null;
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const prefix = text(at + 345, 155);
    const name = join(dir, prefix, text(at, 100));
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] || 48);
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (!name.startsWith(dir)) throw new Error(`PGlite template ${path}: entry ${name} outside the data dir`);
    if (type === '5') await mkdir(name, { recursive: true });
    else if (type === '0') {
      if (name === join(dir, 'PG_VERSION')) { last = { name, data }; continue; }
      await mkdir(dirname(name), { recursive: true });
      await writeFile(name, data);
    }
  }
  if (!last) throw new Error(`PGlite template ${path} holds no PG_VERSION`);
  await writeFile(last.name, last.data);
  return true;
}

/** Keeps `client`'s database (just created and migrated) as the template; written whole or not at all. */
export async function writeTemplate(client: PGlite, path: string): Promise<void> {
  const tar = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, tar);
  renameSync(tmp, path);
}
