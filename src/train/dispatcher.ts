/**
 * The lab worker's request handler, independent of the runtime: worker.ts wires it to `self` in the browser,
 * tests wire it to an in-process channel in Node. Holds the worker's state: the SQL engine (via DataIO), the
 * loaded panel, the selected backend and the running trainings (for cancel / pause / resume).
 */
import * as arrow from 'apache-arrow';
import type { Panel } from '../core/panel';
import type { DatasetSpec, PreprocessConfig, RunConfig } from '../core/run';
import { LabError, serializeError } from '../core/errors';
import { selectBackend, type BackendChoice, type BackendName } from './backend';
import {
  listTables,
  loadPanel,
  summarizePanel,
  type CacheSaveOutcome,
  type DataIO,
  type LoadedDataset,
  type LoadProgress,
} from './dataset';
import { PauseGate } from './loop';
import { oneSeededStep } from './parity';
import { ReplyType, RequestType, transferables, type EvalOutput, type QueryResult, type WorkerReply, type WorkerRequest } from './protocol';
import { lookbackOf, runOnPanel } from './runner';
import { evaluateAlternatives, evaluateScores, evaluateUniverses } from './reevaluate';
import { parseBenchmark, type BenchmarkSeries } from '../data/benchmark';
import { explainMethodFor, explainRun, monthEndPoints, type RunExplanation } from '../explain/run';
import { prepareData } from './data';
import type { RunResult } from './runner';
import type { GroupCheckpoint } from './run-key';
import { tf } from './tf';
import { readBundle, type OpenedBundle } from '../bundle/read';
import { writeBundle } from '../bundle/write';
import { padPanel, reevalScores, signalOnPanel } from '../bundle/grids';
import { buildMetrics, type MethodOutput } from '../bundle/metrics';
import { PanelSqlTables, withLazyTables } from './sql-tables';
import { queryToCsvBytes } from '../data/csv-export';
import { tableToParquet } from '../data/parquet';
import type { SqlEngine } from '../data/sql-engine';

/** test month-ends explained by gradient x input at most (one forward + backward pass of the model per date) */
const MAX_GRAD_POINTS = 24;

/** Explain a finished run at its test month-ends (LRP, or gradient x input for short runs of graph models). Never throws. */
async function explainResult(p: Panel, run: RunConfig, result: RunResult): Promise<{ explanation?: RunExplanation; explainNote?: string }> {
  const method = explainMethodFor(run.model);
  if (method === null)
    return { explainNote: `${result.model.name} predicts outside tfjs: neither LRP nor gradient x input can explain it.` };
  try {
    const lookback = lookbackOf(run.model, result.model.config);
    const d = prepareData(p, {
      universe: run.universe,
      factors: run.factors,
      target: result.model.config.target === 'raw' ? 'raw' : 'zscore',
      lookback,
    });
    const { points, skipped } = monthEndPoints(d.dates, result.groups);
    if (points.length === 0) return { explainNote: `No test month-end with recorded weights to explain (${skipped} skipped).` };
    // gradient x input (graph / attention models) runs the model once per date: only for short runs
    if (method === 'grad-input' && points.length > MAX_GRAD_POINTS)
      return {
        explainNote: `${result.model.name}: LRP cannot pass its layers; the gradient x input fallback is computed for runs of at most ${MAX_GRAD_POINTS} test month-ends (this one has ${points.length}).`,
      };
    const head = Math.max(0, result.horizons.indexOf(result.evalHorizon));
    const explanation = await explainRun(
      {
        N: d.N,
        F: d.F,
        x: d.x,
        mask: d.mask,
        industry: d.industry,
        dates: d.dates,
        tickers: d.tickers,
        factorNames: d.factorNames,
        factorGroups: d.factorGroups,
        horizons: d.horizons,
        lookback,
      },
      { id: result.model.id, config: result.model.config, seed: run.seed },
      points,
      head,
    );
    return { explanation, explainNote: skipped ? `${skipped} month-ends skipped (no weights recorded)` : undefined };
  } catch (e) {
    const what =
      method === 'grad-input'
        ? `the gradient x input fallback (LRP cannot pass ${result.model.name}'s layers) failed on the ${tf.getBackend()} backend`
        : 'LRP failed';
    return {
      explainNote: `Explaining: ${what}: ${(e as Error).message}${method === 'grad-input' ? ' (the cpu and webgl backends have every gradient kernel)' : ''}`,
    };
  }
}

