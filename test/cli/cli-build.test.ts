// The `trenddrop` command runs its sources compiled (bin/cli-build.mjs): the compiled code must
// behave as the sources do (its own location, lazily loaded parts, names), be built again once a
// source changes and not before, and concurrent starts must each get a whole build.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledCli } from '../../bin/cli-build.mjs';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

interface Main { here: string; lazy(): Promise<{ value: number; where: string }>; names: string[] }

/** A project of three sources: an entry, a lazily loaded part, and two classes of one name. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'trenddrop-cli-build-'));
  dirs.push(root);
  const files: Record<string, string> = {
    'src/main.ts': [
      "import { StoreError } from './errors.js';",
      "import { StoreError as Other } from './other.js';",
      'export const here: string = import.meta.url;',
      "export const lazy = () => import('./lazy.js');",
      'export const names: string[] = [StoreError.name, Other.name, new StoreError().name];',
    ].join('\n'),
    'src/lazy.ts': 'export const value: number = 1;\nexport const where = import.meta.url;\n',
    'src/errors.ts': 'export class StoreError extends Error { constructor() { super(); this.name = this.constructor.name; } }\n',
    'src/other.ts': 'export class StoreError {}\n',
  };
  // Written a minute ago: a file changed in the very millisecond a build begins counts as changed after it.
  const earlier = new Date(Date.now() - 60_000);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), earlier, earlier);
  }
  return root;
}

const build = (root: string) => compiledCli({ root, entry: 'src/main.ts', outDir: join(root, 'cache') });
const load = (path: string) => import(pathToFileURL(path).href) as Promise<Main>;

describe('compiled CLI', () => {
  it('behaves as its sources: their own locations, lazily loaded parts, names kept', async () => {
    const root = project();
    const main = await load(await build(root));
    expect(main.here).toBe(pathToFileURL(join(root, 'src/main.ts')).href);
    const lazy = await main.lazy();
    expect(lazy.value).toBe(1);
    expect(lazy.where).toBe(pathToFileURL(join(root, 'src/lazy.ts')).href);
    // Two classes of one name in one bundle: neither is renamed.
    expect(main.names).toEqual(['StoreError', 'StoreError', 'StoreError']);
  });

  it('is built again once a source changes, not before; the earlier build stays loadable', async () => {
    const root = project();
    const first = await build(root);
    expect(await build(root)).toBe(first);
    const lazyPath = join(root, 'src/lazy.ts');
    writeFileSync(lazyPath, readFileSync(lazyPath, 'utf8').replace('= 1', '= 2'));
    // Changed after the build began, whatever the file system's time resolution.
    const later = new Date(Date.now() + 2000);
    utimesSync(lazyPath, later, later);
    const second = await build(root);
    expect(second).not.toBe(first);
    expect((await (await load(second)).lazy()).value).toBe(2);
    // A process started from the first build loads its lazy parts later.
    expect((await (await load(first)).lazy()).value).toBe(1);
  });

  it('is not taken for another checkout that shares its cache (node_modules linked)', async () => {
    const [a, b] = [project(), project()];
    const shared = join(a, 'cache');
    const first = await compiledCli({ root: a, entry: 'src/main.ts', outDir: shared });
    const second = await compiledCli({ root: b, entry: 'src/main.ts', outDir: shared });
    expect(second).not.toBe(first);
    expect((await load(second)).here).toBe(pathToFileURL(join(b, 'src/main.ts')).href);
  });

  it('gives concurrent starts each a whole build', async () => {
    const root = project();
    const paths = await Promise.all([build(root), build(root), build(root)]);
    for (const p of paths) expect((await (await load(p)).lazy()).value).toBe(1);
    // The record names one of them, and the next start reuses it.
    expect(paths).toContain(await build(root));
  });
});
