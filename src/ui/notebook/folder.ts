/**
 * A notebook as a folder for static hosting of several runs (npm run notebook, and the lab's "Export folder" as a zip):
 *   index.html                 the index page: each run's title, data, test period, methods with IC and IR, links
 *   runs/<id>.html             the run's notebook (the one-file viewer with its data embedded: opens from file://)
 *   bundles/<id>.flrun.zip     the run bundle (to open in the lab, or unzip and read with DuckDB / pandas)
 * The index page is static HTML with no script and a Content-Security-Policy that allows no fetch; every text from a
 * bundle is escaped. Pure (no DOM, no node:fs): the same code in Node and the browser.
 */
import { strToU8, zipSync } from 'fflate';
import { BUNDLE_EXT } from '../../bundle/format';
import { notebookHtml, type NotebookData } from './payload';

export interface FolderRun {
  /** file-name stem (letters, digits, . _ -) */
  id: string;
  data: NotebookData;
  /** the run bundle's bytes */
  bundle: Uint8Array;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** a file-name stem from a run name, unique among `taken` */
export function folderId(name: string, taken: Set<string>): string {
  const base =
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 60) || 'run';
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  taken.add(id);
  return id;
}

type ModelMetrics = { portfolio?: Record<string, number | null>; horizons?: Record<string, { ic?: number | null }>; evalHorizon?: number };

const fmt = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');

/** the index page (static HTML, escaped) */
export function indexHtml(title: string, runs: FolderRun[]): string {
  const rows = runs
    .map(({ id, data }) => {
      const m = data.manifest;
      const models = ((data.metrics?.models ?? {}) as Record<string, ModelMetrics>) ?? {};
      const dates = data.results[0]?.series[0]?.icDates ?? [];
      const period = dates.length ? `${dates[0]} … ${dates[dates.length - 1]}` : '';
      const methods = data.results
        .map((r) => {
          const mm = models[r.bundleLabel ?? r.label];
          const ic = mm?.horizons?.[String(mm?.evalHorizon)]?.ic;
          return `<tr><td>${escapeHtml(r.label)}</td><td>${fmt(ic, 4)}</td><td>${fmt(mm?.portfolio?.ir, 2)}</td><td>${fmt(
            typeof mm?.portfolio?.alpha === 'number' ? mm.portfolio.alpha * 100 : undefined,
            2,
          )}</td></tr>`;
        })
        .join('');
      return `<section class="run" data-run="${escapeHtml(id)}">
<h2><a href="runs/${escapeHtml(id)}.html">${escapeHtml(data.title)}</a></h2>
<p class="muted">${escapeHtml(m?.dataset.description ?? '')}${period ? ` · test ${escapeHtml(period)}` : ''} · written ${escapeHtml(data.created)}</p>
<table><thead><tr><th>Method</th><th>IC</th><th>IR</th><th>Alpha %</th></tr></thead><tbody>${methods}</tbody></table>
<p><a href="runs/${escapeHtml(id)}.html">Open the notebook</a> · <a href="bundles/${escapeHtml(id)}${BUNDLE_EXT}" download>Download the run bundle</a></p>
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:" />
<title>${escapeHtml(title)} · Factor Lab notebooks</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 960px; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
.muted { color: #5a6273; }
.run { border: 1px solid #d8dde6; border-radius: 8px; padding: 0.75rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; }
th, td { padding: 0.15rem 0.75rem 0.15rem 0; text-align: left; }
td + td, th + th { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #1f5fbf; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Factor Lab notebooks: each run opens as a read-only, interactive page (no server, no network); its bundle holds every score and return to re-check the numbers. IC: mean daily information coefficient at the evaluated horizon; IR: information ratio of the strategy's excess return.</p>
${rows}
</body>
</html>
`;
}

/** The folder's files (path -> bytes): index.html, runs/<id>.html, bundles/<id>.flrun.zip. */
export function notebookFolder(template: string, title: string, runs: FolderRun[]): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { 'index.html': strToU8(indexHtml(title, runs)) };
  for (const r of runs) {
    if (!/^[A-Za-z0-9._-]+$/.test(r.id)) throw new Error(`notebook folder: run id ${JSON.stringify(r.id)} is not a plain file name`);
    files[`runs/${r.id}.html`] = strToU8(notebookHtml(template, r.data));
    files[`bundles/${r.id}${BUNDLE_EXT}`] = r.bundle;
  }
  return files;
}

/** The folder as one zip (the lab's Export folder); the bundles are stored (already compressed), the pages deflated. */
export function notebookFolderZip(files: Record<string, Uint8Array>, root = 'notebook'): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${root}/${k}`, [v, { level: k.endsWith('.zip') ? 0 : 6 }]])));
}