export interface WorkerEnv {
  /** DataIO factory; receives the page's base URL (for bundled data) when the client sent one */
  io(baseUrl: string | undefined): DataIO;
  /** register browser-only backends (webgpu, wasm paths) once */
  registerBackends?: () => void;
}

export type Post = (msg: WorkerReply, transfer: Transferable[]) => void;

const MAX_ROWS = 1000;

/** JSON-safe cell: bigint -> number, dates -> ISO, nested vectors -> JSON text */
function cell(v: unknown, type: arrow.DataType): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (arrow.DataType.isDate(type) || arrow.DataType.isTimestamp(type)) {
    const ms = typeof v === 'number' ? v : v instanceof Date ? v.getTime() : Number(v);
    const iso = new Date(ms).toISOString();
    return arrow.DataType.isDate(type) ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  return v;
}

/** Run SQL and return the first 1000 rows as plain values. */
export function runQuery(engine: { query(sql: string): arrow.Table }, sql: string): QueryResult {
  const t = engine.query(sql);
  const fields = t.schema.fields;
  const n = Math.min(t.numRows, MAX_ROWS);
  const cols = fields.map((_, j) => t.getChildAt(j));
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) rows.push(fields.map((f, j) => cell(cols[j]?.get(i), f.type)));
  return { columns: fields.map((f) => ({ name: f.name, type: String(f.type) })), rows, totalRows: t.numRows, truncated: t.numRows > n };
}

