/**
 * The ONLY message types between the UI thread and the lab worker (which hosts both the data layer, DuckDB-WASM
 * blocking build, and training). Modelled on duckdb-wasm's worker_request.ts: string-enum types, a
 * discriminated union, a request id on every reply, errors as plain {name, message, hint, stack}, large
 * buffers transferred rather than copied. UI code never posts these itself: it calls src/train/client.ts.
 */
import type { SerializedError } from '../core/errors';
import type { DatasetSpec, PreprocessConfig, RunConfig } from '../core/run';
import type { BackendChoice, BackendName } from './backend';
import type { TrainProgress } from './loop';
import type { SeededStepResult } from './parity';
import type { RunResult } from './runner';
import type { GroupCheckpoint } from './run-key';
import type { EvalResult } from '../eval/evaluate';
import type { AlternativeEval, UniverseMetrics } from './reevaluate';
import type { RunExplanation } from '../explain/run';
import type { BundleManifest } from '../bundle/format';
import type { CacheSaveOutcome, LoadedDataset, LoadProgress } from './dataset';

export type { RunExplanation, DateExplanation, Table5Row } from '../explain/run';

export enum RequestType {
  /** select / force the tfjs backend now (otherwise done at the first train) */
  INIT_BACKEND = 'INIT_BACKEND',
  LOAD_DATASET = 'LOAD_DATASET',
  QUERY = 'QUERY',
  TRAIN = 'TRAIN',
  CANCEL = 'CANCEL',
  PAUSE = 'PAUSE',
  RESUME = 'RESUME',
  /** one seeded training step on a backend (browser parity checks) */
  SEEDED_STEP = 'SEEDED_STEP',
  /** evaluate a finished run's scores again (another strategy, every universe) on the loaded panel; no training */
  EVALUATE = 'EVALUATE',
  /** parse and keep a user benchmark series (parquet bytes): later evaluations measure excess against it */
  LOAD_BENCHMARK = 'LOAD_BENCHMARK',
  /** forget the user benchmark: back to the default (equal-weighted universe) */
  CLEAR_BENCHMARK = 'CLEAR_BENCHMARK',
  /** write a run bundle (src/bundle) of finished results with the loaded panel's grids (or an opened bundle's) */
  SAVE_BUNDLE = 'SAVE_BUNDLE',
  /** validate and open a run bundle; the worker keeps its grids (by run key) for EVALUATE and SAVE_BUNDLE */
  OPEN_BUNDLE = 'OPEN_BUNDLE',
  /** run a read-only query and return its whole result as a CSV or parquet file (the SQL console's export) */
  EXPORT_QUERY = 'EXPORT_QUERY',
  /** wait for the panel cache save the last load left running in the background (CACHE_SAVED; null: none ran) */
  CACHE_SAVED = 'CACHE_SAVED',
}

export enum ReplyType {
  OK = 'OK',
  ERROR = 'ERROR',
  BACKEND = 'BACKEND',
  DATASET = 'DATASET',
  QUERY_RESULT = 'QUERY_RESULT',
  PROGRESS = 'PROGRESS',
  /** one split group of a TRAIN finished: its checkpoint (resumable; scores transferred) */
  GROUP_DONE = 'GROUP_DONE',
  TRAIN_RESULT = 'TRAIN_RESULT',
  SEEDED_STEP_RESULT = 'SEEDED_STEP_RESULT',
  EVAL_RESULT = 'EVAL_RESULT',
  BENCHMARK = 'BENCHMARK',
  /** SAVE_BUNDLE: the bundle's bytes (transferred) */
  BUNDLE = 'BUNDLE',
  /** OPEN_BUNDLE: the run as the bundle holds it */
  BUNDLE_OPENED = 'BUNDLE_OPENED',
  /** EXPORT_QUERY: the file's bytes (transferred) and the result's row count */
  EXPORT_RESULT = 'EXPORT_RESULT',
  /** CACHE_SAVED: how the background panel cache save ended (null: no save was pending) */
  CACHE_SAVED = 'CACHE_SAVED',
}

