/**
 * LabApi: the narrow interface the UI state needs from the engine (DuckDB + training worker).
 * The shipped app implements it in lab-api-worker.ts on top of src/train/client.ts; nothing else
 * in state/ or ui/ talks to the worker. Everything here is plain, structured-cloneable data.
 */
import type { DatasetSpec, PreprocessConfig, RunConfig, StrategyConfig } from '../core/run';
import type { RunExplanation } from '../train/protocol';
import type { GroupCheckpoint } from '../train/run-key';
import type { BundleManifest } from '../bundle/format';
import type { SignalSheet } from './signal-sheet';
import type { LoadStep } from '../train/dataset';

/** one step of a dataset load (read, cache, parquet, validate, factors, preprocess, save) with its state and ms */
export type { LoadStep } from '../train/dataset';

export type { RunExplanation, DateExplanation, Table5Row } from '../train/protocol';
/** one finished split group of a run (record + test scores), as the engine hands it out; see src/train/run-key.ts */
export type { GroupCheckpoint } from '../train/run-key';

/**
 * An alternative score of a run (a model's `score` output channel, e.g. DMFM's attention estimate f-hat_k = F a-bar_k)
 * evaluated with the same strategy, dates and engine as the model's own scores: an extra method in the results views.
 */
export interface AlternativeResult {
  /** channel name, e.g. 'fhat' */
  name: string;
  /** method id '<model>:<name>' (its colour is the model's, drawn dashed) */
  method: string;
  label: string;
  /** every metric (METRICS keys), as TrainResult.allMetrics */
  metrics: Record<string, number>;
  /** its series: cumExcess, nav, IC, ... */
  series: MethodSeries;
  /** the same alternative scores on every universe of the panel */
  universes?: UniverseResult[];
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPref = 'auto' | BackendName;
export const BACKEND_PREFS: readonly BackendPref[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The part of a run that shapes the panel built from a dataset. */
export interface DataPrep {
  universe: string;
  factors: string[];
  preprocessing: PreprocessConfig;
}

/** What the summary card, the Data panel and the SQL console need to know about a loaded dataset. */
export interface DatasetSummary {
  /** display name (file name, bundled id or 'synthetic') */
  name: string;
  kind: 'prices' | 'factors' | 'synthetic';
  /** first / last trading date (ISO) and number of trading days T */
  dates: { start: string; end: string; count: number };
  /** distinct stocks N */
  stocks: number;
  /** one entry per factor column F */
  factors: { name: string; group: string; description?: string }[];
  /** dynamic universes; always includes 'all'. avgMembers = mean members per date */
  universes: { name: string; description: string; avgMembers: number }[];
  /** bytes held by the panel's typed arrays */
  bytes: number;
  /** size of the source file, when there was one */
  fileBytes?: number;
  /**
   * average number of same-industry edges per stock per day: [T'] values over dates [T'] (every stock);
   * byUniverse: the same per universe (nodes = that universe's members), [T'] each; NaN = no members that day
   */
  edges: { dates: string[]; avgEdges: number[]; byUniverse?: { name: string; avgEdges: number[] }[] };
  /** share of stocks per industry (shares sum to 1), largest first; count = stocks, when known */
  industries: { name: string; share: number; count?: number }[];
  /** DMFM Figure 4: share of stocks per industry at each month end: share[m][k] (rows sum to 1) */
  industryProportion?: { dates: string[]; industries: string[]; share: number[][] };
  /** tables the SQL console can query (lazy: built from the panel on the first query that names it) */
  tables: { name: string; columns: string[]; rows: number; lazy?: boolean }[];
  /** caveats to show next to anything computed on this data (e.g. survivorship) */
  notes: string[];
  /** data problems found while loading (e.g. rows dropped), shown under the summary */
  warnings?: string[];
  /** [T] every trading date of the panel (ISO): the split timeline is planned on these */
  tradingDays?: string[];
  /** the panel's forward-return label horizons in trading days, e.g. [1, 5, 10, 20] */
  horizons?: number[];
  /** ms the engine took to load it (from the files, or from the panel cache) */
  loadMs?: number;
  /** the panel cache's part in the load (hit: the panel came from the browser's cache); absent = no cache */
  cache?: { hit: boolean; store: string; savedAt?: string; notice?: string; saving?: boolean };
}

export interface QueryResult {
  columns: string[];
  /** row-major cell values (numbers, strings, booleans, null; dates as ISO strings) */
  rows: unknown[][];
  /** true when the engine returned only the first rows */
  truncated?: boolean;
  totalRows?: number;
  /** what the engine did besides the result (e.g. 'factors table built from the panel: 812,000 rows in 1.9 s') */
  notes?: string[];
  /** the statement that produced it (the console's exports run it again, in full) */
  sql?: string;
}

/** One hyper-parameter of a model (mirrors src/models/registry.ts configSchema). */
export interface ConfigField {
  key: string;
  label: string;
  default: number | string | boolean;
  min?: number;
  max?: number;
  step?: number;
  help?: string;
  /** for string-valued fields: the allowed values */
  options?: string[];
}

export interface ModelInfo {
  id: string;
  label: string;
  description?: string;
  configSchema: ConfigField[];
}

export interface TrainProgress {
  phase: 'preparing' | 'training' | 'evaluating' | 'done';
  /** what is happening right now, e.g. 'building panel', 'walk-forward group 2/3' */
  message?: string;
  /** the backend actually in use */
  backend?: BackendName;
  /** 1-based epoch and its total */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch and steps per epoch */
  step: number;
  steps: number;
  /** 1-based walk-forward / rolling group, if the split has several */
  group?: number;
  groups?: number;
  /** overall progress in [0, 1] */
  fraction: number;
  /** a resumed run: the fraction its checkpoint already held (the ETA extrapolates from the progress since) */
  startFraction?: number;
  elapsedMs: number;
  /** the estimate of the time left (src/state/eta.ts: measured step times x work left; else the UI extrapolates) */
  etaMs?: number;
  /** the estimate may be far off (few steps measured, or early stopping may end groups sooner); etaWhy says why */
  etaRough?: boolean;
  etaWhy?: string;
  /** latest training loss (smoothed over the last steps) */
  loss?: number;
  /** set once per epoch, after the validation pass */
  validLoss?: number;
  validIC?: number;
  /** what validIC measures, e.g. 'rank IC' (default 'IC') */
  validMetric?: string;
}

export interface MetricColumn {
  key: string;
  label: string;
  /** as src/eval/metrics.ts METRICS: 'pct' values are fractions shown x100 */
  format: 'pct' | 'ratio' | 'count' | 'number';
  /** the metric's definition (column tooltip) */
  help?: string;
  better?: 'higher' | 'lower' | 'none';
}

export interface MetricsTable {
  columns: MetricColumn[];
  rows: { method: string; label: string; values: Record<string, number> }[];
}

/** Per-method series over the test period of one run. */
export interface MethodSeries {
  /** method id: a model id ('mlp'), a baseline ('ew') */
  method: string;
  label: string;
  /**
   * set by the results views (state/views.ts methodViews): 1, 2, ... for the second, third, ... entry of the same model
   * on a chart (e.g. factorvae-prior next to FactorVAE): same colour, dashed / dash-dot line (ui/colors.ts methodLineType)
   */
  variant?: number;
  /** [D] holding days (ISO) of the backtest */
  dates: string[];
  /** [D] cumulative portfolio return, 0 = start */
  cumReturn: number[];
  /** [D] cumulative excess return over the benchmark */
  cumExcess: number[];
  /** [E] evaluation (formation) dates of the IC series */
  icDates: string[];
  /** [E] per-date cross-sectional IC of the score against the label; NaN where undefined */
  ic: number[];
  /** [E] per-date rank IC */
  rankIc?: number[];
  /** [D] net value prod(1 + r) of the portfolio (1 = start) and of its benchmark */
  nav?: number[];
  benchNav?: number[];
  /** [D] underwater curve of the compounded excess return: 1 - V_t / max V (>= 0) */
  drawdown?: number[];
  /** monthly mean IC heat map: years [Y] and [Y, 12] row-major means (NaN = no date in that month) */
  monthly?: { years: number[]; ic: number[]; rankIc: number[] };
  /** score quantile groups: [G] mean forward return (over `horizon` days) per group, 1 = lowest score; monotonicity = Spearman(group, mean) */
  quantiles?: { groups: number; horizon: number; mean: number[]; monotonicity: number };
  /** [R] rebalance dates with one-way turnover and holdings after the trade */
  rebalances?: { dates: string[]; turnover: number[]; holdings: number[] };
  /** the signal tear sheet (IC decay, IC by industry, quantile curves, rank autocorrelation, distribution, book) */
  signal?: SignalSheet;
}

/** The same scores evaluated on one universe of the panel. */
export interface UniverseResult {
  universe: string;
  description?: string;
  /** every metric of src/eval/metrics.ts METRICS, by key */
  values: Record<string, number>;
  /** evaluation dates with an IC (0 = nothing of this universe was scored) */
  icDates: number;
}

/** One walk-forward / rolling group of the run as trained (ISO first and last date per segment, '' = empty). */
export interface GroupSpan {
  label: string;
  train: [string, string];
  valid: [string, string];
  test: [string, string];
}

export interface TrainResult {
  model: string;
  label: string;
  backend: BackendName;
  /** why that backend, and for wasm which build and threads (e.g. 'fastest on the probe ...; wasm: SIMD, 1 thread ...') */
  backendReason?: string;
  run: RunConfig;
  elapsedMs: number;
  metrics: MetricsTable;
  series: MethodSeries[];
  /** [D] cumulative benchmark return over its holding days */
  benchmark: { label: string; dates: string[]; cumReturn: number[] };
  /** every metric (METRICS keys) on the run's universe */
  allMetrics?: Record<string, number>;
  /** the same scores on every universe of the panel (the results table's universe columns) */
  universes?: UniverseResult[];
  /** the strategy the numbers were computed with, with the engine's defaults filled in */
  strategy?: Required<Pick<StrategyConfig, 'kind' | 'groups' | 'rebalance' | 'k' | 'n' | 'eta' | 'cap' | 'horizon'>> & {
    openCost: number;
    closeCost: number;
  };
  /**
   * the stored out-of-sample scores and the model's output channels (sigma, weight, alternative scores), so a strategy
   * change can be re-evaluated without training
   */
  scores?: { scoresByHorizon: Float32Array; testIndex: Int32Array; horizons: number[]; channels?: Record<string, Float32Array> };
  /** split groups as trained */
  groups?: GroupSpan[];
  /** engine notes (split adjustments, strategy caveats) */
  warnings?: string[];
  /** panel tickers (index = DateExplanation.stocks entries) */
  tickers?: string[];
  /** LRP explanation of the test month-ends (DFM, MLP, linear) */
  explanation?: RunExplanation;
  /** why there is no (or a partial) explanation */
  explainNote?: string;
  /** each split group's model extras (attention maps, coefficients, ...), read by the model's own views */
  groupExtras?: { label: string; extras: Record<string, unknown> }[];
  /** the model's alternative scores evaluated like its own (extra methods in the results views) */
  alternatives?: AlternativeResult[];
  /** the run key of the run bundle this result was opened from (its grids re-evaluate it); absent = trained here */
  bundle?: string;
  /**
   * the label the opened bundle stores this result under (its metrics.json key; the runner's default is the model id)
   * when `label` shows another name (method-labels.ts); Save run writes this one back, so the bundle is not renamed
   */
  bundleLabel?: string;
  /** a robustness run (RunConfig.holdout, FactorVAE Table 2): the held-out tickers it was evaluated on, and of how many */
  holdout?: { stocks: string[]; candidates: number };
}

export interface TrainOptions {
  backend: BackendPref;
  /** groups an earlier, stopped run of the same runKey finished: copied in, not trained again */
  resume?: GroupCheckpoint[];
  /** after each trained split group: its checkpoint (kept so a stopped run can resume) */
  onGroupDone?: (cp: GroupCheckpoint) => void;
}

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** e.g. 'SwiftShader fallback adapter (slow)' */
  note?: string;
}

/** A user benchmark series kept by the engine (src/data/benchmark.ts): rows = daily returns, first / last ISO date. */
export interface BenchmarkInfo {
  name: string;
  rows: number;
  first: string;
  last: string;
}

export interface LabApi {
  /** Load (or re-prepare) a dataset; fileBytes carries a user file (kind 'file'). Rejects with LabError. */
  /** `onSteps`: the load's steps as they change (the Data panel lists them) */
  loadDataset(spec: DatasetSpec, prep: DataPrep, fileBytes?: ArrayBuffer, onSteps?: (steps: LoadStep[]) => void): Promise<DatasetSummary>;
  /**
   * Wait for the panel cache save a cold load left running after its summary came back (summary.cache.saving):
   * how it ended (ms, what was written, or a notice why not), null when none was pending. Optional: engines without
   * a background save leave it out.
   */
  cacheSaved?(): Promise<{ saved: boolean; ms: number; detail: string; notice?: string } | null>;
  /** Run one read-only SQL statement over the loaded tables. */
  query(sql: string): Promise<QueryResult>;
  /** Train and evaluate a run; rejects with an AbortError-named error when signal aborts. */
  train(run: RunConfig, onProgress: (p: TrainProgress) => void, signal: AbortSignal, opts: TrainOptions): Promise<TrainResult>;
  /** Pause / resume the current training run (no-op when none). */
  setPaused(paused: boolean): void;
  /** Models from the registry with their hyper-parameter schema. */
  listModels(): Promise<ModelInfo[]>;
  /** Which backends this browser offers (optional: the selector still works without it). */
  probeBackends?(): Promise<BackendInfo[]>;
  /**
   * Start the engine ahead of the first request (the worker's scripts load while the user reads the page), so the first
   * "Load dataset" does not wait for them. Optional; idempotent.
   */
  warmUp?(): void;
  /**
   * Evaluate a finished result's stored scores again with `run.strategy` (no training); returns the result with its
   * metrics, series and universes replaced and `run.strategy` set. Optional: without it the UI asks to retrain.
   */
  evaluate?(result: TrainResult, run: RunConfig): Promise<TrainResult>;
  /**
   * Parse a benchmark parquet file (date + return | close) and keep it: later trainings and evaluations measure excess,
   * alpha and IR against it instead of the equal-weighted universe. Rejects with a LabError for a bad file. Optional.
   */
  loadBenchmark?(fileBytes: ArrayBuffer, name: string): Promise<BenchmarkInfo>;
  /** Forget the benchmark: back to the equal-weighted universe. */
  clearBenchmark?(): Promise<void>;
  /** Write a run bundle (src/bundle) of finished results; `notes`: the author's Markdown notes. Optional. */
  saveRun?(results: TrainResult[], name: string, notes?: string[]): Promise<Uint8Array>;
  /** Validate and open a run bundle: its results, ready for every results and explain view. Rejects with a BundleError. */
  openRun?(bytes: ArrayBuffer | Uint8Array): Promise<OpenedRunInfo>;
  /** Run one read-only SQL statement and return its whole result as a CSV or parquet file. Optional. */
  exportQuery?(sql: string, format: 'csv' | 'parquet'): Promise<{ bytes: Uint8Array; rows: number }>;
}

/** A run bundle opened in the engine. */
export interface OpenedRunInfo {
  manifest: BundleManifest;
  metrics: Record<string, unknown>;
  results: TrainResult[];
  /** size of the bundle file in bytes */
  bytes: number;
}

/** True when an error means "the user cancelled", not a failure. */
export const isAbortError = (e: unknown): boolean => e instanceof Error && (e.name === 'AbortError' || e.name === 'CancelledError');
