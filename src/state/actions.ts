/**
 * Module-level actions: the only code that calls the LabApi. Components and worker callbacks call
 * these; they read and write the store through useLab.getState()/setState().
 */
import { LabError } from '../core/errors';
import {
  defaultRun,
  type DatasetSpec,
  type HoldoutConfig,
  type PreprocessConfig,
  type RunConfig,
  type SplitConfig,
  type StrategyConfig,
} from '../core/run';
import { labApi, setLabApi } from './api';
import { resolveConfig, schemaDefaults } from '../models/config';
import { EtaEstimator } from './eta';
import { splitTimelineView } from './views';
import { checkpointStore, type SavedCheckpoint } from './checkpoints';
import { presetById } from './presets';
import { checkTableBytes } from './file-check';
import {
  isAbortError,
  type BackendPref,
  type DataPrep,
  type GroupCheckpoint,
  type LabApi,
  type LoadStep,
  type TrainProgress,
  type TrainResult,
} from './lab-api';
import { runKey } from '../train/run-key';
import { checkReadOnlySql } from './sql-guard';
import { buildingTablesNote, markTablesBuilt } from './sql-tables';
import { exportFileName } from '../data/csv-export';
import { useLab, type ErrorInfo, type LabState, type LossPoint, type ValidPoint } from './store';
import { clipText, hashToRun, readBackendParam } from './url-state';
import { comparisonJobs, effectiveSeeds, newBatch, placeResult, relabel, resultLabel } from './experiments';

const set = (patch: Partial<LabState>) => useLab.setState(patch);
const get = () => useLab.getState();

/** Turn anything thrown into what the red error box shows. */
export function toErrorInfo(e: unknown, where: ErrorInfo['where']): ErrorInfo {
  if (e instanceof Error) return { where, name: e.name, message: e.message || e.name, hint: (e as LabError).hint, at: Date.now() };
  return { where, name: 'Error', message: String(e), at: Date.now() };
}

/** After a success in `where`: clear lastError if it came from there (the area's own box was cleared on start). */
function clearLast(where: ErrorInfo['where']): void {
  if (get().lastError?.where === where) set({ lastError: null });
}

function report(where: ErrorInfo['where'], e: unknown): ErrorInfo {
  const info = toErrorInfo(e, where);
  const key = (
    { data: 'dataError', model: 'modelsError', train: 'trainError', results: 'resultsError', sql: 'queryError', app: 'lastError' } as const
  )[where];
  set({ [key]: info, lastError: info } as Partial<LabState>);
  if (!(e instanceof LabError)) console.error(e);
  return info;
}

/** Clear the error box of one area. */
export function dismissError(where: ErrorInfo['where']): void {
  const key = (
    { data: 'dataError', model: 'modelsError', train: 'trainError', results: 'resultsError', sql: 'queryError', app: 'lastError' } as const
  )[where];
  set({ [key]: null } as Partial<LabState>);
}

export const prepOf = (r: RunConfig): DataPrep => ({ universe: r.universe, factors: r.factors, preprocessing: r.preprocessing });

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// ---------------------------------------------------------------- start-up

/** Install the engine, read the URL (hash = run, ?backend= forced backend), fetch models, auto-load a linked dataset. */
export async function initLab(api: LabApi, loc: { hash: string; search: string }): Promise<void> {
  setLabApi(api);
  const parsed = hashToRun(loc.hash);
  const forced = readBackendParam(loc.search);
  const warnings = [...parsed.warnings];
  if (new URLSearchParams(loc.search).get('backend') && !forced)
    warnings.push(
      `?backend=${new URLSearchParams(loc.search).get('backend')} is not a backend (auto, webgpu, webgl, wasm, cpu); using auto`,
    );
  if (parsed.present && parsed.run.dataset.kind === 'file')
    warnings.push(
      `This link was made with the file ${clipText(parsed.run.dataset.name)}: load that file in the Data panel to reproduce the run.`,
    );
  // the backend is a property of this browser, not of the experiment: it lives in backendPref, and the run
  // sent to the engine gets it at Train. A link's backend= is honoured unless ?backend= overrides it.
  const { backend: linkBackend, ...run } = parsed.run;
  set({
    run,
    urlWarnings: warnings,
    backendPref: forced ?? linkBackend ?? 'auto',
    backendForced: forced !== null,
    // the link's "Compare methods" ticks and their hyper-parameters (checked against the registry in loadModels)
    ...(parsed.compare ? { compareIds: parsed.compare.ids, presetConfigs: parsed.compare.configs } : {}),
    ...(parsed.seeds ? { seeds: parsed.seeds } : {}),
  });
  void restoreCheckpoint(); // groups a stopped run saved before this page (re)loaded
  const models = loadModels();
  void probeBackends();
  // start the worker now: its scripts (tfjs, DuckDB's JS) take 1-2 s to load, which a first "Load dataset" click would
  // otherwise wait for (measured: warm-cache load 3.9 s click to summary, of which 2.4 s in the worker)
  void models.then(() => api.warmUp?.());
  if (parsed.present && (parsed.run.dataset.kind === 'bundled' || parsed.run.dataset.kind === 'synthetic')) {
    await models;
    await loadDataset(parsed.run.dataset);
  }
}

