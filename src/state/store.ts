/**
 * One bound zustand store built from slices (zustand docs: slices-pattern). Slices hold data and
 * small synchronous setters; async flows (loading, training, SQL) are module-level actions in
 * actions.ts that worker callbacks call (zustand docs: practice-with-no-store-actions).
 */
import { create, type StateCreator } from 'zustand';
import { defaultCompare, defaultRun, type DatasetSpec, type RunConfig, type SplitConfig } from '../core/run';
import type {
  BackendInfo,
  BackendName,
  BackendPref,
  BenchmarkInfo,
  DataPrep,
  DatasetSummary,
  ModelInfo,
  QueryResult,
  TrainProgress,
  TrainResult,
} from './lab-api';
import type { SavedCheckpoint } from './checkpoints';
import type { LoadStep } from './lab-api';

/** An error as the UI shows it: message + hint in a red box next to where it happened. */
export interface ErrorInfo {
  where: 'data' | 'model' | 'train' | 'results' | 'sql' | 'app';
  name: string;
  message: string;
  hint?: string;
  /** Date.now() when it happened */
  at: number;
}

export interface DataSlice {
  /** 'ready' means `summary` holds a loaded dataset; a failed load keeps the previous one */
  dataStatus: 'empty' | 'loading' | 'ready';
  /** what the loader is doing right now (shown next to the spinner) */
  dataActivity: string | null;
  /** the steps of the current (or last) load with their state and ms (null before any load) */
  dataSteps: LoadStep[] | null;
  summary: DatasetSummary | null;
  /** spec and prep the current summary was built with */
  loadedSpec: DatasetSpec | null;
  loadedPrep: DataPrep | null;
  dataError: ErrorInfo | null;
  /**
   * a load of another dataset that would discard trained results, waiting for the user's answer (Data panel:
   * "Discard and load" / "Keep results"); null when none is waiting
   */
  pendingLoad: { spec: DatasetSpec; file?: File; results: string[] } | null;
}

export interface RunSlice {
  run: RunConfig;
  models: ModelInfo[];
  modelsStatus: 'loading' | 'ready' | 'error';
  modelsError: ErrorInfo | null;
  /** settings in the link that could not be used */
  urlWarnings: string[];
  /** each split kind's own settings, kept while another kind is chosen (switching back restores them) */
  splitByKind: Partial<Record<SplitConfig['kind'], SplitConfig>>;
  setRun: (update: (r: RunConfig) => RunConfig) => void;
}

export interface LossPoint {
  /**
   * position in epochs, counted across walk-forward groups: a group starts where the previous one stopped (an early
   * stop leaves no empty slot), so the axis is the cumulative number of epochs trained
   */
  x: number;
  loss: number;
  /** 1-based split group (absent for a single-group run): the loss chart draws each group as its own segment */
  group?: number;
}
export interface ValidPoint {
  x: number;
  group?: number;
  loss?: number;
  ic?: number;
}

export interface TrainingSlice {
  trainStatus: 'idle' | 'running' | 'paused' | 'cancelling' | 'done' | 'cancelled' | 'error';
  progress: TrainProgress | null;
  lossCurve: LossPoint[];
  validCurve: ValidPoint[];
  backendPref: BackendPref;
  /** set when ?backend= forced the choice */
  backendForced: boolean;
  /** what the engine reports it is using (after the first progress message) */
  backendInUse: BackendName | null;
  /** why the engine uses it (backend choice and wasm build), from the last finished training */
  backendReason: string | null;
  backends: BackendInfo[];
  trainError: ErrorInfo | null;
  /** the run being trained (frozen at Train) */
  trainingRun: RunConfig | null;
  /** "Compare methods": the model ids trained one after another on the same data and split, and the current one */
  queue: { ids: string[]; index: number; finished: string[]; labels?: string[] } | null;
  /** models ticked for "Compare methods" */
  compareIds: string[];
  setCompareIds: (ids: string[]) => void;
  /** "Compare methods" over seeds (FactorVAE Table 1): each ticked model once per seed; [] = the run's one seed */
  seeds: number[];
  setSeeds: (seeds: number[]) => void;
  /**
   * split groups finished by the run in progress or by the last stopped one (also saved in IndexedDB, so a reload
   * keeps them): "Resume" trains only the remaining groups; cleared when a run finishes
   */
  checkpoint: SavedCheckpoint | null;
  /** hyper-parameters a run preset set per model id: used by "Compare methods" and when that model is chosen */
  presetConfigs: Record<string, Record<string, number | string | boolean>>;
  /** the run preset applied last (null = none); later edits keep it (the chip says "from preset") */
  presetId: string | null;
}

/** Column sets of the results table: the lab's overview or one of the papers' tables (src/eval/table.ts TABLE_PRESETS). */
export type TablePreset = 'lab' | 'paper-dmfm' | 'paper-e2eai' | 'paper-factorvae' | 'paper-dfm';