/** A run bundle as the worker opened it (OPEN_BUNDLE): its manifest, metrics.json and each method's result. */
export interface OpenedRun {
  manifest: BundleManifest;
  metrics: Record<string, unknown>;
  methods: { label: string; output: TrainOutput }[];
  /** size of the bundle file in bytes */
  bytes: number;
}

/** A training result as the worker sends it: the run's result plus its scores evaluated on every universe. */
export type TrainOutput = RunResult & {
  universes?: UniverseMetrics[];
  /** LRP (or gradient x input) explanation of the test month-ends (explainable models only) */
  explanation?: RunExplanation;
  /** why there is no explanation (model not explainable, no weights, error) */
  explainNote?: string;
};

/**
 * Reply to EVALUATE: the evaluation on the run's universe, the headline metrics on every universe, and each
 * alternative score channel the request carried evaluated the same way.
 */
export interface EvalOutput {
  eval: EvalResult;
  universes: UniverseMetrics[];
  alternatives: AlternativeEval[];
}

/** What the UI shows after a dataset loads (+ the DMFM Figure 3 / 4 series for charts). */
export interface DatasetSummary {
  name: string;
  kind: 'prices' | 'factors' | 'synthetic';
  T: number;
  N: number;
  F: number;
  start: string;
  end: string;
  factorNames: string[];
  factorGroups: string[];
  industryNames: string[];
  horizons: number[];
  universes: { name: string; description: string; meanMembers: number }[];
  /** valid stocks per date: min / median / max */
  stocksPerDate: { min: number; median: number; max: number };
  /** MB held by the panel's typed arrays */
  mb: number;
  notes: string[];
  warnings: string[];
  /**
   * DMFM Fig. 3: average number of same-industry edges per stock, per date. values [T] on every valid stock
   * ('all'); byUniverse: one [T] series per panel universe (panel order, 'all' included), nodes = members AND
   * valid; NaN on dates without members.
   */
  edgesPerStock: { dates: string[]; values: Float32Array; byUniverse: { name: string; values: Float32Array }[] };
  /** DMFM Fig. 4: industry shares at month ends [M, K] (row-major; K = industries.length) */
  industryProportion: { dates: string[]; industries: string[]; share: Float32Array };
  /** ms to load (decode, validate, factors, panel) */
  load_ms: number;
  /** ms per step of that load (parquet, validate, market, stocks, factors, preprocess, ...), when known */
  load_steps?: Record<string, number>;
  /** tables the SQL console can query: the file's, and `factors` (+ `prices` for a synthetic market) built lazily */
  tables: { name: string; columns: string[]; rows: number; lazy?: boolean }[];
  /** the panel cache's part in the load (hit: the panel came from the browser's cache) */
  cache?: LoadedDataset['cache'];
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  /** at most the first 1000 rows; values are numbers, strings, booleans or null (dates as ISO strings) */
  rows: unknown[][];
  totalRows: number;
  truncated: boolean;
  /** what the query did besides its result, e.g. building the factors table on first use */
  notes?: string[];
}

/** Reply to LOAD_BENCHMARK: the kept series in brief (rows = daily returns; first / last ISO dates). */
export interface BenchmarkSummary {
  name: string;
  rows: number;
  first: string;
  last: string;
}

/** `baseUrl`: the page's base URL (document.baseURI), so the worker finds bundled data under any sub-path. */
interface Req<T extends RequestType> {
  type: T;
  requestId: number;
}