/** Fetch the model registry and complete the run's hyper-parameters from the chosen model's schema. */
export async function loadModels(): Promise<void> {
  set({ modelsStatus: 'loading', modelsError: null });
  try {
    const models = await labApi().listModels();
    const run = get().run;
    let model = models.find((m) => m.id === run.model);
    const warnings = [...get().urlWarnings];
    if (!model && models.length) {
      model = models.find((m) => m.id === defaultRun.model) ?? models[0];
      warnings.push(`model '${clipText(run.model)}' is not in this build; using ${model.label}`);
    }
    const unknown = get().compareIds.filter((id) => !models.some((m) => m.id === id));
    if (unknown.length) warnings.push(`compare: ${unknown.join(', ')} not in this build; unticked`);
    // the compared models' hyper-parameters from a link, clamped to their schemas like the selected model's
    const presetConfigs = Object.fromEntries(
      Object.entries(get().presetConfigs).map(([id, cfg]) => {
        const mm = models.find((x) => x.id === id);
        return [id, mm ? resolveConfig(mm.configSchema, { ...schemaDefaults(mm.configSchema), ...cfg }, mm.id, 'clamp') : cfg];
      }),
    );
    set({
      models,
      modelsStatus: 'ready',
      urlWarnings: warnings,
      compareIds: get().compareIds.filter((id) => models.some((m) => m.id === id)),
      presetConfigs,
      run: model ? { ...run, model: model.id, config: resolveConfig(model.configSchema, run.config, model.id, 'clamp') } : run,
    });
  } catch (e) {
    set({ modelsStatus: 'error' });
    report('model', e);
  }
}

async function probeBackends(): Promise<void> {
  const api = labApi();
  if (!api.probeBackends) return;
  try {
    set({ backends: await api.probeBackends() });
  } catch (e) {
    console.warn('backend probe failed', e);
  }
}

// ---------------------------------------------------------------- run config edits

/** Choose a model: its hyper-parameters reset to the schema defaults (or to those a run preset set for it). */
export function setModel(id: string): void {
  const m = get().models.find((x) => x.id === id);
  if (!m) return;
  const preset = get().presetConfigs[id];
  get().setRun((r) => ({
    ...r,
    model: id,
    config: resolveConfig(m.configSchema, { ...schemaDefaults(m.configSchema), ...preset }, m.id, 'clamp'),
  }));
}

/**
 * Apply a run preset (src/state/presets.ts): the selected model with its hyper-parameters, split, strategy and seed,
 * the methods ticked for "Compare methods" and their hyper-parameters. Data settings stay as they are.
 */
export function applyPreset(id: string): void {
  const p = presetById(id);
  if (!p) return;
  const s = get();
  const m = s.models.find((x) => x.id === p.run.model);
  const config = { ...(m ? schemaDefaults(m.configSchema) : {}), ...p.configs[p.run.model] };
  s.setRun((r) => ({
    ...r,
    model: p.run.model,
    config: m ? resolveConfig(m.configSchema, config, m.id, 'clamp') : config,
    split: { ...p.run.split },
    strategy: { ...p.run.strategy },
    seed: p.run.seed,
  }));
  set({
    compareIds: p.compare.filter((x) => s.models.length === 0 || s.models.some((mm) => mm.id === x)),
    presetConfigs: structuredClone(p.configs),
    presetId: p.id,
  });
}

/**
 * A teaching preset with its own synthetic market (RunPreset.market, e.g. DMFM's "Why graph models"): load the market,
 * apply the preset, and train the comparison when it says so. Returns false when the load waits for the user (trained
 * results would be discarded; they answer, then press again) or fails.
 */
export async function applyMarketPreset(id: string): Promise<boolean> {
  const p = presetById(id);
  if (!p) return false;
  if (p.market && !(await loadDataset(syntheticSpec(p.market)))) return false;
  applyPreset(id);
  if (p.trainNow) await compareMethods();
  return true;
}

/** Set one hyper-parameter (numbers are clamped to the schema range). */
export function setHyper(key: string, value: number | string | boolean): void {
  const s = get();
  const m = s.models.find((x) => x.id === s.run.model);
  s.setRun((r) => {
    const config = { ...r.config, [key]: value };
    return { ...r, config: m ? resolveConfig(m.configSchema, config, m.id, 'clamp') : config };
  });
}

/** Put every hyper-parameter of the current model back to its default. */
export function resetHypers(): void {
  const s = get();
  const m = s.models.find((x) => x.id === s.run.model);
  if (m) s.setRun((r) => ({ ...r, config: schemaDefaults(m.configSchema) }));
}

export const setPreprocessing = (patch: Partial<PreprocessConfig>) =>
  get().setRun((r) => ({ ...r, preprocessing: { ...r.preprocessing, ...patch } }));
export const setUniverse = (universe: string) => get().setRun((r) => ({ ...r, universe }));
export const setSeed = (seed: number) => get().setRun((r) => ({ ...r, seed: Math.max(0, Math.floor(seed)) }));
/** FactorVAE Table 2: hold m stocks (a count or a fraction) out of training and evaluate on them; undefined = off */
export const setHoldout = (h: HoldoutConfig | undefined) =>
  get().setRun((r) => {
    const next = { ...r };
    delete next.holdout;
    return h ? { ...next, holdout: h } : next;
  });
