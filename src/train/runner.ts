/**
 * One run, end to end, on a loaded Panel: split plan -> per group (build, fit/train with early stopping,
 * predict the test segment) -> stitched out-of-sample scores -> evaluate. The same function serves the
 * worker (browser) and scripts/experiment.ts (Node): the run is plain data (RunConfig), nothing else.
 */
import type { Panel } from '../core/panel';
import type { RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { getModel } from '../models/registry';
import { resolveConfig } from '../models/common';
import type { NamedWeight } from '../models/types';
import { makeSplits, stitchedTestMask, type SplitPlan } from '../data/splits';
import { evaluate, type EvalResult } from '../eval/evaluate';
import { icSeries } from '../eval/ic';
import { maeRmse, seriesStats } from '../eval/metrics';
import type { BackendChoice } from './backend';
import { prepareData, type Prepared } from './data';
import { checkMemory, estimateMemory, extrasInput, predict, preparedBytes, trainModel, trainOptionsFrom, type TrainHistory, type TrainHooks } from './loop';
import { tf } from './tf';

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
export interface MonthEndMetrics { dates: number; ic: number; rankIc: number; mae: number; rmse: number; rows: number }

export interface HorizonMetrics { horizon: number; ic: number; rank_ic: number; icir: number; rank_icir: number; dates: number }

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
  memory: { bytes: number; parts: Record<string, number> };
  timings: { prepare_ms: number; train_ms: number; predict_ms: number; eval_ms: number; total_ms: number; step_ms: number };
  warnings: string[];
}

