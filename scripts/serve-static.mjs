// Serves dist/ under a sub-path (default /lab/) to prove the static build works from any base.
// Usage: node scripts/serve-static.mjs [port] [subpath] [extra-data-dir]
// With extra-data-dir, files of that folder are also served under <subpath>__data/ (the benchmark's full dataset).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const port = Number(process.argv[2] ?? 4173);
const sub = process.argv[3] ?? '/lab/';
const root = new URL('../dist/', import.meta.url).pathname;
const extra = process.argv[4] ? normalize(process.argv[4] + '/') : null;
const types = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.parquet': 'application/octet-stream',
  '.png': 'image/png',
};

// Cross-origin isolation (COOP + COEP) lets the page use SharedArrayBuffer, which tfjs's multithreaded wasm needs.
// Everything the lab loads comes from its own origin, so require-corp blocks nothing. NO_ISOLATION=1 serves without it.
const isolation = process.env.NO_ISOLATION
  ? {}
  : { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/' || url.pathname === sub.slice(0, -1)) {
    res.writeHead(302, { location: sub });
    res.end();
    return;
  }
  if (!url.pathname.startsWith(sub)) {
    res.writeHead(404);
    res.end('not under ' + sub);
    return;
  }
  let rel = decodeURIComponent(url.pathname.slice(sub.length)) || 'index.html';
  const base = extra && rel.startsWith('__data/') ? extra : root;
  if (base === extra) rel = rel.slice('__data/'.length);
  let file = normalize(join(base, rel));
  if (!file.startsWith(base)) {
    res.writeHead(403);
    res.end();
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`serving dist/ at http://127.0.0.1:${port}${sub}`));