/** Edit the split; an error a Train reported about the split is cleared (it described the settings just changed). */
export const setSplit = (patch: Partial<SplitConfig>) => {
  get().setRun((r) => ({ ...r, split: { ...r.split, ...patch } }));
  clearSplitError();
};

/** Each split kind's defaults (src/data/splits.ts): the papers' protocols. */
export const SPLIT_DEFAULTS: Record<SplitConfig['kind'], SplitConfig> = {
  walkforward: { kind: 'walkforward', groups: 2, gap: 21 }, // DMFM / E2EAI: half-year test groups, expanding window
  rolling: { kind: 'rolling', windowMonths: 60, groups: 0, gap: 21 }, // Deep Factor Model: 60 month-ends, every month
  fixed: { kind: 'fixed', gap: 21 }, // FactorVAE: one train / validation / test layout (empty = the last years)
};

/**
 * Switch the split kind. Each kind keeps its own settings: the current ones are remembered under their kind, and the
 * new kind gets what it had before (or its defaults), never the other kind's values (walk-forward "Groups 2" is not
 * rolling "Months 2").
 */
export function setSplitKind(kind: SplitConfig['kind']): void {
  const s = get();
  const cur = s.run.split;
  if (cur.kind === kind) return;
  set({ splitByKind: { ...s.splitByKind, [cur.kind]: structuredClone(cur) } });
  s.setRun((r) => ({ ...r, split: structuredClone(get().splitByKind[kind] ?? SPLIT_DEFAULTS[kind]) }));
  clearSplitError();
}

/** Clear a Train error that came from the split planner (its message starts with 'splits:'). */
function clearSplitError(): void {
  const e = get().trainError;
  if (e && /^splits?:/i.test(e.message)) set({ trainError: null, ...(get().lastError === e ? { lastError: null } : {}) });
}
export const setStrategy = (patch: Partial<StrategyConfig>) => get().setRun((r) => ({ ...r, strategy: { ...r.strategy, ...patch } }));

/** Each strategy's paper defaults (src/eval/backtest.ts resolveStrategy), written out so the link carries them. */
export const STRATEGY_DEFAULTS: Record<StrategyConfig['kind'], Omit<StrategyConfig, 'kind' | 'horizon'>> = {
  topquantile: { groups: 10, rebalance: 21, cost: 0.004 }, // DMFM: top decile, monthly, 0.4% of traded value
  longshort: { groups: 5, rebalance: 21, cost: 0 }, // Deep Factor Model: quintile long-short, monthly, gross
  topkdrop: { k: 50, n: 5, rebalance: 1, openCost: 0.0005, closeCost: 0.0015, eta: 1 }, // FactorVAE / Qlib TopkDropout
  modelweight: { rebalance: 21, cost: 0.004, cap: 1 }, // E2EAI: the model's own weights, per-stock cap
};

/** Switch the portfolio construction: the new kind starts from its paper defaults; label horizon and execution lag are kept. */
export const setStrategyKind = (kind: StrategyConfig['kind']) =>
  get().setRun((r) => ({ ...r, strategy: { kind, ...STRATEGY_DEFAULTS[kind], horizon: r.strategy.horizon, lag: r.strategy.lag } }));

/**
 * Toggle a factor group. run.factors = [] means "all"; unticking a group from "all" lists the others.
 * `allGroups` are the groups of the loaded dataset.
 */
export function toggleFactorGroup(group: string, allGroups: string[]): void {
  get().setRun((r) => {
    const cur = r.factors.length ? r.factors.filter((g) => allGroups.includes(g)) : [...allGroups];
    const next = cur.includes(group) ? cur.filter((g) => g !== group) : [...cur, group];
    const ordered = allGroups.filter((g) => next.includes(g));
    return { ...r, factors: ordered.length === allGroups.length ? [] : ordered };
  });
}

export function setBackendPref(pref: BackendPref): void {
  set({ backendPref: pref, backendForced: false });
}

// ---------------------------------------------------------------- data

let lastFile: File | null = null;
let loadToken = 0;

/** A synthetic market spec (keys are src/data/synthetic.ts SyntheticOptions; the rest take its defaults). */
export const syntheticSpec = (settings?: Record<string, number>): DatasetSpec => ({
  kind: 'synthetic',
  name: 'synthetic',
  synthetic: { nStocks: 200, nDays: 750, nIndustries: 8, nFactors: 12, alpha: 0.003, seed: 42, ...settings },
});

export const bundledSpec = (): DatasetSpec => ({ kind: 'bundled', name: 'us-large-cap-2012-2019' });

/**
 * Load a dataset (the run's, or `spec`). A failed load shows the error and keeps the previous dataset.
 * For kind 'file' pass the File (or reuse the last loaded one).
 *
 * Trained results belong to the loaded data: loading another dataset would discard them, so unless `opts.discard`
 * is set the load waits in `pendingLoad` for the user's answer (confirmPendingLoad / cancelPendingLoad) and this
 * returns false. Reloading the same dataset (e.g. with other preprocessing) keeps them.
 */
