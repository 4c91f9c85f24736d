import { build, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, which tfjs's multithreaded wasm needs
// (src/train/backend-browser.ts). Everything the lab loads is its own origin, so require-corp blocks nothing.
// Static hosts that cannot set headers get them from public/coi-sw.js (registered by public/coi-register.js).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

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
  plugins: [
    react(),
    notebookViewer(),
    {
      // the lab page (not bench.html) loads public/coi-register.js first: see the isolation comment above
      name: 'coi-register',
      transformIndexHtml: {
        order: 'pre',
        handler: (html, ctx) =>
          ctx.path.endsWith('bench.html') ? html : html.replace('<head>', '<head>\n    <script src="./coi-register.js"></script>'),
      },
    },
  ],
  worker: { format: 'es' },
  // bench.html is the browser half of `npm run bench` (scripts/bench-browser.ts); users never need it.
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    assetsInlineLimit: 0,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  optimizeDeps: { exclude: ['parquet-wasm', '@duckdb/duckdb-wasm'] },
  server: { fs: { allow: ['..'] }, headers: isolation },
  preview: { headers: isolation },
});
