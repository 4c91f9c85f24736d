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
import { evaluate, type EvalInput, type EvalResult } from '../eval/evaluate';
import { icSeries } from '../eval/ic';
import { maeRmse, seriesStats } from '../eval/metrics';
import type { BackendChoice } from './backend';
import { prepareData, type Prepared } from './data';
import { CancelledError, checkMemory, estimateMemory, extrasInput, predict, preparedBytes, trainModel, trainOptionsFrom, type TrainHistory, type TrainHooks } from './loop';
import { checkResume, runKey, type GroupCheckpoint } from './run-key';
import { runEvalOptions } from './reevaluate';
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
  /** DMFM only: the portfolio of the attention estimate f-hat_k = F a-bar_k (eq. 12), evaluated like `scores` */
  estimate?: EstimateResult;
  memory: { bytes: number; parts: Record<string, number> };
  timings: { prepare_ms: number; train_ms: number; predict_ms: number; eval_ms: number; total_ms: number; step_ms: number };
  warnings: string[];
}

/**
 * The attention estimate f-hat_k = F a-bar_k (DMFM eq. 12) stitched over the test segments and evaluated with the same
 * evaluate() call as the model's own scores, so "how faithful is the explanation" reads as f's portfolio vs f-hat's.
 */
export interface EstimateResult {
  /** the strategy horizon (evalHorizon) and the trained head k that scores it */
  horizon: number;
  head: number;
  /** [H] trained head per panel horizon (the model's headOfHorizon) */
  headOf: number[];
  /** [H, D, N] f-hat of each panel horizon's head on the test dates (NaN = not in the cross-section), like scoresByHorizon */
  scoresByHorizon: Float32Array;
  /** the evaluation of the evalHorizon f-hat scores (same inputs, strategy and options as RunResult.eval) */
  eval: EvalResult;
}

/** The `estimate` extras of a DMFM group: f-hat [K, Dg, N] per trained head on the group's test dates. */
interface GroupEstimate { dates: string[]; horizons: number[]; N: number; scores?: Float32Array }

/**
 * Stitch the groups' f-hat extras into [H, D, N] (each panel horizon from its head, as the model's scores) and drop
 * the per-group copies from the records (they are the bulk of a DMFM result). Null when a group carries no estimate.
 */
export function stitchEstimate(groups: GroupRecord[], horizons: number[], D: number, N: number): { scoresByHorizon: Float32Array; headOf: number[] } | null {
  const est = groups.map((g) => g.extras?.estimate as GroupEstimate | undefined);
  const hoh = groups[0]?.extras?.headOfHorizon as Record<string, number> | undefined;
  if (!hoh || est.length === 0 || est.some((e) => !e?.scores)) return null;
  const H = horizons.length;
  const headOf = horizons.map((k) => hoh[String(k)]);
  const out = new Float32Array(H * D * N).fill(NaN); // [H, D, N]
  let offset = 0;
  for (const e of est as GroupEstimate[]) {
    const Dg = e.dates.length, K = e.horizons.length;
    if (e.N !== N || e.scores!.length !== K * Dg * N) throw new LabError(`DMFM: a group's attention estimate holds ${e.scores!.length} values; K x D x N = ${K} x ${Dg} x ${N} = ${K * Dg * N} expected.`);
    for (let h = 0; h < H; h++) {
      const k = e.horizons.indexOf(headOf[h]);
      if (k < 0) throw new LabError(`DMFM: no attention estimate for head ${headOf[h]} (heads ${e.horizons.join(', ')}).`);
      out.set(e.scores!.subarray(k * Dg * N, (k + 1) * Dg * N), (h * D + offset) * N); // [Dg, N] block of head k
    }
    offset += Dg;
  }
  if (offset !== D) throw new LabError(`DMFM: the attention estimates cover ${offset} test dates; the run has ${D}.`);
  for (const g of groups) {
    const e = g.extras!.estimate as GroupEstimate;
    g.extras = { ...g.extras, estimate: { dates: e.dates, horizons: e.horizons, N: e.N } };
  }
  return { scoresByHorizon: out, headOf };
}