export async function loadDataset(spec?: DatasetSpec, file?: File, opts: { discard?: boolean } = {}): Promise<boolean> {
  const s = get();
  if (s.trainStatus === 'running' || s.trainStatus === 'paused' || s.trainStatus === 'cancelling') {
    report('data', new LabError('A training run is in progress: cancel it before loading another dataset.'));
    return false;
  }
  const target = spec ?? s.run.dataset;
  const losing = latestModels(s.results);
  if (!opts.discard && losing.length && !(s.loadedSpec !== null && sameJson(s.loadedSpec, target))) {
    set({ pendingLoad: { spec: target, ...(file ? { file } : {}), results: losing } });
    return false;
  }
  if (s.pendingLoad) set({ pendingLoad: null });
  const token = ++loadToken;
  const before = s.summary ? 'ready' : 'empty';
  set({
    dataStatus: 'loading',
    dataError: null,
    dataSteps: null,
    dataActivity:
      target.kind === 'file'
        ? `Reading ${target.name}…`
        : target.kind === 'synthetic'
          ? 'Generating a synthetic market…'
          : `Loading the bundled dataset ${target.name}…`,
  });
  try {
    let bytes: ArrayBuffer | undefined;
    if (target.kind === 'file') {
      const f = file ?? (lastFile && lastFile.name === target.name ? lastFile : null);
      if (!f)
        throw new LabError(
          `The file ${target.name} is not loaded in this page.`,
          'Choose the file again under "Your parquet or CSV file" (or drop it on the Data panel).',
        );
      bytes = await f.arrayBuffer();
      checkTableBytes(f.name, bytes);
      set({ dataActivity: `Decoding ${f.name} (${(f.size / 1e6).toFixed(1)} MB) and building the panel…` });
    }
    const prep = prepOf(get().run);
    // the worker's step list: the Data panel shows it, the spinner names the running step
    const onSteps = (steps: LoadStep[]) => {
      if (token !== loadToken) return;
      const running = steps.find((x) => x.state === 'running');
      set({ dataSteps: steps, ...(running ? { dataActivity: `${running.label}…` } : {}) });
    };
    const summary = await labApi().loadDataset(target, prep, bytes, onSteps);
    if (token !== loadToken) return false;
    if (file) lastFile = file;
    const cur = get();
    const sameData = cur.loadedSpec !== null && sameJson(cur.loadedSpec, target);
    const universe = summary.universes.some((u) => u.name === cur.run.universe) ? cur.run.universe : 'all';
    const groups = new Set(summary.factors.map((f) => f.group));
    const factors = cur.run.factors.filter((g) => groups.has(g) || summary.factors.some((f) => f.name === g));
    set({
      summary,
      dataStatus: 'ready',
      dataActivity: null,
      loadedSpec: target,
      loadedPrep: { ...prep, universe },
      run: { ...cur.run, dataset: target, universe, factors },
      results: sameData ? cur.results : [],
    });
    clearLast('data');
    if (summary.cache?.saving) void followCacheSave(token);
    return true;
  } catch (e) {
    if (token !== loadToken) return false;
    set({ dataStatus: before, dataActivity: null });
    report('data', e);
    return false;
  }
}

/**
 * A cold load's panel cache save runs in the worker after the summary came back: wait for it, then say in the
 * summary (and the 'save' step) how it ended; a save that failed adds its notice to the warnings. A later load
 * (another token) owns the state by then: nothing is changed.
 */
async function followCacheSave(token: number): Promise<void> {
  const r = await (labApi().cacheSaved?.() ?? Promise.resolve(null)).catch((e: unknown) => ({
    saved: false,
    ms: 0,
    detail: 'not saved',
    notice: `Panel cache: not saved (${(e as Error).message}).`,
  }));
  if (token !== loadToken) return;
  const s = get();
  if (!s.summary?.cache) return;
  const { saving: _saving, ...rest } = s.summary.cache;
  const cache = r?.notice ? { ...rest, notice: rest.notice ? `${rest.notice} ${r.notice}` : r.notice } : rest;
  set({
    summary: { ...s.summary, cache, ...(r?.notice ? { warnings: [...(s.summary.warnings ?? []), r.notice] } : {}) },
    dataSteps:
      s.dataSteps?.map((st) => (st.id === 'save' ? { ...st, state: 'done' as const, ...(r ? { ms: r.ms, detail: r.detail } : {}) } : st)) ??
      null,
  });
}

/** labels of the trained models a dataset change would discard (latest per model) */
function latestModels(results: TrainResult[]): string[] {
  return [...new Set(results.map((r) => r.label))];
}

/** The user agreed to discard the trained results: run the load that was waiting. */
export function confirmPendingLoad(): Promise<boolean> {
  const p = get().pendingLoad;
  if (!p) return Promise.resolve(false);
  set({ pendingLoad: null });
  return loadDataset(p.spec, p.file, { discard: true });
}

/** The user kept the trained results: forget the load that was waiting. */
export function cancelPendingLoad(): void {
  set({ pendingLoad: null });
}

