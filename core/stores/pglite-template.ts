// A freshly created, migrated and otherwise empty PGlite database, kept as a tarball per
// installation, from which a new data dir starts instead of running initdb: creating a PGlite
// data dir was most of a first start (17 of 23 s to health on the 2-core machine under load),
// unpacking the template a quarter of that. It is keyed by the PGlite version and the content of
// the migrations, so a template never carries another schema; the migrations run after either way.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** The template as PGlite loads it, or null when none was kept yet. */
export function readTemplate(path: string): Blob | null {
  return existsSync(path) ? new Blob([readFileSync(path)]) : null;
}

/** Keeps `client`'s database (just created and migrated) as the template; written whole or not at all. */
export async function writeTemplate(client: PGlite, path: string): Promise<void> {
  const tar = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, tar);
  renameSync(tmp, path);
}
