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
import type { GroupRecord, HorizonMetrics, MonthEndMetrics, RunResult } from './types';
import { makeSplits, type SplitPlan } from '../data/splits';
import type { EvalInput } from '../eval/evaluate';
import { icSeries } from '../eval/ic';
import { maeRmse, seriesStats } from '../eval/metrics';
import { prepareData, type Prepared } from './data';
import {
  CancelledError,
  checkMemory,
  estimateMemory,
  extrasInput,
  maxBatchDates,
  predictAll,
  preparedBytes,
  trainModel,
  trainOptionsFrom,
  type TrainHooks,
} from './loop';
import { checkResume, runKey } from './run-key';
import type { GroupCheckpoint } from './types';

export type { GroupRecord, HorizonMetrics, MonthEndMetrics, RunChannel, RunResult } from './types';
import { evaluateAlternatives, evaluateScores, type RunScores } from './reevaluate';
import { tf } from './tf';
import { keepHoldout, pickHoldout, withoutHoldout } from './holdout';

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
  /** also compute the signal tear-sheet views (EvalResult.signal); off by default: the headless runner skips the cost */
  signalViews?: boolean;
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
  const D = testIndex.length,
    { N, T } = d;
  const at = Int32Array.from({ length: D }, (_, i) => i);
  return d.horizons.map((k, h) => {
    const lab = new Float32Array(D * N);
    for (let j = 0; j < D; j++) lab.set(d.fwd.subarray((h * T + testIndex[j]) * N, (h * T + testIndex[j] + 1) * N), j * N);
    const s = icSeries(scoresByHorizon.subarray(h * D * N, (h + 1) * D * N), lab, N, at);
    const a = seriesStats(s.ic),
      r = seriesStats(s.rankIc);
    return {
      horizon: k,
      ic: a.mean,
      rank_ic: r.mean,
      icir: a.std > 0 ? a.mean / a.std : NaN,
      rank_icir: r.std > 0 ? r.mean / r.std : NaN,
      dates: a.n,
    };
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

/** The lookback L of a model for a resolved config: its spec's `lookback` (sequence models), else 1 (cross-sectional). */
export function lookbackOf(modelId: string, config: Record<string, number | string | boolean>): number {
  return Math.max(1, Math.floor(getModel(modelId).lookback?.(config) ?? 1));
}

/** Run `run` on `panel`: train/fit per split group, predict the test segments, evaluate. */
export async function runOnPanel(panel: Panel, run: RunConfig, o: RunOptions = {}): Promise<RunResult> {
  return (await runGroups(panel, run, o))!;
}

/**
 * Train only the split groups `only` (plan indices) of a run: one shard of a sharded run (scripts/experiment.ts
 * --shard). Each finished group goes to `onGroupDone` (resumed ones are skipped as in runOnPanel); nothing is stitched
 * or evaluated: a merge puts every group back with `resume` and runs runOnPanel. Refuses a warm-started rolling group
 * whose previous month is neither trained here nor resumed (it would start cold).
 */
export async function trainGroups(panel: Panel, run: RunConfig, only: number[], o: RunOptions = {}): Promise<void> {
  await runGroups(panel, run, o, new Set(only));
}

async function runGroups(panel: Panel, run: RunConfig, o: RunOptions, only?: Set<number>): Promise<RunResult | undefined> {
  const t0 = performance.now();
  const spec = getModel(run.model);
  const config = resolveConfig(spec.configSchema, run.config ?? {}, spec.id);
  const horizons = panel.horizons;
  const evalHorizon = run.strategy.horizon ?? horizons[horizons.length - 1];
  const hEval = horizons.indexOf(evalHorizon);
  if (hEval < 0)
    throw new LabError(
      `Run: the strategy horizon ${evalHorizon} is not one of the panel's label horizons [${horizons.join(', ')}].`,
      'Pick one of those horizons in the strategy settings.',
    );

  // a model config `target: 'raw'` trains on the (winsorised) forward return itself instead of its per-date z-score
  const rawTarget = config.target === 'raw';
  // sequence models (ModelSpec.lookback): batches carry [B, N, L, F] windows and the mask requires L days of history
  const lookback = lookbackOf(spec.id, config);
  const d = prepareData(panel, { universe: run.universe, factors: run.factors, target: rawTarget ? 'raw' : 'zscore', lookback });
  const channelSpecs = spec.channels?.(config) ?? [];
  const plan = o.plan ?? makeSplits(panel.dates, run.split, horizons);
  if (plan.groups.length === 0)
    throw new LabError(
      `Run: the split (${run.split.kind}) produced no groups on ${panel.dates.length} dates (${panel.dates[0]}..${panel.dates[panel.dates.length - 1]}).`,
      'Use an earlier split start, fewer groups, or a longer date range.',
    );
  const warnings = [...plan.warnings];
  const opts = trainOptionsFrom(config, run.seed, hEval);
  const t1 = performance.now();

  // test dates, stitched in group order
  const testIdx: number[] = [];
  for (const g of plan.groups) testIdx.push(...range(g.test.start, g.test.end));
  const testIndex = Int32Array.from(testIdx);
  const D = testIndex.length,
    { N, H } = d;
  // robustness (FactorVAE Table 2): held-out stocks are masked out of training / validation, evaluated alone
  const hold = run.holdout ? pickHoldout(d, testIndex, run.holdout, run.seed) : undefined;
  const fit = hold ? withoutHoldout(d, hold, testIndex) : d;
  if (hold) warnings.push(hold.note);
  const scoresByHorizon = new Float32Array(H * D * N).fill(NaN);
  // every declared channel stitched like the scores: [C, D, N] (C = H per horizon, 1 per date)
  const channels: Record<string, Float32Array> = {};
  for (const c of channelSpecs) channels[c.name] = new Float32Array((c.perHorizon ? H : 1) * D * N).fill(NaN);
  /** copy a group's [C, Dg, N] block into the stitched [C, D, N] array at test offset `at` */
  const place = (dst: Float32Array, src: Float32Array, Dg: number, at: number) => {
    const C = src.length / (Dg * N);
    if (dst.length !== C * D * N)
      throw new LabError(`Run: a group's channel holds ${src.length} values, which does not fit ${dst.length / (D * N)} x ${Dg} x ${N}.`);
    for (let c = 0; c < C; c++) dst.set(src.subarray(c * Dg * N, (c + 1) * Dg * N), (c * D + at) * N);
  };
  const groups: GroupRecord[] = [];
  let trainMs = 0,
    predictMs = 0,
    stepMsSum = 0,
    stepCount = 0,
    offset = 0;
  let memory = { bytes: 0, parts: {} as Record<string, number> };
  // rolling protocol warm start (config warmStart / warmEpochs): each month starts from the previous month's weights
  const warmStart = plan.kind === 'rolling' && String(config.warmStart) === 'true' && spec.trainable;
  let prevWeights: NamedWeight[] | undefined;
  const key = runKey(run);
  const resumed = checkResume(o.resume ?? [], key, plan, panel.dates, H, N);

  const trainedGroupS: number[] = []; // wall seconds of each group trained by this call (the ETA's pace)
  for (const g of plan.groups) {
    const cp = resumed.get(g.index);
    if (only && !only.has(g.index) && !cp) {
      offset += g.test.end - g.test.start;
      continue;
    }
    if (only && warmStart && !cp && g.index > 0 && !only.has(g.index - 1) && !resumed.has(g.index - 1))
      throw new LabError(
        `Run: group ${g.index + 1} (${g.label}) warm-starts from group ${g.index}, which this shard neither trains nor resumes.`,
        'A warm-started rolling model is one job: shard it by model, not by month.',
      );
    if (cp) {
      // a group finished by an earlier run: its scores [H, Dg, N] and record as they were (the record is copied: the
      // estimate stitching below replaces its extras)
      const Dg = g.test.end - g.test.start;
      place(scoresByHorizon, cp.scores, Dg, offset);
      for (const c of channelSpecs) {
        const v = cp.channels?.[c.name];
        if (!v)
          throw new LabError(
            `Checkpoint of group ${g.index + 1} (${g.label}) has no "${c.name}" channel.`,
            'Discard the saved groups and train afresh.',
          );
        place(channels[c.name], v, Dg, offset);
      }
      offset += Dg;
      groups.push({ ...cp.record });
      stepMsSum += cp.record.history.stepMs * cp.record.history.steps;
      stepCount += cp.record.history.steps;
      if (warmStart) {
        prevWeights = cp.record.weights ?? cp.warmWeights;
        if (!prevWeights && plan.groups.some((x) => x.index > g.index && !resumed.has(x.index)))
          throw new LabError(
            `Checkpoint of group ${g.index + 1} (${g.label}) has no weights to warm-start the next month from.`,
            'Discard the saved groups and train afresh.',
          );
      }
      continue;
    }
    if (o.signal?.aborted) throw new CancelledError();
    const model = spec.build({ F: d.F, horizons, seed: run.seed, config, factorNames: d.factorNames, factorGroups: d.factorGroups });
    try {
      const warm = warmStart && model.trainable && prevWeights !== undefined;
      if (warm) model.setWeights(prevWeights!);
      const gOpts =
        warm && config.warmEpochs !== undefined ? { ...opts, epochs: Math.max(1, Math.floor(Number(config.warmEpochs))) } : opts;
      const params =
        model.variables().reduce((s, v) => s + v.size, 0) || (await model.getWeights()).reduce((s, w) => s + w.values.length, 0);
      memory = estimateMemory({
        params,
        B: maxBatchDates(opts.batchDates),
        N,
        F: d.F,
        H,
        L: lookback,
        actPerStock: model.activationsPerStock?.() ?? d.F + H,
        preparedBytes: preparedBytes(d, panel.x),
      });
      checkMemory(memory, o.memoryLimitBytes ?? 2 ** 31, `${spec.name} on ${panel.source.name}`);
      const train = g.trainSamples ? Array.from(g.trainSamples) : range(g.train.start, g.train.end);
      const valid = range(g.valid.start, g.valid.end);
      const ts = performance.now();
      const history = await trainModel(model, fit, { train, valid }, gOpts, {
        ...o,
        onProgress: o.onProgress
          ? (p) =>
              o.onProgress!({
                ...p,
                group: g.index,
                groups: plan.groups.length,
                eta_s: runEta(p.eta_s, p.elapsed_s, trainedGroupS, plan.groups.length - g.index - 1),
              })
          : undefined,
      });
      trainMs += performance.now() - ts;
      trainedGroupS.push((performance.now() - ts) / 1000);
      stepMsSum += history.stepMs * history.steps;
      stepCount += history.steps;
      const tp = performance.now();
      const test = range(g.test.start, g.test.end);
      const pred = await predictAll(model, fit, test, Math.max(opts.batchDates, 16)); // scores [H, Dg, N], channels [C, Dg, N]
      const sc = pred.scores;
      place(scoresByHorizon, sc, test.length, offset);
      for (const c of channelSpecs) {
        const v = pred.channels[c.name];
        if (!v) throw new LabError(`${spec.name} declares the output channel "${c.name}" but its forwardChannels did not return it.`);
        place(channels[c.name], v, test.length, offset);
      }
      offset += test.length;
      predictMs += performance.now() - tp;
      groups.push({
        index: g.index,
        label: g.label,
        train: span(panel.dates, g.train.start, g.train.end),
        valid: span(panel.dates, g.valid.start, g.valid.end),
        test: span(panel.dates, g.test.start, g.test.end),
        history,
        extras: await model.extras?.(extrasInput(d, test, Math.max(opts.batchDates, 16))),
        weights: params <= 1e6 ? await model.getWeights() : undefined,
        ...(g.trainSamples ? { samples: Array.from(g.trainSamples, (t) => panel.dates[t]), warmStarted: warm } : {}),
      });
      const rec = groups[groups.length - 1];
      if (warmStart) prevWeights = rec.weights ?? (await model.getWeights());
      await o.onGroupDone?.({
        runKey: key,
        groupIndex: g.index,
        label: g.label,
        total: plan.groups.length,
        test: rec.test,
        record: { ...rec },
        shape: [H, test.length, N],
        scores: sc,
        ...(channelSpecs.length ? { channels: Object.fromEntries(channelSpecs.map((c) => [c.name, pred.channels[c.name]])) } : {}),
        ...(warmStart && !rec.weights ? { warmWeights: prevWeights } : {}),
      });
    } finally {
      model.dispose();
    }
  }

  if (only) return undefined;
  // evaluate: the same calls as a re-evaluation (reevaluate.ts): the run's universe and strategy, sigma / weight
  // channels into the strategy, every alternative score channel as an extra method
  const te = performance.now();
  const T = panel.dates.length;
  if (hold) keepHoldout([scoresByHorizon, ...Object.values(channels)], hold, N);
  const stitched: RunScores = { scoresByHorizon, testIndex, horizons, channels, ...(hold ? { holdout: hold.member } : {}) };
  const evalResult = evaluateScores(panel, run, stitched, o.benchmark, o.signalViews ? { signal: true } : {});
  warnings.push(...evalResult.warnings);
  const alternatives = evaluateAlternatives(panel, run, stitched, o.benchmark);
  const full = new Float32Array(T * N).fill(NaN); // [T, N] eval-horizon scores (rolling month-end metrics)
  for (let j = 0; j < D; j++) full.set(scoresByHorizon.subarray((hEval * D + j) * N, (hEval * D + j + 1) * N), testIndex[j] * N);
  const hm = horizonMetrics(d, scoresByHorizon, testIndex);
  const monthEnd =
    plan.kind === 'rolling'
      ? monthEndMetrics(
          d,
          full,
          plan.groups.map((g) => g.test.start),
          hEval,
        )
      : undefined;
  const evalMs = performance.now() - te;

  return {
    run,
    model: { id: spec.id, name: spec.name, config },
    backend: o.backend ?? { backend: tf.getBackend(), forced: false, reason: 'current tfjs backend', probes: [] },
    horizons: horizons.slice(),
    evalHorizon,
    tickers: panel.tickers.slice(),
    testDates: Array.from(testIndex, (t) => panel.dates[t]),
    testIndex,
    scores: scoresByHorizon.slice(hEval * D * N, (hEval + 1) * D * N),
    scoresByHorizon,
    groups,
    horizonMetrics: hm,
    eval: evalResult,
    monthEnd,
    memory,
    channels: channelSpecs.map((c) => ({ spec: c, values: channels[c.name] })),
    alternatives,
    timings: {
      prepare_ms: t1 - t0,
      train_ms: trainMs,
      predict_ms: predictMs,
      eval_ms: evalMs,
      total_ms: performance.now() - t0,
      step_ms: stepCount ? stepMsSum / stepCount : 0,
    },
    warnings,
    ...(hold ? { holdout: { stocks: Array.from(hold.stocks, (n) => panel.tickers[n]), candidates: hold.candidates } } : {}),
  };
}