/** Load a user's parquet or CSV file (file input or drop). */
export function loadFile(file: File): Promise<boolean> {
  return loadDataset({ kind: 'file', name: file.name }, file);
}

/** Rebuild the panel of the loaded dataset with the current universe / factors / preprocessing. */
export function applyPrep(): Promise<boolean> {
  const spec = get().loadedSpec;
  return spec ? loadDataset(spec) : Promise.resolve(false);
}

// ---------------------------------------------------------------- training

let controller: AbortController | null = null;
const MAX_LOSS_POINTS = 4000;

/**
 * Position of a progress message on the loss chart's x axis, in epochs trained across groups: `groupStart` is where
 * its group starts (the epochs the earlier groups actually trained, early stops included; 0 for the first group).
 */
export const progressX = (p: TrainProgress, groupStart = ((p.group ?? 1) - 1) * p.epochs) =>
  groupStart + (p.epoch - 1) + (p.steps > 0 ? p.step / p.steps : 0);

/** where each split group of the run being trained starts on the loss chart's x axis (see progressX) */
let groupStarts = new Map<number, number>();

/** The x of a progress message: a group seen for the first time starts at the whole epoch after the last point drawn. */
function curveX(p: TrainProgress, curve: { x: number; group?: number }[]): number {
  const g = p.group ?? 1;
  // a closed-form fit (no epochs, or its 'epoch 0' message) has one validation point per group: at the group's number
  if (!(p.epochs > 0) || p.epoch < 1) return g;
  let start = groupStarts.get(g);
  if (start === undefined) {
    const last = curve[curve.length - 1];
    // a resumed run starts at its first missing group: earlier groups have no points, keep their nominal slots
    start = last && (last.group ?? 1) < g ? Math.ceil(last.x - 1e-9) : (g - 1) * p.epochs;
    groupStarts.set(g, start);
  }
  return progressX(p, start);
}

/** the fraction a resumed run's checkpoint already held (0 for a fresh run) */
let startFraction = 0;
/** the ETA and progress of the run being trained (src/state/eta.ts): measured step times x work left */
let eta = new EtaEstimator();

/** relative training data per split group of `run` on the loaded panel (the estimator scales later groups' steps by it) */
function groupWorkOf(run: RunConfig): number[] | undefined {
  const sum = get().summary;
  const v = splitTimelineView(sum?.tradingDays, sum?.horizons, run.split);
  if (!v || v.error) return undefined;
  const work = v.groups.map((g) => v.rows.filter((r) => r.group === g.index && r.segment === 'train').reduce((a, r) => a + r.days, 0));
  return work.every((w) => w > 0) ? work : undefined;
}

function onProgress(ac: AbortController, p: TrainProgress): void {
  if (controller !== ac) return; // a stale run
  const e = eta.push(p);
  if (p.phase === 'training' || p.phase === 'evaluating')
    p = {
      ...p,
      fraction: Math.max(e.fraction, startFraction),
      ...(e.etaMs !== null ? { etaMs: e.etaMs } : {}),
      etaRough: e.rough,
      ...(e.why ? { etaWhy: e.why } : {}),
      ...(startFraction > 0 ? { startFraction } : {}),
    };
  const s = get();
  const patch: Partial<LabState> = { progress: p };
  if (p.backend) patch.backendInUse = p.backend;
  const x = p.phase === 'training' || p.epoch > 0 ? curveX(p, s.lossCurve.length ? s.lossCurve : s.validCurve) : 0;
  const g = p.group !== undefined ? { group: p.group } : {};
  if (p.phase === 'training' && Number.isFinite(p.loss)) {
    let curve: LossPoint[] = [...s.lossCurve, { x, loss: p.loss as number, ...g }];
    if (curve.length > MAX_LOSS_POINTS) curve = curve.filter((_, i) => i % 2 === 0);
    patch.lossCurve = curve;
  }
  if (Number.isFinite(p.validLoss) || Number.isFinite(p.validIC)) {
    const last = s.validCurve[s.validCurve.length - 1];
    const pt: ValidPoint = { x, loss: p.validLoss, ic: p.validIC, ...g };
    patch.validCurve = last && last.x === x ? [...s.validCurve.slice(0, -1), pt] : [...s.validCurve, pt];
  }
  set(patch);
}

// checkpoint saves and deletes run one after another (a late save never resurrects a deleted checkpoint)
let saving: Promise<void> = Promise.resolve();
function persist(f: () => Promise<void>): Promise<void> {
  saving = saving.then(f).catch((e) => console.warn('Factor Lab: saving the group checkpoints failed (they stay in this page only):', e));
  return saving;
}

/** Show the most recently saved checkpoint (IndexedDB; after a reload or a stopped run that finished no group). */
export function restoreCheckpoint(): Promise<void> {
  return persist(async () => {
    const cp = await checkpointStore().latest();
    if (!controller) set({ checkpoint: cp });
  });
}

/**
 * Train `run` on the loaded dataset; the result replaces that model's previous one in the Results panel. Each finished
 * split group is checkpointed (store + IndexedDB); with `resume` the groups it holds are not trained again.
 */
