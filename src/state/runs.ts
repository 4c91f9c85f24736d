/**
 * Finished runs leave and re-enter the page as run bundles (src/bundle): Save run, Open run (a file, a drop on the
 * page, `?run=<url>`), and a list of past runs kept in IndexedDB (database 'factor-lab-runs', object store 'runs': each
 * finished training is saved as a bundle, so a reload keeps the results; reopen and delete from the list).
 * Opening replaces the results with the bundle's; "add to comparison" appends them when the data, split and test period
 * match and refuses (with the reason) when they do not.
 */
import { create } from 'zustand';
import { labApi } from './api';
import { toErrorInfo } from './actions';
import { useLab, type ErrorInfo } from './store';
import type { OpenedRunInfo, TrainResult } from './lab-api';
import type { BundleManifest } from '../bundle/format';
import { LIMITS } from '../bundle/format';
import { LabError } from '../core/errors';
import { idbObjectStore } from './idb';

/** A run kept in IndexedDB. */
export interface SavedRun {
  id: string;
  name: string;
  /** Date.now() when saved */
  savedAt: number;
  methods: string[];
  dataset: string;
  /** the test period (first .. last test date) */
  period: string;
  size: number;
  bytes: Uint8Array;
}
export type SavedRunInfo = Omit<SavedRun, 'bytes'>;

export interface RunStore {
  put(r: SavedRun): Promise<void>;
  get(id: string): Promise<SavedRun | null>;
  list(): Promise<SavedRunInfo[]>;
  delete(id: string): Promise<void>;
  readonly kind: string;
}

export function memoryRunStore(): RunStore {
  const m = new Map<string, SavedRun>();
  return {
    kind: 'memory',
    async put(r) {
      m.set(r.id, structuredClone(r));
    },
    async get(id) {
      const r = m.get(id);
      return r ? structuredClone(r) : null;
    },
    async list() {
      return [...m.values()].map(({ bytes: _b, ...info }) => info).sort((a, b) => b.savedAt - a.savedAt);
    },
    async delete(id) {
      m.delete(id);
    },
  };
}

const DB = 'factor-lab-runs',
  STORE = 'runs';
export function indexedDbRunStore(idb: IDBFactory): RunStore {
  const tx = idbObjectStore(idb, DB, STORE, 'id');
  return {
    kind: 'indexeddb',
    async put(r) {
      await tx('readwrite', (s) => s.put(r));
    },
    async get(id) {
      return ((await tx('readonly', (s) => s.get(id))) as SavedRun | undefined) ?? null;
    },
    async list() {
      const all = (await tx('readonly', (s) => s.getAll())) as SavedRun[];
      return all.map(({ bytes: _b, ...info }) => info).sort((a, b) => b.savedAt - a.savedAt);
    },
    async delete(id) {
      await tx('readwrite', (s) => s.delete(id));
    },
  };
}

let current: RunStore | null = null;
export function runStore(): RunStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  return (current ??= idb ? indexedDbRunStore(idb) : memoryRunStore());
}
export function setRunStore(s: RunStore): void {
  current = s;
}

/** What the Runs section shows. */
export interface RunsState {
  status: 'idle' | 'saving' | 'opening';
  /** the saved runs, newest first */
  saved: SavedRunInfo[];
  /** the run whose results are shown, when they came from a bundle */
  /** methods: the opened results' labels as the page shows them (method-labels.ts), in the bundle's order */
  opened: {
    name: string;
    source: string;
    manifest: BundleManifest;
    metrics: Record<string, unknown>;
    size: number;
    methods?: string[];
  } | null;
  /** a refused bundle or a failed save: the message names the part */
  error: ErrorInfo | null;
  /** a note after add-to-comparison (what was flagged) */
  note: string | null;
  /** the author's Markdown notes for the saved bundle / notebook (the text split at lines of ---) */
  notes: string[];
  /** the notes as typed */
  notesText: string;
}

export const useRuns = create<RunsState>()(() => ({
  status: 'idle',
  saved: [],
  opened: null,
  error: null,
  note: null,
  notes: [],
  notesText: '',
}));
const setR = (p: Partial<RunsState>) => useRuns.setState(p);

