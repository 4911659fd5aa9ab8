import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import tailwindcss from '@tailwindcss/vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The API serves the built SPA; in dev, Vite proxies to a running API (override with TRENDDROP_API).
const api = process.env.TRENDDROP_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [vue(), tailwindcss()],
  resolve: { alias: { '@': `${root}src` } },
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    target: 'es2022',
    // Report gzip sizes so the 300 KB initial-JS budget is visible in every build.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 700,
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
