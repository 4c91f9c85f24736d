import { build, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** after the site, the one-file notebook viewer (vite.notebook.config.ts) into dist/notebook-viewer.html */
function notebookViewer(): Plugin {
  return {
    name: 'factor-lab-notebook-viewer',
    apply: 'build',
    async closeBundle() {
      await build({ configFile: 'vite.notebook.config.ts', logLevel: 'warn' });
    },
  };
}

// base './' so the built site works from any sub-path (e.g. https://host/lab/).
export default defineConfig({
  base: './',
  plugins: [react(), notebookViewer()],
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