export type WorkerRequest =
  | (Req<RequestType.INIT_BACKEND> & { backend?: BackendName | 'auto' })
  | (Req<RequestType.LOAD_DATASET> & {
      spec: DatasetSpec;
      prep: PreprocessConfig;
      bytes?: ArrayBuffer;
      sectorsBytes?: ArrayBuffer;
      baseUrl?: string;
    })
  | (Req<RequestType.QUERY> & { sql: string })
  /** resume: groups finished by an earlier run of the same runKey (copied in, not trained again) */
  | (Req<RequestType.TRAIN> & { run: RunConfig; baseUrl?: string; resume?: GroupCheckpoint[] })
  | (Req<RequestType.CANCEL> & { target: number })
  | (Req<RequestType.PAUSE> & { target: number })
  | (Req<RequestType.RESUME> & { target: number })
  | (Req<RequestType.SEEDED_STEP> & { backend: BackendName })
  /**
   * scoresByHorizon [H, D, N] on the panel dates testIndex [D]; run gives dataset / preprocessing / universe / strategy;
   * channels: the model's output channels on the same dates by name ([H, D, N] or [1, D, N]; RunResult.channels): sigma
   * and weight feed the strategy, alternative scores are evaluated the same way
   */
  | (Req<RequestType.EVALUATE> & {
      run: RunConfig;
      scoresByHorizon: Float32Array;
      testIndex: Int32Array;
      horizons: number[];
      channels?: Record<string, Float32Array>;
      /** the run key of an opened bundle: evaluate on its grids (testIndex still counts the bundle's panel dates) */
      bundle?: string;
    })
  | (Req<RequestType.LOAD_BENCHMARK> & { bytes: ArrayBuffer; name: string })
  | Req<RequestType.CLEAR_BENCHMARK>
  /** methods: finished results by label; bundle: the run key of the opened bundle they came from (its grids are used) */
  | (Req<RequestType.SAVE_BUNDLE> & { name: string; methods: { label: string; output: TrainOutput }[]; bundle?: string; notes?: string[] })
  | (Req<RequestType.OPEN_BUNDLE> & { bytes: ArrayBuffer })
  | (Req<RequestType.EXPORT_QUERY> & { sql: string; format: 'csv' | 'parquet' })
  | Req<RequestType.CACHE_SAVED>;

interface Rep<T extends ReplyType> {
  type: T;
  requestId: number;
}

export type WorkerReply =
  | Rep<ReplyType.OK>
  | (Rep<ReplyType.ERROR> & { error: SerializedError })
  | (Rep<ReplyType.BACKEND> & { choice: BackendChoice })
  | (Rep<ReplyType.DATASET> & { summary: DatasetSummary })
  | (Rep<ReplyType.QUERY_RESULT> & { result: QueryResult })
  | (Rep<ReplyType.PROGRESS> & { progress: TrainProgress })
  /** LOAD_DATASET (or a load a TRAIN starts): the load's steps so far */
  | (Rep<ReplyType.PROGRESS> & { load: LoadProgress })
  | (Rep<ReplyType.GROUP_DONE> & { checkpoint: GroupCheckpoint })
  | (Rep<ReplyType.TRAIN_RESULT> & { result: TrainOutput })
  | (Rep<ReplyType.SEEDED_STEP_RESULT> & { result: SeededStepResult })
  | (Rep<ReplyType.EVAL_RESULT> & { result: EvalOutput })
  | (Rep<ReplyType.BENCHMARK> & { summary: BenchmarkSummary })
  | (Rep<ReplyType.BUNDLE> & { bytes: ArrayBuffer })
  | (Rep<ReplyType.BUNDLE_OPENED> & { run: OpenedRun })
  | (Rep<ReplyType.EXPORT_RESULT> & { bytes: ArrayBuffer; rows: number })
  | (Rep<ReplyType.CACHE_SAVED> & { outcome: CacheSaveOutcome | null });

/** Distributes Omit over a union (so each request variant keeps its own fields). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<WorkerRequest, 'requestId'>;

/**
 * The ArrayBuffers of every typed array reachable from `value` that owns its whole buffer (so transferring it
 * detaches nothing else), minus `exclude` (e.g. the worker's own panel arrays). Deduplicated.
 */
export function transferables(value: unknown, exclude: Set<ArrayBufferLike> = new Set()): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number) => {
    if (v === null || typeof v !== 'object' || depth > 12 || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength && !exclude.has(b)) out.add(b);
      return;
    }
    if (v instanceof ArrayBuffer) {
      if (!exclude.has(v)) out.add(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...out];
}