/** Create the message handler. `post` sends a reply (with the buffers to transfer). */
export function createDispatcher(env: WorkerEnv, post: Post): (req: WorkerRequest) => Promise<void> {
  let baseUrl: string | undefined;
  let io: DataIO | null = null;
  const getIo = () => (io ??= env.io(baseUrl));
  let panel: Panel | null = null;
  let loadedKey = '';
  let loadedMeta: Omit<LoadedDataset, 'panel' | 'hydrateSql'> | null = null;
  /** after a panel-cache hit: creates the SQL console's tables from the file on the first QUERY */
  let pendingSql: (() => Promise<void>) | null = null;
  /** the last load's panel cache save, running in the background after its reply (null: none) */
  let pendingSave: Promise<CacheSaveOutcome> | null = null;
  /** the console's tables built from the panel (factors; prices for a synthetic market) */
  const sqlTables = new PanelSqlTables();
  /** before a query: the file's tables (after a cache hit) and the panel's tables it names; returns notes */
  const prepareSql = async (engine: SqlEngine, sql: string): Promise<string[]> => {
    const r = await sqlTables.prepare(engine, sql, panel, loadedMeta?.tables ?? [], pendingSql);
    if (r.hydrated) pendingSql = null;
    return r.notes;
  };
  let fileBytes: { bytes?: Uint8Array; sectors?: Uint8Array } = {};
  let backend: { key: string; choice: BackendChoice } | null = null;
  const active = new Map<number, { ac: AbortController; gate: PauseGate }>();
  let registered = false;
  /** the user's benchmark series (LOAD_BENCHMARK), passed to every evaluation until CLEAR_BENCHMARK; null = default */
  let benchmark: BenchmarkSeries | null = null;
  /** opened run bundles by run key (their grids re-evaluate and re-save their results) */
  const bundles = new Map<string, OpenedBundle>();
  const openedBundle = (key: string) => {
    const b = bundles.get(key);
    if (!b) throw new LabError(`The run bundle ${key} is not open in the engine.`, 'Open the run again (Runs panel).');
    return b;
  };

  const keyOf = (spec: DatasetSpec, prep: PreprocessConfig) => JSON.stringify([spec, prep]);
  const panelBuffers = () => {
    const s = new Set<ArrayBufferLike>();
    if (panel)
      for (const a of [panel.x, panel.valid, panel.industry, panel.fwd, panel.ret, panel.tradable, ...panel.universes.map((u) => u.member)])
        s.add(a.buffer);
    return s;
  };
  const ensureBackends = () => {
    if (!registered) {
      registered = true;
      env.registerBackends?.();
    }
  };

  /**
   * the dataset load in progress: the SQL requests wait for it (the factor pass reads a streamed result and lets
   * messages in between batches; the engine refuses other statements meanwhile, sql-engine.ts)
   */
  let panelLoad: Promise<unknown> | null = null;
  const loadSettled = async () => {
    while (panelLoad) await panelLoad.catch(() => {});
  };

  async function ensurePanel(spec: DatasetSpec, prep: PreprocessConfig, onProgress?: (p: LoadProgress) => void): Promise<Panel> {
    const key = keyOf(spec, prep);
    if (panel && key === loadedKey) return panel;
    if (spec.kind === 'file' && !fileBytes.bytes)
      throw new LabError(
        `Dataset "${spec.name}" is a local file that is not loaded in the worker.`,
        'Load the file again (Data page), then start the run.',
      );
    // drop the old panel before building the new one, so the tab never holds two (~400 MB each on the full shared
    // dataset): once the key changed it is never served again (a failed load leaves no panel, as it did before)
    panel = null;
    loadedKey = '';
    pendingSql = null;
    // a save still running (the previous load's, in the background) ends first: a load of the same data must never
    // read a half-written cache entry
    if (pendingSave) await pendingSave;
    const loading = loadPanel(
      getIo(),
      spec,
      prep,
      spec.kind === 'file' ? fileBytes.bytes : undefined,
      spec.kind === 'file' ? fileBytes.sectors : undefined,
      { onProgress, deferSave: true },
    );
    panelLoad = loading;
    const loaded = await loading.finally(() => {
      if (panelLoad === loading) panelLoad = null;
    });
    // the cache save runs after the caller replied (LOAD_DATASET posts the summary first); CACHE_SAVED waits for it
    // (a macrotask later: the reply is posted first, then the save's checksum and writes run)
    const save = loaded.save;
    pendingSave = save ? new Promise<void>((r) => setTimeout(r, 0)).then(save) : null;
    panel = loaded.panel;
    loadedKey = key;
    loadedMeta = {
      warnings: loaded.warnings,
      notes: loaded.notes,
      load_ms: loaded.load_ms,
      steps: loaded.steps,
      tables: loaded.tables,
      cache: loaded.cache,
      summary: loaded.summary,
    };
    pendingSql = loaded.hydrateSql ?? null;
    sqlTables.loaded(panel);
    return panel;
  }

  async function ensureBackend(
    forced: BackendName | 'auto' | undefined,
    shape?: { rows: number; inner: number; hidden: number },
  ): Promise<BackendChoice> {
    ensureBackends();
    const key = forced ?? 'auto';
    if (backend && backend.key === key) return backend.choice;
    const choice = await selectBackend({ forced, shape });
    backend = { key, choice };
    return choice;
  }

  async function train(requestId: number, run: RunConfig, resume?: GroupCheckpoint[]) {
    if (active.size > 0) throw new LabError('A run is already training in this worker.', 'Cancel it or wait until it finishes.');
    const p = await ensurePanel(run.dataset, run.preprocessing);
    const hidden = Number(run.config?.hidden ?? 64);
    const batch = Number(run.config?.batchDates ?? 16);
    const choice = await ensureBackend(run.backend, { rows: batch * p.tickers.length, inner: p.factorNames.length, hidden });
    const ac = new AbortController();
    const gate = new PauseGate();
    active.set(requestId, { ac, gate });
    try {
      const result = await runOnPanel(p, run, {
        signal: ac.signal,
        gate,
        backend: choice,
        benchmark: benchmark ?? undefined,
        signalViews: true,
        onProgress: (progress) => post({ type: ReplyType.PROGRESS, requestId, progress }, []),
        // the group's scores [H, Dg, N] are the runner's own copy: transferred; the record (weights the warm start
        // still uses) is copied
        onGroupDone: (checkpoint) =>
          post({ type: ReplyType.GROUP_DONE, requestId, checkpoint }, transferables([checkpoint.scores, checkpoint.channels])),
        resume,
      });
      // the same scores on every universe of the panel (the results table's universe columns): cheap, no training
      const channels = Object.fromEntries(result.channels.map((c) => [c.spec.name, c.values]));
      const universes = evaluateUniverses(
        p,
        run,
        { scoresByHorizon: result.scoresByHorizon, testIndex: result.testIndex, horizons: result.horizons, channels },
        benchmark ?? undefined,
      );
      // the alternative scores on every universe too (their rows in the results table)
      const alternatives = evaluateAlternatives(
        p,
        run,
        { scoresByHorizon: result.scoresByHorizon, testIndex: result.testIndex, horizons: result.horizons, channels },
        benchmark ?? undefined,
        { universes: true },
      );
      const output = { ...result, alternatives, universes, ...(await explainResult(p, run, result)) };
      post({ type: ReplyType.TRAIN_RESULT, requestId, result: output }, transferables(output, panelBuffers()));
    } finally {
      active.delete(requestId);
    }
  }

  return async function dispatch(req: WorkerRequest): Promise<void> {
    const { requestId } = req;
    try {
      switch (req.type) {
        case RequestType.INIT_BACKEND: {
          backend = null;
          const choice = await ensureBackend(req.backend);
          post({ type: ReplyType.BACKEND, requestId, choice }, []);
          return;
        }
        case RequestType.LOAD_DATASET: {
          if (req.baseUrl) baseUrl = req.baseUrl;
          if (req.spec.kind === 'file')
            fileBytes = {
              bytes: req.bytes ? new Uint8Array(req.bytes) : undefined,
              sectors: req.sectorsBytes ? new Uint8Array(req.sectorsBytes) : undefined,
            };
          else if (req.bytes && req.spec.kind === 'url') fileBytes = { bytes: new Uint8Array(req.bytes) };
          loadedKey = '';
          const p = await ensurePanel(req.spec, req.prep, (load) => post({ type: ReplyType.PROGRESS, requestId, load }, []));
          const tables = req.spec.kind === 'synthetic' ? [] : (loadedMeta?.tables ?? listTables(await getIo().engine()));
          const summary = summarizePanel(p, loadedMeta!, withLazyTables(tables, p));
          post({ type: ReplyType.DATASET, requestId, summary }, transferables(summary, panelBuffers()));
          return;
        }
        case RequestType.CACHE_SAVED: {
          post({ type: ReplyType.CACHE_SAVED, requestId, outcome: pendingSave ? await pendingSave : null }, []);
          return;
        }
        case RequestType.QUERY: {
          await loadSettled();
          const engine = await getIo().engine();
          const notes = await prepareSql(engine, req.sql);
          post(
            { type: ReplyType.QUERY_RESULT, requestId, result: { ...runQuery(engine, req.sql), ...(notes.length ? { notes } : {}) } },
            [],
          );
          return;
        }
        case RequestType.EXPORT_QUERY: {
          await loadSettled();
          const engine = await getIo().engine();
          await prepareSql(engine, req.sql);
          let out: { bytes: Uint8Array; rows: number };
          if (req.format === 'csv') out = queryToCsvBytes(engine, req.sql);
          else {
            await getIo().initParquet();
            const t = engine.query(req.sql);
            out = { bytes: tableToParquet(t), rows: t.numRows };
          }
          const buf = (out.bytes.byteOffset === 0 && out.bytes.byteLength === out.bytes.buffer.byteLength ? out.bytes : out.bytes.slice())
            .buffer as ArrayBuffer;
          post({ type: ReplyType.EXPORT_RESULT, requestId, bytes: buf, rows: out.rows }, [buf]);
          return;
        }
        case RequestType.TRAIN:
          if (req.baseUrl) baseUrl = req.baseUrl;
          await train(requestId, req.run, req.resume);
          return;
        case RequestType.CANCEL:
          active.get(req.target)?.ac.abort();
          post({ type: ReplyType.OK, requestId }, []);
          return;
        case RequestType.PAUSE:
          active.get(req.target)?.gate.pause();
          post({ type: ReplyType.OK, requestId }, []);
          return;
        case RequestType.RESUME:
          active.get(req.target)?.gate.resume();
          post({ type: ReplyType.OK, requestId }, []);
          return;
        case RequestType.EVALUATE: {
          const ob = req.bundle ? openedBundle(req.bundle) : null;
          const p = ob ? ob.grids : await ensurePanel(req.run.dataset, req.run.preprocessing);
          const scores = { scoresByHorizon: req.scoresByHorizon, testIndex: req.testIndex, horizons: req.horizons, channels: req.channels };
          if (ob) scores.testIndex = reevalScores(ob, { ...scores, channels: [] }).testIndex;
          const bench = benchmark ?? undefined;
          const result: EvalOutput = {
            eval: evaluateScores(p, req.run, scores, bench, { signal: true }),
            universes: evaluateUniverses(p, req.run, scores, bench),
            // alternative score channels (e.g. DMFM's f-hat): the same evaluate() path as the model's own scores
            alternatives: evaluateAlternatives(p, req.run, scores, bench, { universes: true }),
          };
          post({ type: ReplyType.EVAL_RESULT, requestId, result }, transferables(result, panelBuffers()));
          return;
        }
        case RequestType.LOAD_BENCHMARK: {
          await loadSettled();
          const io = getIo();
          await io.initParquet();
          // a failed parse keeps the previous series (the error names the file and what was wrong)
          benchmark = await parseBenchmark(await io.engine(), new Uint8Array(req.bytes), req.name);
          const { name, rows, first, last } = benchmark;
          post({ type: ReplyType.BENCHMARK, requestId, summary: { name, rows, first, last } }, []);
          return;
        }
        case RequestType.SAVE_BUNDLE: {
          await getIo().initParquet();
          const first = req.methods[0]?.output;
          if (!first) throw new LabError('Save run: there is no finished result to save.', 'Train a model first.');
          const ob = req.bundle ? openedBundle(req.bundle) : null;
          const p = ob ? padPanel(ob) : await ensurePanel(first.run.dataset, first.run.preprocessing);
          const dataset = ob
            ? ob.manifest.dataset.spec
            : { ...first.run.dataset, notes: loadedMeta?.notes, warnings: loadedMeta?.warnings };
          const backendInfo = { name: first.backend.backend, reason: first.backend.reason };
          const methods = req.methods.map((m) => ({ label: m.label, output: m.output as MethodOutput }));
          const created = new Date().toISOString();
          const metrics = buildMetrics({ name: req.name, created, panel: p, dataset, backend: backendInfo, methods });
          // an opened bundle's panel is its grids: its metrics.json keeps the original's run date, dataset and backend
          if (ob)
            for (const k of ['name', 'created', 'dataset', 'backend'] as const) (metrics as Record<string, unknown>)[k] = ob.metrics[k];
          const bytes = writeBundle({
            name: req.name,
            producer: 'browser',
            created,
            panel: p,
            dataset,
            backend: backendInfo,
            methods,
            metrics,
            notes: req.notes,
            ...(ob ? { datasetInfo: ob.manifest.dataset, gridsFrom: ob.manifest.grids.from } : {}),
          });
          const buf = bytes.buffer as ArrayBuffer;
          post({ type: ReplyType.BUNDLE, requestId, bytes: buf }, [buf]);
          return;
        }
        case RequestType.OPEN_BUNDLE: {
          await getIo().initParquet();
          const ob = readBundle(new Uint8Array(req.bytes));
          // a bundle stores scores, metrics and series, not the signal tear sheet's views (IC decay, quintiles, book...):
          // computed here from the stored scores on the bundle's grids, as a re-evaluation does (the stored metrics stay
          // the bundle's); a method whose evaluation fails opens without the sheet
          for (const m of ob.methods) {
            const o = m.output;
            if (!o.eval || o.eval.signal) continue;
            try {
              const sig = evaluateScores(ob.grids, o.run, reevalScores(ob, { ...o, channels: [] }), undefined, { signal: true }).signal;
              // its dates as the stored evaluation numbers them (the original panel's, not the grids')
              if (sig) o.eval.signal = signalOnPanel(sig, ob);
            } catch {
              /* no sheet for this method */
            }
          }
          // kept: the grids and the manifest (the methods' arrays are transferred to the page, the raw entries dropped)
          bundles.set(ob.manifest.runKey, { ...ob, methods: [], files: {} });
          const run = { manifest: ob.manifest, metrics: ob.metrics, methods: ob.methods, bytes: ob.bytes };
          post({ type: ReplyType.BUNDLE_OPENED, requestId, run }, transferables(run));
          return;
        }
        case RequestType.CLEAR_BENCHMARK:
          benchmark = null;
          post({ type: ReplyType.OK, requestId }, []);
          return;
        case RequestType.SEEDED_STEP: {
          ensureBackends();
          const result = await oneSeededStep(req.backend);
          backend = null; // the step switched backends: select again before the next run
          post({ type: ReplyType.SEEDED_STEP_RESULT, requestId, result }, transferables(result));
          return;
        }
        default:
          throw new LabError(`Worker: unknown request type "${(req as { type: string }).type}".`);
      }
    } catch (e) {
      post({ type: ReplyType.ERROR, requestId, error: serializeError(e) }, []);
    }
  };
}
