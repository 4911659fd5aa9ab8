// The CLI compiled into one ES module per installation (node_modules/.cache/trenddrop/), and
// compiled again whenever a file it was built from changes, so there is still no build step to
// forget. Loaded through tsx, the server's TypeScript (hundreds of modules, each resolved and
// transformed on tsx's loader thread) cost about 4 CPU s of a first start before the first live
// update could flow; the compiled module about 1 s. Packages stay external (loaded by Node as
// installed: some read files beside their own code), except the few ES-module-only ones listed.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages compiled into the module: pure code shipped as hundreds of small ES modules each
 * (typebox alone is about 700), whose loading was half of what the packages cost. The type
 * provider goes with them, so that typebox exists once.
 */
const INLINED = new Set(['typebox', '@fastify/type-provider-typebox']);

/**
 * Earlier builds are removed once this old: a process started from one loads its chunks as it
 * first uses them (the forecaster, the agent), possibly days after it started.
 */
const KEEP_OLD_MS = 7 * 86_400_000;

/**
 * `import.meta.url` in a source file is its own location: paths beside the sources (migrations,
 * the dashboard's build) must resolve as they do from the sources. In the compiled module it is
 * rewritten relative to the module, which lives at a fixed place in the installation.
 */
function sourceLocations(outDir) {
  return {
    name: 'source-locations',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (args.path.includes('/node_modules/') || !text.includes('import.meta.url')) return undefined;
        const at = JSON.stringify(relative(outDir, args.path));
        return { contents: text.replaceAll('import.meta.url', `new URL(${at}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

/** Bare imports stay imports of the installed packages, except those INLINED. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return INLINED.has(name) ? undefined : { external: true };
    });
  },
};

/** What the compiled module was built from, and when the build began. */
const readMeta = (path) => { try { return JSON.parse(readFileSync(path, 'utf8')); } catch { return null; } };

/**
 * A build is current while every input is there and none changed since the build began; and it
 * was built from this root (a checkout sharing another's node_modules by a link has its own).
 */
function isCurrent(meta, root) {
  if (!meta || meta.root !== root) return false;
  for (const input of meta.inputs) {
    let mtime;
    try { mtime = statSync(join(root, input)).mtimeMs; } catch { return false; }
    if (mtime > meta.builtAt) return false;
  }
  return true;
}

/**
 * The path of the compiled `entry` (relative to `root`), built first when missing or stale. Each
 * build is a folder of its own: the entry and a chunk for each lazily loaded part, so that a
 * command loads only the packages it uses. Concurrent starts may each build; the record of the
 * current build is replaced whole, so none ever loads a half-written build.
 */
export async function compiledCli({ root = ROOT, entry = 'cli/main.ts', outDir = join(root, 'node_modules', '.cache', 'trenddrop', 'cli') } = {}) {
  const metaPath = join(outDir, 'current.json');
  const meta = readMeta(metaPath);
  if (isCurrent(meta, root)) return join(outDir, meta.build, 'main.mjs');

  const { build } = await import('esbuild');
  const builtAt = Date.now();
  const id = `${builtAt}-${randomBytes(4).toString('hex')}`;
  const result = await build({
    absWorkingDir: root, entryPoints: { main: entry }, outdir: join(outDir, id), outExtension: { '.js': '.mjs' },
    bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    // Names as in the sources (errors and classes are known by them); source maps for
    // `node --enable-source-maps`.
    keepNames: true, sourcemap: 'linked', sourcesContent: false,
    metafile: true, logLevel: 'silent',
    plugins: [sourceLocations(join(outDir, id)), externalPackages],
  });
  // The build's own code and options are an input too.
  const inputs = [...Object.keys(result.metafile.inputs), relative(root, fileURLToPath(import.meta.url))];
  const tmp = `${metaPath}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ root, build: id, builtAt, inputs }));
  renameSync(tmp, metaPath);
  for (const d of readdirSync(outDir, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === id) continue;
    const p = join(outDir, d.name);
    try { if (builtAt - statSync(p).mtimeMs > KEEP_OLD_MS) rmSync(p, { recursive: true, force: true }); } catch { /* removed by another build */ }
  }
  return join(outDir, id, 'main.mjs');
}

// `node bin/cli-build.mjs` builds ahead of the first start (the Docker image does).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await compiledCli();