export interface RunOptions extends TrainHooks {
  /** backend already selected for this run (recorded in the result) */
  backend?: RunResult['backend'];
  /** refuse runs whose estimated memory exceeds this (default 2 GiB) */
  memoryLimitBytes?: number;
  /** a precomputed split plan (default makeSplits(panel.dates, run.split, panel.horizons)) */
  plan?: SplitPlan;
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
const span = (dates: string[], a: number, b: number): [string, string] => (b > a ? [dates[a], dates[b - 1]] : ['', '']);

/** IC / rank IC / ICIR per horizon of scores [H, D, N] vs Panel.fwd on the test dates (src/eval icSeries). */
export function horizonMetrics(d: Prepared, scoresByHorizon: Float32Array, testIndex: Int32Array): HorizonMetrics[] {
  const D = testIndex.length, { N, T } = d;
  const at = Int32Array.from({ length: D }, (_, i) => i);
  return d.horizons.map((k, h) => {
    const lab = new Float32Array(D * N);
    for (let j = 0; j < D; j++) lab.set(d.fwd.subarray((h * T + testIndex[j]) * N, (h * T + testIndex[j] + 1) * N), j * N);
    const s = icSeries(scoresByHorizon.subarray(h * D * N, (h + 1) * D * N), lab, N, at);
    const a = seriesStats(s.ic), r = seriesStats(s.rankIc);
    return { horizon: k, ic: a.mean, rank_ic: r.mean, icir: a.std > 0 ? a.mean / a.std : NaN, rank_icir: r.std > 0 ? r.mean / r.std : NaN, dates: a.n };
  });
}

/** IC / rank IC (mean over months) and pooled MAE / RMSE of scores [T, N] vs the raw label at the month-end dates `at`. */
export function monthEndMetrics(d: Prepared, scores: Float32Array, at: number[], h: number): MonthEndMetrics {
  const { N, T } = d;
  const lab = d.fwd.subarray(h * T * N, (h + 1) * T * N); // [T, N] raw forward return
  const s = icSeries(scores, lab, N, at, d.mask);
  const rows = new Uint8Array(T * N);
  for (const t of at) for (let n = 0; n < N; n++) rows[t * N + n] = d.mask[t * N + n];
  const e = maeRmse(scores, lab, rows);
  return { dates: at.length, ic: seriesStats(s.ic).mean, rankIc: seriesStats(s.rankIc).mean, mae: e.mae, rmse: e.rmse, rows: e.n };
}

/** Run `run` on `panel`: train/fit per split group, predict the test segments, evaluate. */
export async function runOnPanel(panel: Panel, run: RunConfig, o: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const spec = getModel(run.model);
  const config = resolveConfig(spec.configSchema, run.config ?? {}, spec.id);
  const horizons = panel.horizons;
  const evalHorizon = run.strategy.horizon ?? horizons[horizons.length - 1];
  const hEval = horizons.indexOf(evalHorizon);
  if (hEval < 0) throw new LabError(`Run: the strategy horizon ${evalHorizon} is not one of the panel's label horizons [${horizons.join(', ')}].`, 'Pick one of those horizons in the strategy settings.');

  // a model config `target: 'raw'` trains on the (winsorised) forward return itself instead of its per-date z-score
  const rawTarget = config.target === 'raw';
  const d = prepareData(panel, { universe: run.universe, factors: run.factors, target: rawTarget ? 'raw' : 'zscore' });
  const plan = o.plan ?? makeSplits(panel.dates, run.split, horizons);
  if (plan.groups.length === 0) throw new LabError(`Run: the split (${run.split.kind}) produced no groups on ${panel.dates.length} dates (${panel.dates[0]}..${panel.dates[panel.dates.length - 1]}).`, 'Use an earlier split start, fewer groups, or a longer date range.');
  const warnings = [...plan.warnings];
  const opts = trainOptionsFrom(config, run.seed, hEval);
  const t1 = performance.now();

  // test dates, stitched in group order
  const testIdx: number[] = [];
  for (const g of plan.groups) testIdx.push(...range(g.test.start, g.test.end));
  const testIndex = Int32Array.from(testIdx);
  const D = testIndex.length, { N, H } = d;
  const scoresByHorizon = new Float32Array(H * D * N).fill(NaN);
  const groups: GroupRecord[] = [];
  let trainMs = 0, predictMs = 0, stepMsSum = 0, stepCount = 0, offset = 0;
  let memory = { bytes: 0, parts: {} as Record<string, number> };
  // rolling protocol warm start (config warmStart / warmEpochs): each month starts from the previous month's weights
  const warmStart = plan.kind === 'rolling' && String(config.warmStart) === 'true' && spec.trainable;
  let prevWeights: NamedWeight[] | undefined;

  for (const g of plan.groups) {
    const model = spec.build({ F: d.F, horizons, seed: run.seed, config, factorNames: d.factorNames, factorGroups: d.factorGroups });
    try {
      const warm = warmStart && model.trainable && prevWeights !== undefined;
      if (warm) model.setWeights(prevWeights!);
      const gOpts = warm && config.warmEpochs !== undefined ? { ...opts, epochs: Math.max(1, Math.floor(Number(config.warmEpochs))) } : opts;
      const params = model.variables().reduce((s, v) => s + v.size, 0) || (await model.getWeights()).reduce((s, w) => s + w.values.length, 0);
      memory = estimateMemory({ params, B: opts.batchDates, N, F: d.F, H, actPerStock: model.activationsPerStock?.() ?? d.F + H, preparedBytes: preparedBytes(d, panel.x) });
      checkMemory(memory, o.memoryLimitBytes ?? 2 ** 31, `${spec.name} on ${panel.source.name}`);
      const train = g.trainSamples ? Array.from(g.trainSamples) : range(g.train.start, g.train.end);
      const valid = range(g.valid.start, g.valid.end);
      const ts = performance.now();
      const history = await trainModel(model, d, { train, valid }, gOpts, {
        ...o,
        // eta over the whole run: this group's remainder + the later groups at this group's pace (an upper bound)
        onProgress: o.onProgress ? (p) => o.onProgress!({ ...p, group: g.index, groups: plan.groups.length, eta_s: p.eta_s + (plan.groups.length - g.index - 1) * (p.elapsed_s + p.eta_s) }) : undefined,
      });
      trainMs += performance.now() - ts;
      stepMsSum += history.stepMs * history.steps; stepCount += history.steps;
      const tp = performance.now();
      const test = range(g.test.start, g.test.end);
      const sc = await predict(model, d, test, Math.max(opts.batchDates, 16)); // [H, Dg, N]
      for (let h = 0; h < H; h++) scoresByHorizon.set(sc.subarray(h * test.length * N, (h + 1) * test.length * N), (h * D + offset) * N);
      offset += test.length;
      predictMs += performance.now() - tp;
      groups.push({
        index: g.index, label: g.label,
        train: span(panel.dates, g.train.start, g.train.end), valid: span(panel.dates, g.valid.start, g.valid.end), test: span(panel.dates, g.test.start, g.test.end),
        history, extras: await model.extras?.(extrasInput(d, test, Math.max(opts.batchDates, 16))), weights: params <= 1e6 ? await model.getWeights() : undefined,
        ...(g.trainSamples ? { samples: Array.from(g.trainSamples, (t) => panel.dates[t]), warmStarted: warm } : {}),
      });
      if (warmStart) prevWeights = groups[groups.length - 1].weights ?? (await model.getWeights());
    } finally {
      model.dispose();
    }
  }

  // evaluate: scores placed on the full [T, N] grid, test dates marked
  const te = performance.now();
  const T = panel.dates.length;
  const full = new Float32Array(T * N).fill(NaN);
  for (let j = 0; j < D; j++) full.set(scoresByHorizon.subarray((hEval * D + j) * N, (hEval * D + j + 1) * N), testIndex[j] * N);
  const uni = run.universe && run.universe !== 'all' ? panel.universes.find((u) => u.name === run.universe) : undefined;
  const evalResult = evaluate(
    { dates: panel.dates, scores: full, fwd: panel.fwd, horizons, ret: panel.ret, tradable: panel.tradable, valid: panel.valid, member: uni?.member, testMask: stitchedTestMask(plan, T) },
    { ...run.strategy, horizon: evalHorizon },
    // rolling: rebalance at each month's prediction date (its first test date, a month end); raw targets are returns
    { rebalanceAt: plan.kind === 'rolling' ? plan.groups.map((g) => g.test.start) : undefined, predictsReturns: rawTarget },
  );
  warnings.push(...evalResult.warnings);
  const hm = horizonMetrics(d, scoresByHorizon, testIndex);
  const monthEnd = plan.kind === 'rolling' ? monthEndMetrics(d, full, plan.groups.map((g) => g.test.start), hEval) : undefined;
  const evalMs = performance.now() - te;

  return {
    run,
    model: { id: spec.id, name: spec.name, config },
    backend: o.backend ?? { backend: tf.getBackend(), forced: false, reason: 'current tfjs backend', probes: [] },
    horizons: horizons.slice(), evalHorizon, tickers: panel.tickers.slice(),
    testDates: Array.from(testIndex, (t) => panel.dates[t]), testIndex,
    scores: scoresByHorizon.slice(hEval * D * N, (hEval + 1) * D * N), scoresByHorizon,
    groups, horizonMetrics: hm, eval: evalResult, monthEnd, memory,
    timings: { prepare_ms: t1 - t0, train_ms: trainMs, predict_ms: predictMs, eval_ms: evalMs, total_ms: performance.now() - t0, step_ms: stepCount ? stepMsSum / stepCount : 0 },
    warnings,
  };
}