export interface RunOptions extends TrainHooks {
  /** backend already selected for this run (recorded in the result) */
  backend?: RunResult['backend'];
  /** refuse runs whose estimated memory exceeds this (default 2 GiB) */
  memoryLimitBytes?: number;
  /** a precomputed split plan (default makeSplits(panel.dates, run.split, panel.horizons)) */
  plan?: SplitPlan;
  /** called after each trained group with its checkpoint (awaited; not called for resumed groups) */
  onGroupDone?: (cp: GroupCheckpoint) => void | Promise<void>;
  /** groups finished by an earlier, stopped run of the same runKey: copied in, not trained again (run-key.ts checkResume) */
  resume?: GroupCheckpoint[];
  /** a user benchmark series (src/data/benchmark.ts) the excess is measured against; must cover every holding day */
  benchmark?: EvalInput['benchmark'];
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
const span = (dates: string[], a: number, b: number): [string, string] => (b > a ? [dates[a], dates[b - 1]] : ['', '']);

/**
 * Seconds left in a run of several groups. The loop's `withinEta` assumes every epoch runs (an upper bound: early
 * stopping usually ends a group sooner). Before any group has finished, the later groups are priced at that bound;
 * after, at the mean wall time of the finished groups, and the current group's remainder is capped by that mean.
 */
export function runEta(withinEta: number, elapsed: number, finishedGroupS: number[], laterGroups: number): number {
  if (!finishedGroupS.length) return withinEta + laterGroups * (elapsed + withinEta);
  const mean = finishedGroupS.reduce((a, b) => a + b, 0) / finishedGroupS.length;
  return Math.min(withinEta, Math.max(0, mean - elapsed)) + laterGroups * mean;
}

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
  const key = runKey(run);
  const resumed = checkResume(o.resume ?? [], key, plan, panel.dates, H, N);

  const trainedGroupS: number[] = []; // wall seconds of each group trained by this call (the ETA's pace)
  for (const g of plan.groups) {
    const cp = resumed.get(g.index);
    if (cp) {
      // a group finished by an earlier run: its scores [H, Dg, N] and record as they were (the record is copied: the
      // estimate stitching below replaces its extras)
      const Dg = g.test.end - g.test.start;
      for (let h = 0; h < H; h++) scoresByHorizon.set(cp.scores.subarray(h * Dg * N, (h + 1) * Dg * N), (h * D + offset) * N);
      offset += Dg;
      groups.push({ ...cp.record });
      stepMsSum += cp.record.history.stepMs * cp.record.history.steps; stepCount += cp.record.history.steps;
      if (warmStart) {
        prevWeights = cp.record.weights ?? cp.warmWeights;
        if (!prevWeights && plan.groups.some((x) => x.index > g.index && !resumed.has(x.index))) throw new LabError(`Checkpoint of group ${g.index + 1} (${g.label}) has no weights to warm-start the next month from.`, 'Discard the saved groups and train afresh.');
      }
      continue;
    }
    if (o.signal?.aborted) throw new CancelledError();
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
        onProgress: o.onProgress ? (p) => o.onProgress!({ ...p, group: g.index, groups: plan.groups.length, eta_s: runEta(p.eta_s, p.elapsed_s, trainedGroupS, plan.groups.length - g.index - 1) }) : undefined,
      });
      trainMs += performance.now() - ts;
      trainedGroupS.push((performance.now() - ts) / 1000);
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
      const rec = groups[groups.length - 1];
      if (warmStart) prevWeights = rec.weights ?? (await model.getWeights());
      await o.onGroupDone?.({
        runKey: key, groupIndex: g.index, label: g.label, total: plan.groups.length, test: rec.test,
        record: { ...rec }, shape: [H, test.length, N], scores: sc,
        ...(warmStart && !rec.weights ? { warmWeights: prevWeights } : {}),
      });
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
  const testMask = stitchedTestMask(plan, T);
  /** the one evaluate() call of this run: [T, N] scores on the test dates, the run's universe and strategy */
  const evalGrid = (scores: Float32Array) => evaluate(
    { dates: panel.dates, scores, fwd: panel.fwd, horizons, ret: panel.ret, tradable: panel.tradable, valid: panel.valid, member: uni?.member, testMask, benchmark: o.benchmark },
    { ...run.strategy, horizon: evalHorizon },
    runEvalOptions(panel, run, plan), // the same options as a re-evaluation (rolling rebalance dates, raw targets)
  );
  const evalResult = evalGrid(full);
  warnings.push(...evalResult.warnings);
  // DMFM: the portfolio of the attention estimate f-hat (eq. 12) of the strategy horizon's head, same evaluation
  let estimate: EstimateResult | undefined;
  const st = stitchEstimate(groups, horizons, D, N);
  if (st) {
    const fh = new Float32Array(T * N).fill(NaN); // [T, N]
    for (let j = 0; j < D; j++) fh.set(st.scoresByHorizon.subarray((hEval * D + j) * N, (hEval * D + j + 1) * N), testIndex[j] * N);
    estimate = { horizon: evalHorizon, head: st.headOf[hEval], headOf: st.headOf, scoresByHorizon: st.scoresByHorizon, eval: evalGrid(fh) };
  } else if (groups.some((g) => (g.extras?.estimate as GroupEstimate | undefined)?.scores)) {
    warnings.push('DMFM: some test groups carry no attention estimate (e.g. resumed from an older checkpoint): the f-hat portfolio is not shown.');
  }
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
    groups, horizonMetrics: hm, eval: evalResult, monthEnd, estimate, memory,
    timings: { prepare_ms: t1 - t0, train_ms: trainMs, predict_ms: predictMs, eval_ms: evalMs, total_ms: performance.now() - t0, step_ms: stepCount ? stepMsSum / stepCount : 0 },
    warnings,
  };
}
