import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import tailwindcss from '@tailwindcss/vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The API serves the built SPA; in dev, Vite proxies to a running API (override with TRENDDROP_API).
const api = process.env.TRENDDROP_API ?? 'http://127.0.0.1:3000';

/**
 * Writes a brotli and a gzip copy beside each text asset of the build, which the API serves to
 * browsers that accept them (api/server.ts, preCompressed): the Overview's scripts go over the
 * wire at a third of their size, compressed once at build time rather than on every request.
 */
function precompress(outDir: string): Plugin {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  return {
    name: 'trenddrop-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|json|svg)$/.test(file) || statSync(file).size < 1024) continue;
        const data = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [vue(), tailwindcss(), precompress(`${root}dist`)],
  resolve: { alias: { '@': `${root}src` } },
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    target: 'es2022',
    // Report gzip sizes so the 300 KB initial-JS budget is visible in every build.
    reportCompressedSize: true,
    // The landing page's one chunk is about 800 KB minified (274 KB gzip), inside that budget.
    chunkSizeWarningLimit: 850,
    rolldownOptions: {
      output: {
        // Everything the landing page imports statically in one chunk: split into shared pieces
        // (Vue's runtime, ECharts' core and helpers), the Overview's first load was seven requests,
        // and HTTP/1.1's six connections made its overview request queue behind them.
        codeSplitting: { groups: [{ name: 'index', tags: ['$initial'] }] },
      },
    },
  },
  server: {
    // The API refuses writes from pages whose origin is not the host they were sent to
    // (api/origins.ts): changeOrigin sends the API's host, so the origin must be the API's too.
    // The WebSocket keeps the dev server's host and origin, which match.
    proxy: {
      '/api': { target: api, changeOrigin: true, headers: { origin: api } },
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