export interface ResultsSlice {
  /** latest result per model on the loaded dataset, in the order they finished */
  results: TrainResult[];
  /** trailing window (trading days) of the IC rolling mean */
  icWindow: number;
  /** 'excess': cumulative excess return; 'absolute': net value of each method with the benchmark */
  cumMode: 'excess' | 'absolute';
  /** which correlation the IC chart and the monthly heat map show */
  icKind: 'ic' | 'rankIc';
  tablePreset: TablePreset;
  /** universes as column groups (the papers' layout), as row blocks, or 'auto' (columns while they fit at 1280 px) */
  tableLayout: 'auto' | 'columns' | 'rows';
  /** universes hidden from the results table (all shown by default) */
  hiddenUniverses: string[];
  /** entry shown in the monthly IC heat map, by display label (state/entries.ts; null = the latest result) */
  heatMethod: string | null;
  /** a strategy re-evaluation of the stored scores is running */
  reevalStatus: 'idle' | 'running';
  /** a failed re-evaluation or export */
  resultsError: ErrorInfo | null;
  /** the user's benchmark series the engine keeps (null = equal-weighted universe); survives dataset loads */
  benchmark: BenchmarkInfo | null;
  /** a benchmark file is being read */
  benchmarkStatus: 'idle' | 'loading';
  setIcWindow: (w: number) => void;
  setCumMode: (m: 'excess' | 'absolute') => void;
  setIcKind: (k: 'ic' | 'rankIc') => void;
  setTablePreset: (p: TablePreset) => void;
  setTableLayout: (l: 'auto' | 'columns' | 'rows') => void;
  toggleUniverse: (u: string) => void;
  setHeatMethod: (m: string | null) => void;
}

export interface SqlSlice {
  sql: string;
  queryStatus: 'idle' | 'running';
  queryResult: QueryResult | null;
  queryMs: number | null;
  queryError: ErrorInfo | null;
  setSql: (sql: string) => void;
  /** what the running query does first, e.g. 'Building the factors table…' (null = nothing to say) */
  queryActivity?: string | null;
  /** the export of the current result being written ('csv' | 'parquet'), null when none */
  queryExport?: 'csv' | 'parquet' | null;
}

export interface AppSlice {
  /** the most recent error anywhere (for the test API and the header) */
  lastError: ErrorInfo | null;
}

export type LabState = DataSlice & RunSlice & TrainingSlice & ResultsSlice & SqlSlice & AppSlice;

const createDataSlice: StateCreator<LabState, [], [], DataSlice> = () => ({
  dataStatus: 'empty',
  dataActivity: null,
  dataSteps: null,
  summary: null,
  loadedSpec: null,
  loadedPrep: null,
  dataError: null,
  pendingLoad: null,
});

const createRunSlice: StateCreator<LabState, [], [], RunSlice> = (set) => ({
  run: structuredClone(defaultRun),
  models: [],
  modelsStatus: 'loading',
  modelsError: null,
  urlWarnings: [],
  splitByKind: {},
  setRun: (update) => set((s) => ({ run: update(s.run) })),
});

const createTrainingSlice: StateCreator<LabState, [], [], TrainingSlice> = (set) => ({
  trainStatus: 'idle',
  progress: null,
  lossCurve: [],
  validCurve: [],
  backendPref: 'auto',
  backendForced: false,
  backendInUse: null,
  backendReason: null,
  backends: [],
  trainError: null,
  trainingRun: null,
  queue: null,
  compareIds: defaultCompare.slice(),
  setCompareIds: (compareIds) => set({ compareIds }),
  seeds: [],
  setSeeds: (seeds) => set({ seeds }),
  checkpoint: null,
  presetConfigs: {},
  presetId: null,
});

const createResultsSlice: StateCreator<LabState, [], [], ResultsSlice> = (set) => ({
  results: [],
  icWindow: 60,
  cumMode: 'excess',
  icKind: 'ic',
  tablePreset: 'paper-dmfm',
  tableLayout: 'auto',
  hiddenUniverses: [],
  heatMethod: null,
  reevalStatus: 'idle',
  resultsError: null,
  benchmark: null,
  benchmarkStatus: 'idle',
  setIcWindow: (icWindow) => set({ icWindow }),
  setCumMode: (cumMode) => set({ cumMode }),
  setIcKind: (icKind) => set({ icKind }),
  setTablePreset: (tablePreset) => set({ tablePreset }),
  setTableLayout: (tableLayout) => set({ tableLayout }),
  toggleUniverse: (u) =>
    set((s) => ({ hiddenUniverses: s.hiddenUniverses.includes(u) ? s.hiddenUniverses.filter((x) => x !== u) : [...s.hiddenUniverses, u] })),
  setHeatMethod: (heatMethod) => set({ heatMethod }),
});

export const DEFAULT_SQL = 'SELECT * FROM prices LIMIT 20';

const createSqlSlice: StateCreator<LabState, [], [], SqlSlice> = (set) => ({
  sql: DEFAULT_SQL,
  queryStatus: 'idle',
  queryResult: null,
  queryMs: null,
  queryError: null,
  setSql: (sql) => set({ sql }),
});

const createAppSlice: StateCreator<LabState, [], [], AppSlice> = () => ({ lastError: null });

/** The bound store: `useLab(selector)` in components, `useLab.getState()/setState()` in actions. */
export const useLab = create<LabState>()((...a) => ({
  ...createDataSlice(...a),
  ...createRunSlice(...a),
  ...createTrainingSlice(...a),
  ...createResultsSlice(...a),
  ...createSqlSlice(...a),
  ...createAppSlice(...a),
}));
