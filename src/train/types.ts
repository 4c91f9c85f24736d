/**
 * The records a run produces, shared by the runner, its checkpoints (run-key.ts), the worker protocol and the headless
 * runner: types only, so none of those files import each other for a type.
 */
import type { RunConfig } from '../core/run';
import type { EvalResult } from '../eval/evaluate';
import type { ChannelSpec, NamedWeight } from '../models/types';
import type { BackendChoice } from './backend';
import type { TrainHistory } from './loop';
import type { AlternativeEval } from './reevaluate';

export interface GroupRecord {
  index: number;
  label: string;
  /** first and last ISO date of each segment ('' when empty) */
  train: [string, string];
  valid: [string, string];
  test: [string, string];
  history: TrainHistory;
  /** model extras after training (coefficients, signs, ...) */
  extras?: Record<string, unknown>;
  /** final weights of this group's model (small models only; omitted above 1e6 parameters) */
  weights?: NamedWeight[];
  /** rolling protocol: ISO dates of the month-end cross-sections the model was trained on */
  samples?: string[];
  /** rolling protocol: the model started from the previous month's weights (config warmStart) */
  warmStarted?: boolean;
}

/** Deep Factor Model Table 4 accuracy at the month-end predictions of a rolling run (eval horizon, raw labels). */
export interface MonthEndMetrics {
  dates: number;
  ic: number;
  rankIc: number;
  mae: number;
  rmse: number;
  rows: number;
}

export interface HorizonMetrics {
  horizon: number;
  ic: number;
  rank_ic: number;
  icir: number;
  rank_icir: number;
  dates: number;
}

/** One output channel of a run (ModelSpec.channels), stitched over the test dates. */
export interface RunChannel {
  spec: ChannelSpec;
  /** [C, D, N]: C = H for a per-horizon channel, 1 for a per-date one; NaN = not in the cross-section */
  values: Float32Array;
}

export interface RunResult {
  run: RunConfig;
  model: { id: string; name: string; config: Record<string, number | string | boolean> };
  backend: BackendChoice | { backend: string; forced: boolean; reason: string; probes: [] };
  horizons: number[];
  /** the horizon the strategy / validation judge (strategy.horizon) */
  evalHorizon: number;
  tickers: string[];
  /** stitched out-of-sample dates (ISO) and their indices into the panel */
  testDates: string[];
  testIndex: Int32Array;
  /** [D, N] scores at evalHorizon on the test dates (NaN = not in the cross-section) */
  scores: Float32Array;
  /** [H, D, N] scores for every horizon head */
  scoresByHorizon: Float32Array;
  groups: GroupRecord[];
  /** per-horizon IC statistics on the test dates */
  horizonMetrics: HorizonMetrics[];
  /** the full evaluation of the evalHorizon scores (src/eval evaluate) */
  eval: EvalResult;
  /** rolling runs only: IC and MAE / RMSE over the month-end predictions (one cross-section per month) */
  monthEnd?: MonthEndMetrics;
  /**
   * the model's output channels besides the score (ModelSpec.channels), stitched over the test groups like
   * scoresByHorizon: values [H, D, N] (per horizon) or [1, D, N] (per date); NaN = not in the cross-section
   */
  channels: RunChannel[];
  /** every alternative score channel (kind 'score', e.g. DMFM's attention estimate f-hat) evaluated like `scores` */
  alternatives: AlternativeEval[];
  memory: { bytes: number; parts: Record<string, number> };
  timings: { prepare_ms: number; train_ms: number; predict_ms: number; eval_ms: number; total_ms: number; step_ms: number };
  warnings: string[];
  /** robustness runs (RunConfig.holdout): the held-out tickers (the only stocks evaluated) and the pool they came from */
  holdout?: { stocks: string[]; candidates: number };
}

/** One finished split group of a run: enough to put it back without training it again. */
export interface GroupCheckpoint {
  /** runKey(run) of the run that trained it */
  runKey: string;
  /** the group's index in the split plan (0-based) and its label, e.g. '2016H2' */
  groupIndex: number;
  label: string;
  /** groups in the run's split plan */
  total: number;
  /** first and last ISO date of the group's test segment */
  test: [string, string];
  record: GroupRecord;
  /** shape of `scores`: [H, Dg, N] */
  shape: [number, number, number];
  /** [H, Dg, N] the group's test scores (NaN = not in the cross-section) */
  scores: Float32Array;
  /** [C, Dg, N] the group's channels on its test dates (C = H per horizon, 1 per date) */
  channels?: Record<string, Float32Array>;
  /** rolling warm start only: the final weights when the record does not keep them (models above 1e6 parameters) */
  warmWeights?: NamedWeight[];
}
