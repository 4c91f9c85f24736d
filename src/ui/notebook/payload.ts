/**
 * The notebook's data: a zip (fflate) of manifest.json, metrics.json, results.json (the results as the lab's views read
 * them, typed arrays as raw entries; the per-stock scores are left out: the notebook re-checks every metric from its
 * per-date series, the run bundle holds the scores) and notes.json. Embedded base64 in the one-file notebook.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { decodeJson, encodeJson } from '../../bundle/json';
import type { BundleManifest } from '../../bundle/format';
import type { TrainResult } from '../../state/lab-api';

export interface NotebookData {
  title: string;
  created: string;
  manifest: BundleManifest | null;
  metrics: Record<string, unknown> | null;
  results: TrainResult[];
  /** Markdown notes, in order */
  notes: string[];
}

/** the placeholder the viewer template carries (export fills it) */
export const DATA_TAG = '<script type="application/zip;base64" id="lab-notebook-data"></script>';

export function encodeNotebook(d: NotebookData): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const results = d.results.map(({ scores: _s, ...r }) => r);
  files['results.json'] = strToU8(encodeJson(results, 'results/', files));
  files['meta.json'] = strToU8(
    JSON.stringify({ title: d.title, created: d.created, manifest: d.manifest, metrics: d.metrics, notes: d.notes }),
  );
  return zipSync(files, { level: 9 });
}

export function decodeNotebook(zip: Uint8Array): NotebookData {
  const files = unzipSync(zip);
  const meta = decodeJson(strFromU8(files['meta.json']), 'meta.json') as Omit<NotebookData, 'results'>;
  const results = decodeJson(strFromU8(files['results.json']), 'results.json', (e) => files[e]) as TrainResult[];
  return { ...meta, notes: Array.isArray(meta.notes) ? meta.notes.filter((n) => typeof n === 'string') : [], results };
}

const b64 = (u: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
  return btoa(s);
};
export const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s.trim()), (c) => c.charCodeAt(0));

/** The one-file notebook: the viewer template with the data embedded. */
export function notebookHtml(template: string, d: NotebookData): string {
  if (!template.includes(DATA_TAG)) throw new Error('the notebook viewer template has no data placeholder');
  const title = d.title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return template
    .replace('<title>Factor Lab notebook</title>', `<title>${title} · Factor Lab notebook</title>`)
    .replace(DATA_TAG, DATA_TAG.replace('></script>', `>${b64(encodeNotebook(d))}</script>`));
}