/** the runs still queued after the one being trained ("Compare methods"): saved with its checkpoint */
let queuedAfter: RunConfig[] = [];
/** the model / kind slots that delivered a result in the current queue (their other seeds stay beside them) */
let batch = new Set<string>();

async function trainOne(run: RunConfig, resume?: SavedCheckpoint, seeded = false): Promise<'done' | 'cancelled' | 'error'> {
  const s = get();
  const ac = new AbortController();
  controller = ac;
  const key = runKey(run);
  const label = `${s.models.find((m) => m.id === run.model)?.label ?? run.model} on ${run.dataset.name}`;
  const done = resume?.groups.length ?? 0,
    total = resume?.total ?? 0;
  startFraction = resume && total > 0 ? done / total : 0;
  groupStarts = new Map();
  const patience = Number(run.config.patience);
  eta = new EtaEstimator({ groupWork: groupWorkOf(run), ...(Number.isFinite(patience) ? { patience } : {}) });
  set({
    trainStatus: 'running',
    trainingRun: run,
    trainError: null,
    lossCurve: [],
    validCurve: [],
    // a fresh run shows no checkpoint until its first group finishes (a saved one of the same run is replaced then)
    checkpoint: resume ?? null,
    progress: {
      phase: 'preparing',
      message: resume ? `Resuming: ${done} of ${total} groups done…` : 'Preparing the panel and the model…',
      epoch: 0,
      epochs: Number(run.config.epochs) || 0,
      step: 0,
      steps: 0,
      fraction: startFraction,
      elapsedMs: 0,
      ...(resume ? { startFraction, group: done + 1, groups: total } : {}),
    },
  });
  const onGroupDone = (gc: GroupCheckpoint) => {
    if (controller !== ac) return;
    const cur = get().checkpoint;
    const base: SavedCheckpoint =
      cur && cur.runKey === gc.runKey
        ? cur
        : {
            runKey: gc.runKey,
            label,
            run,
            groups: [],
            total: gc.total,
            savedAt: 0,
            ...(queuedAfter.length ? { queue: structuredClone(queuedAfter) } : {}),
            ...(seeded ? { seeded } : {}),
          };
    const next: SavedCheckpoint = {
      ...base,
      total: gc.total,
      savedAt: Date.now(),
      groups: [...base.groups.filter((g) => g.groupIndex !== gc.groupIndex), gc].sort((a, b) => a.groupIndex - b.groupIndex),
    };
    set({ checkpoint: next });
    void persist(() => checkpointStore().put(next));
  };
  try {
    const trained: TrainResult = await labApi().train({ ...run, backend: s.backendPref }, (p) => onProgress(ac, p), ac.signal, {
      backend: s.backendPref,
      onGroupDone,
      ...(resume ? { resume: resume.groups } : {}),
    });
    if (controller !== ac) return 'cancelled';
    // finished: its groups are in the result, the checkpoint is not needed any more
    set({ checkpoint: null });
    void persist(() => checkpointStore().delete(key));
    // '<model>' ('· held-out' when it held stocks out, '@<seed>' in a comparison over seeds); it replaces that model's
    // earlier result, except the other seeds of its own comparison (experiments.ts placeResult)
    const result = relabel(trained, resultLabel(trained.label, run, seeded));
    const prev = get().progress;
    set({
      trainStatus: 'done',
      results: placeResult(get().results, result, batch),
      backendInUse: result.backend,
      backendReason: result.backendReason ?? null,
      progress: prev ? { ...prev, phase: 'done', fraction: 1, elapsedMs: result.elapsedMs, message: 'Done' } : null,
    });
    clearLast('train');
    return 'done';
  } catch (e) {
    if (controller !== ac) return 'cancelled';
    const stopped = isAbortError(e) || ac.signal.aborted;
    // the last progress message ('Preparing the panel…', 'training · group 1/2') no longer describes anything
    const prev = get().progress;
    set({
      trainStatus: stopped ? 'cancelled' : 'error',
      progress: prev ? { ...prev, message: stopped ? 'Cancelled' : 'Failed (see the error below)', etaMs: undefined } : null,
    });
    if (!stopped) report('train', e);
    if (controller === ac) controller = null;
    // no group finished in this run: show what was saved before (this run's earlier checkpoint or another run's)
    if (!get().checkpoint?.groups.length) void restoreCheckpoint();
    return stopped ? 'cancelled' : 'error';
  } finally {
    if (controller === ac) controller = null;
  }
}

function canTrain(checkSplit = true): boolean {
  if (controller) return false;
  if (!get().summary) {
    report('train', new LabError('No dataset is loaded yet.', 'Load the bundled dataset (or a file) in the Data panel first.'));
    return false;
  }
  const err = checkSplit ? splitError() : null;
  if (err) {
    report('train', new LabError(err, 'Change the split settings in step 2 (Model, Split); the split timeline shows the plan.'));
    return false;
  }
  return true;
}

/** Why the current split cannot be planned on the loaded dates (null when it can, or when nothing is loaded). */
export function splitError(s: Pick<LabState, 'summary' | 'run'> = get()): string | null {
  return splitTimelineView(s.summary?.tradingDays, s.summary?.horizons, s.run.split)?.error ?? null;
}

