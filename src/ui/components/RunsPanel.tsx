/**
 * Runs: save the shown results as a run bundle, open one (file, drop on the page, ?run=<url>), add one to the
 * comparison, and reopen or delete the runs this browser kept (IndexedDB). Every name from a bundle is rendered as text.
 */
import { useEffect, useRef } from 'react';
import { useLab } from '../../state/store';
import { deleteSaved, dismissRunsError, keepRun, openRunFile, reopenSaved, saveRun, setNotes, useRuns } from '../../state/runs';
import { notebookHtml } from '../notebook/payload';
import { folderId, notebookFolder, notebookFolderZip } from '../notebook/folder';
import { BUNDLE_EXT, type BundleManifest } from '../../bundle/format';
import { strFromU8, unzipSync } from 'fflate';
import { Panel } from '../components/common';
import { GalleryList } from './GalleryList';

/** window.__labRuns: what the Playwright specs read (e2e/bundle*.spec.ts) */
export interface RunsTestApi {
  state(): { status: string; opened: string | null; methods: string[]; error: string | null; note: string | null; saved: number };
  metrics(): Record<string, unknown> | null;
}
declare global {
  interface Window {
    __labRuns?: RunsTestApi;
  }
}
if (typeof window !== 'undefined')
  window.__labRuns = {
    state: () => {
      const s = useRuns.getState();
      return {
        status: s.status,
        opened: s.opened?.name ?? null,
        methods: useLab.getState().results.map((r) => r.label),
        error: s.error?.message ?? null,
        note: s.note,
        saved: s.saved.length,
      };
    },
    metrics: () => useRuns.getState().opened?.metrics ?? null,
  };

const mb = (b: number) => `${(b / 1048576).toFixed(2)} MB`;

/** Export notebook: the one-file viewer (dist/notebook-viewer.html, same origin) with the shown results embedded */
async function exportNotebook(name: string) {
  const r = await fetch('./notebook-viewer.html');
  if (!r.ok) throw new Error(`the notebook viewer is missing (${r.status}): build the site with vite build`);
  const { results } = useLab.getState();
  const { opened, notes } = useRuns.getState();
  const html = notebookHtml(await r.text(), {
    title: name,
    created: opened?.manifest.created ?? new Date().toISOString(),
    manifest: opened?.manifest ?? null,
    metrics: opened?.metrics ?? null,
    results,
    notes,
  });
  download(new TextEncoder().encode(html), `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'run'}.html`, 'text/html');
}

/** Export folder: index.html + runs/<id>.html + bundles/<id>.flrun.zip of the shown run, as one zip (folder.ts) */
async function exportFolder(name: string) {
  const r = await fetch('./notebook-viewer.html');
  if (!r.ok) throw new Error(`the notebook viewer is missing (${r.status}): build the site with vite build`);
  const template = await r.text();
  const bundle = await saveRun();
  if (!bundle) throw new Error(useRuns.getState().error?.message ?? 'Export folder: the run could not be written as a bundle');
  const { results } = useLab.getState();
  const { opened, notes } = useRuns.getState();
  const id = folderId(name, new Set());
  // the manifest and metrics.json of the bundle just written (the index page lists its methods' IC and IR)
  const own = unzipSync(bundle, { filter: (f) => f.name === 'manifest.json' || f.name === 'metrics.json' });
  const parse = (k: string) => (own[k] ? JSON.parse(strFromU8(own[k])) : null);
  const manifest = (parse('manifest.json') as BundleManifest | null) ?? opened?.manifest ?? null;
  const data = {
    title: name,
    created: manifest?.created ?? new Date().toISOString(),
    manifest,
    metrics: (parse('metrics.json') as Record<string, unknown> | null) ?? opened?.metrics ?? null,
    results,
    notes,
  };
  const files = notebookFolder(template, name, [{ id, data, bundle }]);
  download(notebookFolderZip(files, id), `${id}-notebook.zip`);
}