const period = (results: TrainResult[]) => {
  const d = results[0]?.series[0]?.icDates;
  return d?.length ? `${d[0]} … ${d[d.length - 1]}` : '';
};

/** Refresh the list of saved runs. */
export async function refreshSaved(): Promise<void> {
  try {
    setR({ saved: await runStore().list() });
  } catch {
    setR({ saved: [] });
  }
}

/** A name for the bundle of the current results. */
export function runName(results: TrainResult[]): string {
  const ds = results[0]?.run.dataset.name ?? 'run';
  return `${ds} · ${results.map((r) => r.label).join(', ')}`;
}

/** Write the bundle of the shown results (bytes to download). */
export async function saveRun(): Promise<Uint8Array | null> {
  const api = labApi();
  const results = useLab.getState().results;
  if (!api.saveRun || !results.length) return null;
  setR({ status: 'saving', error: null });
  try {
    return await api.saveRun(results, useRuns.getState().opened?.name ?? runName(results), useRuns.getState().notes);
  } catch (e) {
    setR({ error: toErrorInfo(e, 'results') });
    return null;
  } finally {
    setR({ status: 'idle' });
  }
}

/** Save the shown results to the page's list (IndexedDB). Never throws (a full disk shows as an error). */
export async function keepRun(bytes?: Uint8Array, fixedId?: string): Promise<void> {
  const results = useLab.getState().results;
  if (!results.length) return;
  const b = bytes ?? (await saveRun());
  if (!b) return;
  try {
    const id = fixedId ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    await runStore().put({
      id,
      name: useRuns.getState().opened?.name ?? runName(results),
      savedAt: Date.now(),
      methods: results.map((r) => r.label),
      dataset: results[0].run.dataset.name,
      period: period(results),
      size: b.byteLength,
      bytes: b,
    });
    await refreshSaved();
  } catch (e) {
    setR({ error: toErrorInfo(e, 'results') });
  }
}

/** Why two runs cannot share one results table (null: they can). */
export function mismatch(a: OpenedRunInfo | TrainResult[], b: TrainResult[]): string | null {
  const ra = Array.isArray(a) ? a : a.results;
  const x = ra[0],
    y = b[0];
  if (!x || !y) return null;
  const j = JSON.stringify;
  if (j(x.run.dataset) !== j(y.run.dataset)) return `the data differ (${x.run.dataset.name} vs ${y.run.dataset.name})`;
  if (j(x.run.split) !== j(y.run.split)) return 'the split differs';
  if (j(x.run.preprocessing) !== j(y.run.preprocessing) || x.run.universe !== y.run.universe)
    return 'the preprocessing or universe differs';
  if (period(ra) !== period(b)) return `the test period differs (${period(ra)} vs ${period(b)})`;
  return null;
}

/**
 * Open a bundle's bytes: its results replace the shown ones (mode 'replace'), or join them when the data, split and
 * test period match (mode 'add'; otherwise refused with the reason, nothing mixed). Returns true when opened.
 */
export async function openRunBytes(bytes: Uint8Array, source: string, mode: 'replace' | 'add' = 'replace'): Promise<boolean> {
  const api = labApi();
  if (!api.openRun) return false;
  setR({ status: 'opening', error: null, note: null });
  try {
    const size = bytes.byteLength;
    const o = await api.openRun(bytes);
    const lab = useLab.getState();
    const names = new Set(o.results.map((r) => r.label));
    if (mode === 'add' && lab.results.length) {
      const why = mismatch(o, lab.results);
      if (why) {
        setR({ note: `Not added to the comparison: ${why}. Open it on its own instead.` });
        return false;
      }
      const kept = lab.results.filter((r) => !names.has(r.label));
      useLab.setState({ results: [...kept, ...o.results] });
      setR({ note: `Added ${o.results.length} method(s) from ${o.manifest.name}.` });
    } else {
      useLab.setState({
        results: o.results,
        run: { ...lab.run, strategy: o.results[0]?.run.strategy ?? lab.run.strategy },
        heatMethod: null,
      });
    }
    setR({
      opened: { name: o.manifest.name, source, manifest: o.manifest, metrics: o.metrics, size, methods: o.results.map((r) => r.label) },
      notes: o.manifest.notes ?? [],
      notesText: (o.manifest.notes ?? []).join('\n\n---\n\n'),
    });
    return true;
  } catch (e) {
    setR({ error: toErrorInfo(e, 'results') });
    return false;
  } finally {
    setR({ status: 'idle' });
  }
}

