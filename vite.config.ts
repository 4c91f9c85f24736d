import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// base './' so the built site works from any sub-path (e.g. https://host/lab/).
export default defineConfig({
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  // bench.html is the browser half of `npm run bench` (scripts/bench-browser.ts); users never need it.
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    assetsInlineLimit: 0,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  optimizeDeps: { exclude: ['parquet-wasm', '@duckdb/duckdb-wasm'] },
  server: { fs: { allow: ['..'] } },
});