function download(bytes: Uint8Array, name: string, type = 'application/zip') {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'run'}${BUNDLE_EXT}`;
const isBundle = (f: File) => /\.zip$/i.test(f.name);

/** drop a run bundle anywhere on the page (other drops, e.g. data files on the Data panel, are left alone) */
function usePageDrop() {
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (e.defaultPrevented) return;
      if ([...(e.dataTransfer?.items ?? [])].some((i) => i.kind === 'file')) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      if (e.defaultPrevented) return;
      const f = [...(e.dataTransfer?.files ?? [])].find(isBundle);
      if (!f) return;
      e.preventDefault();
      void openRunFile(f);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);
}

export function RunsPanel() {
  const results = useLab((s) => s.results);
  const { status, saved, opened, error, note, notesText } = useRuns();
  const openRef = useRef<HTMLInputElement>(null);
  const addRef = useRef<HTMLInputElement>(null);
  usePageDrop();
  const busy = status !== 'idle';
  const name = opened?.name ?? (results.length ? `${results[0].run.dataset.name}-${results.map((r) => r.model).join('-')}` : 'run');

  return (
    <Panel
      id="panel-runs"
      title="Runs"
      busy={busy}
      status={opened ? `opened: ${opened.name}` : results.length ? `${results.length} result(s) in this page` : 'no run yet'}
      help={
        <p>
          A run bundle ({BUNDLE_EXT}) holds a finished run: every method&apos;s scores and channels, the portfolio, training curves, split
          plan, metrics.json and the return grids, so every results and explain view and a re-evaluation with another strategy work without
          training. The headless runner (npm run experiment) writes the same file. Open one from a file, by dropping it on the page, or with
          ?run=&lt;url&gt; in the address. Finished runs are also kept in this browser (IndexedDB).
        </p>
      }
    >
      <div className="btn-row">
        <button
          type="button"
          className="btn"
          data-testid="save-run"
          disabled={!results.length || busy}
          onClick={async () => {
            const b = await saveRun();
            if (b) download(b, fileName(name));
          }}
        >
          Save run
        </button>
        <button type="button" className="btn" data-testid="open-run" disabled={busy} onClick={() => openRef.current?.click()}>
          Open run…
        </button>
        <button
          type="button"
          className="btn"
          data-testid="add-run"
          disabled={busy || !results.length}
          title="Add a bundle's methods to the results shown (same data, split and test period only)"
          onClick={() => addRef.current?.click()}
        >
          Add to comparison…
        </button>
        <button type="button" className="btn" data-testid="keep-run" disabled={!results.length || busy} onClick={() => void keepRun()}>
          Keep in this browser
        </button>
        <button
          type="button"
          className="btn"
          data-testid="export-notebook"
          disabled={!results.length || busy}
          title="One self-contained .html file: the results and explain views, read-only and interactive, with your notes; opens offline"
          onClick={() => void exportNotebook(opened?.name ?? name).catch((e) => alert(String((e as Error).message)))}
        >
          Export notebook
        </button>
        <button
          type="button"
          className="btn"
          data-testid="export-folder"
          disabled={!results.length || busy}
          title="A folder for static hosting, zipped: index.html, the notebook page and the run bundle; opens offline"
          onClick={() => void exportFolder(opened?.name ?? name).catch((e) => alert(String((e as Error).message)))}
        >
          Export folder
        </button>
        <input
          ref={openRef}
          type="file"
          accept=".zip"
          hidden
          data-testid="open-run-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void openRunFile(f);
          }}
        />
        <input
          ref={addRef}
          type="file"
          accept=".zip"
          hidden
          data-testid="add-run-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void openRunFile(f, 'add');
          }}
        />
      </div>
      <label className="field notebook-notes">
        <span>
          Notes for the notebook (Markdown; HTML is shown as text; cells split at lines of ---; a cell starting with @after cum, ic,
          drawdown, quantiles, … goes right after that chart)
        </span>
        <textarea data-testid="notebook-notes" rows={3} value={notesText} onChange={(e) => setNotes(e.target.value)} />
      </label>
      {busy && <p className="muted">{status === 'saving' ? 'Writing the bundle…' : 'Opening the bundle…'}</p>}
      {error && (
        <div className="error-box" role="alert" data-testid="runs-error">
          <div className="error-text">
            <strong className="error-msg">{error.message}</strong>
            {error.hint && <p className="error-hint">{error.hint}</p>}
          </div>
          <button type="button" className="icon-btn" onClick={dismissRunsError} aria-label="Dismiss this error">
            ×
          </button>
        </div>
      )}
      {note && (
        <p className="muted" data-testid="runs-note">
          {note}
        </p>
      )}
      {opened && (
        <dl className="run-meta" data-testid="opened-run">
          <dt>Run</dt>
          <dd>{opened.name}</dd>
          <dt>From</dt>
          <dd>{opened.source}</dd>
          <dt>Data</dt>
          <dd>{opened.manifest.dataset.description}</dd>
          <dt>Methods</dt>
          <dd>{(opened.methods ?? opened.manifest.methods.map((m) => m.label)).join(', ')}</dd>
          <dt>Written</dt>
          <dd>
            {opened.manifest.created} by the {opened.manifest.producer === 'node' ? 'headless runner' : 'browser'} (lab{' '}
            {opened.manifest.lab}, {opened.manifest.backend}), {mb(opened.size)}
          </dd>
        </dl>
      )}
      <GalleryList />
      {saved.length > 0 && (
        <table className="runs-list" data-testid="saved-runs">
          <caption className="muted">Kept in this browser</caption>
          <thead>
            <tr>
              <th>Run</th>
              <th>Test period</th>
              <th>Size</th>
              <th>Saved</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {saved.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>{r.period}</td>
                <td>{mb(r.size)}</td>
                <td>{new Date(r.savedAt).toLocaleString()}</td>
                <td>
                  <button type="button" className="btn small" disabled={busy} onClick={() => void reopenSaved(r.id)}>
                    Open
                  </button>{' '}
                  <button type="button" className="btn small ghost" onClick={() => void deleteSaved(r.id)} aria-label={`Delete ${r.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