/** Train the current run on the loaded dataset (afresh: a saved checkpoint of it is replaced); the result joins the Results panel. */
export async function startTraining(): Promise<void> {
  if (!canTrain()) return;
  batch = new Set();
  await trainOne(structuredClone(get().run));
}

/** Resume the stopped run of the saved checkpoint: its finished groups are kept, the rest are trained. */
export async function resumeTraining(): Promise<void> {
  const cp = get().checkpoint;
  if (!cp || !canTrain(false)) return; // the saved run's own split was planned when it started
  const loaded = get().loadedSpec;
  if (!sameJson(loaded, cp.run.dataset)) {
    report(
      'train',
      new LabError(
        `The saved groups of ${cp.label} were trained on the dataset "${cp.run.dataset.name}"; the loaded one is "${loaded?.name ?? 'none'}".`,
        `Load ${cp.run.dataset.name} in the Data panel, then resume (or discard the saved groups).`,
      ),
    );
    return;
  }
  const rest = cp.queue ?? [];
  if (!rest.length) {
    batch = newBatch(cp);
    await trainOne(structuredClone(cp.run), cp, cp.seeded);
    return;
  }
  // a stopped "Compare methods" queue: the resumed run, then the models that were still waiting
  await runQueue([structuredClone(cp.run), ...rest], cp, cp.seeded);
}

/** Train `runs` one after another (the queue shown in the Train panel); the first may resume `first`. Stops at a cancel or error. */
async function runQueue(runs: RunConfig[], first?: SavedCheckpoint, seeded = false): Promise<void> {
  const ids = runs.map((r) => r.model);
  const name = (id: string) => get().models.find((m) => m.id === id)?.label ?? id;
  const labels = runs.map((r) => resultLabel(name(r.model), r, seeded));
  batch = newBatch(first);
  set({ queue: { ids, index: 0, finished: [], labels } });
  try {
    for (let i = 0; i < runs.length; i++) {
      set({ queue: { ids, index: i, finished: ids.slice(0, i), labels } });
      queuedAfter = runs.slice(i + 1);
      const outcome = await trainOne(runs[i], i === 0 ? first : undefined, seeded);
      if (outcome !== 'done') return;
    }
  } finally {
    queuedAfter = [];
    set({ queue: null });
  }
}

/** Delete the saved checkpoint (store and IndexedDB). */
export async function discardCheckpoint(): Promise<void> {
  const cp = get().checkpoint;
  if (!cp || controller) return;
  set({ checkpoint: null });
  await persist(() => checkpointStore().delete(cp.runKey));
}

/**
 * "Compare methods": train and evaluate each model of `ids` in turn on the same data, split, seed and strategy (one
 * worker run after another), so the results table and charts hold all of them. The selected model keeps the
 * hyper-parameters set in the Model panel; the others use those of the last run preset, else their schema defaults.
 * Cancel stops the whole queue; the stopped model's checkpoint remembers the models still waiting, so Resume finishes
 * the stopped model and then trains them.
 */
export async function compareMethods(ids: string[] = get().compareIds): Promise<void> {
  if (!canTrain()) return;
  const s = get();
  const todo = ids.filter((id) => s.models.some((m) => m.id === id));
  if (!todo.length) {
    report('train', new LabError('No model is ticked for the comparison.', 'Tick two or more models next to "Compare methods".'));
    return;
  }
  const base = structuredClone(s.run);
  const methods = todo.map((id) => {
    const m = get().models.find((x) => x.id === id)!;
    const config =
      id === base.model
        ? base.config
        : resolveConfig(m.configSchema, { ...schemaDefaults(m.configSchema), ...s.presetConfigs[id] }, m.id, 'clamp');
    return { label: m.label, run: { ...structuredClone(base), model: id, config } };
  });
  // "Seeds" (FactorVAE Table 1): each method once per seed, method by method, as the headless experiment's `seeds`
  const seeds = effectiveSeeds(s.seeds, base.seed);
  await runQueue(
    comparisonJobs(methods, seeds).map((j) => j.run),
    undefined,
    seeds.length > 0,
  );
}

/**
 * Re-evaluate every stored result with the current strategy settings (no training: the worker re-scores the
 * stored out-of-sample scores). Results whose engine cannot re-evaluate are left as they are.
 */
export async function reevaluateResults(): Promise<void> {
  const api = labApi();
  const s = get();
  if (!api.evaluate || s.reevalStatus === 'running' || controller) return;
  const run = s.run;
  set({ reevalStatus: 'running', resultsError: null });
  try {
    const out = [];
    for (const r of s.results) out.push(r.scores ? await api.evaluate(r, run) : r);
    // a dataset load in between cleared the results: drop what was computed for the old ones
    if (get().results === s.results) set({ results: out });
    clearLast('results');
  } catch (e) {
    report('results', e);
  } finally {
    set({ reevalStatus: 'idle' });
  }
}

// ---------------------------------------------------------------- benchmark

const trainingBusy = () => ['running', 'paused', 'cancelling'].includes(get().trainStatus);

/**
 * Load the user's benchmark series (parquet or CSV: date + return | close) into the engine; the stored results are then
 * re-evaluated against it (no retraining). A bad file shows its error and keeps the previous benchmark.
 */
