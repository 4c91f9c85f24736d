/**
 * The notebook viewer (src/ui/notebook) as ONE self-contained HTML file, dist/notebook-viewer.html: every script and
 * style inlined, no chunks, no workers, no wasm, so an exported notebook opens from file:// with no network. Built by
 * vite.config.ts after the site (or `vite build -c vite.notebook.config.ts`); the lab's Export notebook fills its data.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** inline the entry chunk and the CSS into the HTML; drop the emitted files */
function inlineAll(): Plugin {
  return {
    name: 'factor-lab-inline-notebook',
    enforce: 'post',
    generateBundle(_o, bundle) {
      const html = Object.values(bundle).find((f) => f.type === 'asset' && f.fileName.endsWith('.html'));
      if (!html || html.type !== 'asset') return;
      let text = String(html.source);
      for (const [name, f] of Object.entries(bundle)) {
        if (f.type === 'chunk' && f.isEntry) {
          const code = f.code.replace(/<\/script/gi, '<\\/script');
          text = text.replace(
            new RegExp(`<script[^>]*src="[^"]*${f.fileName.replace(/[.]/g, '\\.')}"[^>]*></script>`),
            () => `<script type="module">${code}</script>`,
          );
          delete bundle[name];
        } else if (f.type === 'asset' && f.fileName.endsWith('.css')) {
          text = text.replace(
            new RegExp(`<link[^>]*href="[^"]*${f.fileName.replace(/[.]/g, '\\.')}"[^>]*>`),
            () => `<style>${String(f.source)}</style>`,
          );
          delete bundle[name];
        }
      }
      html.source = text;
      html.fileName = 'notebook-viewer.html';
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [react(), inlineAll()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: false,
    assetsInlineLimit: 100_000_000,
    cssCodeSplit: false,
    modulePreload: false,
    chunkSizeWarningLimit: 8000,
    rollupOptions: { input: 'notebook.html', output: { codeSplitting: false } },
  },
});