/** Open a bundle from a file (picker or drop). */
export async function openRunFile(file: File, mode: 'replace' | 'add' = 'replace'): Promise<boolean> {
  if (file.size > LIMITS.totalBytes) {
    setR({
      error: toErrorInfo(
        new LabError(`Run bundle, file: ${(file.size / 1048576).toFixed(1)} MB, more than the limit ${LIMITS.totalBytes / 1048576} MB`),
        'results',
      ),
    });
    return false;
  }
  return openRunBytes(new Uint8Array(await file.arrayBuffer()), file.name, mode);
}

/** `?run=<url>`: an http(s) URL or a path on this site; anything else (javascript:, data:, file:) is refused. */
export function runUrlOf(search: string, base: string): URL | null {
  const v = new URLSearchParams(search).get('run');
  if (!v) return null;
  let u: URL;
  try {
    u = new URL(v, base);
  } catch {
    throw new LabError(`?run=${v.slice(0, 80)} is not a URL.`, 'Link a run bundle by its http(s) address or a path on this site.');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new LabError(
      `?run= must be an http(s) address (got ${u.protocol}).`,
      'Link a run bundle by its http(s) address or a path on this site.',
    );
  return u;
}

/** Fetch and open a bundle by URL (same origin, or any the browser may fetch). */
export async function openRunUrl(url: URL): Promise<boolean> {
  setR({ status: 'opening', error: null });
  try {
    const r = await fetch(url.href);
    if (!r.ok) throw new LabError(`Run bundle ${url.href}: the server answered ${r.status}.`, 'Check the link.');
    const len = Number(r.headers.get('content-length') ?? 0);
    if (len > LIMITS.totalBytes)
      throw new LabError(`Run bundle, file: ${(len / 1048576).toFixed(1)} MB, more than the limit ${LIMITS.totalBytes / 1048576} MB`);
    const b = new Uint8Array(await r.arrayBuffer());
    return await openRunBytes(b, url.href);
  } catch (e) {
    setR({ error: toErrorInfo(e, 'results'), status: 'idle' });
    return false;
  }
}

/** Reopen a saved run from the list. */
export async function reopenSaved(id: string): Promise<boolean> {
  const r = await runStore().get(id);
  if (!r) return false;
  return openRunBytes(r.bytes, `saved: ${r.name}`);
}

export async function deleteSaved(id: string): Promise<void> {
  await runStore().delete(id);
  await refreshSaved();
}

/** the notes' text: Markdown cells separated by lines of --- */
export function setNotes(text: string): void {
  setR({ notesText: text, notes: text.split(/\n\s*---\s*\n/).filter((x) => x.trim()) });
}
export function dismissRunsError(): void {
  setR({ error: null, note: null });
}

let watching = false;
/** this page's auto-saved entry: each finished training replaces it (a "Compare methods" queue grows one entry) */
const sessionId = `session-${Date.now().toString(36)}`;
/**
 * Start-up: list the saved runs; open `?run=` when the page has it, else reopen the latest saved run when no results are
 * shown and no dataset was loaded from the link (a reload keeps the results); save every finished training to the list.
 */
export async function initRuns(loc: { search: string; href: string }): Promise<void> {
  if (!watching) {
    watching = true;
    useLab.subscribe((s, prev) => {
      if (s.trainStatus === 'done' && prev.trainStatus !== 'done' && s.results.length && !s.results.some((r) => r.bundle)) {
        setR({ opened: null });
        void keepRun(undefined, sessionId);
      }
    });
  }
  await refreshSaved();
  let url: URL | null = null;
  try {
    url = runUrlOf(loc.search, loc.href);
  } catch (e) {
    setR({ error: toErrorInfo(e, 'results') });
    return;
  }
  if (url) {
    await openRunUrl(url);
    return;
  }
  // a page with a dataset to work on (a link that loaded one) starts from it; the list offers the kept runs
  const latest = useRuns.getState().saved[0];
  const lab = useLab.getState();
  if (latest && !lab.results.length && lab.dataStatus === 'empty') await reopenSaved(latest.id);
}