export async function loadBenchmarkFile(file: File): Promise<boolean> {
  const api = labApi();
  const prev = activeBenchmark;
  let bytes: ArrayBuffer;
  try {
    if (!api.loadBenchmark) throw new LabError('This engine cannot use a benchmark file.');
    if (trainingBusy()) throw new LabError('A training run is in progress: wait for it (or cancel it) before changing the benchmark.');
    set({ benchmarkStatus: 'loading', resultsError: null });
    bytes = await file.arrayBuffer();
    checkTableBytes(file.name, bytes);
    const keep = bytes.slice(0); // the engine takes (transfers) the buffer it is sent
    set({ benchmark: await api.loadBenchmark(bytes, file.name) });
    activeBenchmark = { bytes: keep, name: file.name };
    clearLast('results');
  } catch (e) {
    report('results', e);
    return false;
  } finally {
    set({ benchmarkStatus: 'idle' });
  }
  if (get().results.length) {
    await reevaluateResults();
    // e.g. the series misses a holding day (the engine's message names it): go back to the benchmark the results use
    const err = get().resultsError;
    if (err) {
      try {
        if (prev && api.loadBenchmark) set({ benchmark: await api.loadBenchmark(prev.bytes.slice(0), prev.name) });
        else {
          await api.clearBenchmark?.();
          set({ benchmark: null });
        }
        activeBenchmark = prev;
      } catch {
        /* the error below still says what happened */
      }
      set({
        resultsError: {
          ...err,
          hint: `${file.name} was not kept: the results are still measured against ${prev ? prev.name : 'the equal-weighted universe'}. Load a series that covers the whole test period.`,
        },
      });
      return false;
    }
  }
  return true;
}

/** the benchmark file the engine holds (kept to go back to when a new one cannot be used) */
let activeBenchmark: { bytes: ArrayBuffer; name: string } | null = null;

/** Go back to the default benchmark (equal-weighted universe) and re-evaluate the stored results. */
export async function clearBenchmark(): Promise<void> {
  const api = labApi();
  try {
    if (trainingBusy()) throw new LabError('A training run is in progress: wait for it (or cancel it) before changing the benchmark.');
    await api.clearBenchmark?.();
    activeBenchmark = null;
    set({ benchmark: null, resultsError: null });
    clearLast('results');
  } catch (e) {
    report('results', e);
    return;
  }
  if (get().results.length) await reevaluateResults();
}

/** Pause a running training run, or resume a paused one. */
export function togglePause(): void {
  const s = get();
  if (s.trainStatus === 'running') {
    labApi().setPaused(true);
    set({ trainStatus: 'paused' });
  } else if (s.trainStatus === 'paused') {
    labApi().setPaused(false);
    set({ trainStatus: 'running' });
  }
}

/** Cancel the current training run (the curves so far stay on screen). */
export function cancelTraining(): void {
  if (!controller) return;
  if (get().trainStatus === 'paused') labApi().setPaused(false);
  set({ trainStatus: 'cancelling' });
  controller.abort();
}

// ---------------------------------------------------------------- SQL

let queryToken = 0;

/** Run the console's SQL (read-only SELECTs) over the loaded tables. */
export async function runQuery(sql?: string): Promise<void> {
  const text = sql ?? get().sql;
  if (sql !== undefined) set({ sql });
  const token = ++queryToken;
  try {
    const stmt = checkReadOnlySql(text);
    if (!get().summary) throw new LabError('No tables are loaded yet.', 'Load a dataset in the Data panel first; its tables appear here.');
    set({ queryStatus: 'running', queryError: null, queryActivity: buildingTablesNote(stmt) });
    const t0 = performance.now();
    const res = await labApi().query(stmt);
    if (token !== queryToken) return;
    markTablesBuilt(stmt);
    set({ queryStatus: 'idle', queryResult: { ...res, sql: stmt }, queryMs: performance.now() - t0, queryActivity: null });
    clearLast('sql');
  } catch (e) {
    if (token !== queryToken) return;
    // the previous result and its timing belong to another query: the error replaces them
    set({ queryStatus: 'idle', queryResult: null, queryMs: null, queryActivity: null });
    report('sql', e);
  }
}

/**
 * The SQL console's export: runs the current result's statement again in the engine and returns its WHOLE result
 * (not only the rows shown) as a CSV or parquet file named after the dataset; null when there is nothing to export
 * or it failed (the error goes to the console's error box).
 */
export async function exportQueryResult(format: 'csv' | 'parquet'): Promise<{ name: string; bytes: Uint8Array; rows: number } | null> {
  const s = get();
  const sql = s.queryResult?.sql;
  if (!sql || !s.summary || s.queryExport) return null;
  set({ queryExport: format, queryError: null });
  try {
    const api = labApi();
    if (!api.exportQuery) throw new LabError('This engine cannot export query results.', 'Copy the rows shown instead.');
    const r = await api.exportQuery(checkReadOnlySql(sql), format);
    clearLast('sql');
    return { name: exportFileName(s.summary.name, format), ...r };
  } catch (e) {
    report('sql', e);
    return null;
  } finally {
    set({ queryExport: null });
  }
}
