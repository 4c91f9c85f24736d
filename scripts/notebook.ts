/**
 * `npm run notebook -- <bundle.flrun.zip...> --out site/ [--title "..."] [--viewer dist/notebook-viewer.html]`:
 * a notebook folder for static hosting of several runs (src/ui/notebook/folder.ts): index.html listing each run,
 * runs/<id>.html (each run's one-file notebook, the lab's read-only viewer with the run embedded; opens from file://,
 * makes no request) and bundles/<id>.flrun.zip. The viewer template is the site build's dist/notebook-viewer.html
 * (built here with vite.notebook.config.ts when it is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle, type OpenedBundle } from '../src/bundle/read';
import { BUNDLE_EXT } from '../src/bundle/format';
import { openedResults } from '../src/state/lab-api-worker';
import type { TrainOutput } from '../src/train/protocol';
import type { NotebookData } from '../src/ui/notebook/payload';
import { folderId, notebookFolder, type FolderRun } from '../src/ui/notebook/folder';

/** the notebook data of an opened bundle: its results as the lab's views read them (what Open run shows) */
export function notebookDataOf(b: OpenedBundle): NotebookData {
  return {
    title: b.manifest.name,
    created: b.manifest.created,
    manifest: b.manifest,
    metrics: b.metrics,
    results: openedResults(b.manifest.runKey, b.methods as unknown as { label: string; output: TrainOutput }[]),
    notes: b.manifest.notes ?? [],
  };
}

/** the viewer template: `path`, or dist/notebook-viewer.html (built when missing) */
export function viewerTemplate(path?: string): string {
  const p = path ?? 'dist/notebook-viewer.html';
  if (!existsSync(p)) {
    if (path) throw new Error(`notebook: the viewer template ${path} does not exist`);
    process.stderr.write('[notebook] building the viewer (vite build -c vite.notebook.config.ts)\n');
    execFileSync('npx', ['vite', 'build', '-c', 'vite.notebook.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  return readFileSync(p, 'utf8');
}

/** Write the folder; returns its files' paths and sizes. */
export async function writeNotebookFolder(o: {
  bundles: string[];
  out: string;
  title?: string;
  viewer?: string;
}): Promise<{ path: string; bytes: number }[]> {
  if (!o.bundles.length) throw new Error('notebook: no run bundle given');
  await initParquetNode();
  const template = viewerTemplate(o.viewer);
  const taken = new Set<string>();
  const runs: FolderRun[] = o.bundles.map((f) => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(f));
    } catch (e) {
      throw new Error(`notebook: cannot read ${f} (${(e as Error).message})`);
    }
    const b = readBundle(bytes);
    return {
      id: folderId(
        basename(f)
          .replace(BUNDLE_EXT, '')
          .replace(/\.zip$/, '') || b.manifest.name,
        taken,
      ),
      data: notebookDataOf(b),
      bundle: bytes,
    };
  });
  const files = notebookFolder(template, o.title ?? (runs.length === 1 ? runs[0].data.title : 'Factor Lab runs'), runs);
  return Object.entries(files).map(([k, v]) => {
    const p = join(o.out, k);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, v);
    return { path: p, bytes: v.byteLength };
  });
}

if (process.argv[1] && /notebook\.ts$/.test(process.argv[1])) {
  const argv = process.argv.slice(2);
  const bundles: string[] = [];
  const opt: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++)
    if (argv[i].startsWith('--')) opt[argv[i].slice(2)] = argv[++i] ?? '';
    else bundles.push(argv[i]);
  if (!bundles.length || !opt.out) {
    process.stderr.write(
      'usage: npm run notebook -- <run.flrun.zip...> --out <dir> [--title "..."] [--viewer dist/notebook-viewer.html]\n',
    );
    process.exit(2);
  }
  writeNotebookFolder({ bundles, out: opt.out, title: opt.title, viewer: opt.viewer })
    .then((files) => {
      for (const f of files) process.stderr.write(`[notebook] ${f.path}: ${(f.bytes / 1048576).toFixed(2)} MB\n`);
    })
    .catch((e) => {
      process.stderr.write(`[notebook] ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      process.exit(1);
    });
}
