/**
 * Evaluate a run's stitched out-of-sample scores again without retraining: with another strategy (the UI's
 * "Re-evaluate") and on every universe of the panel (the universe column groups of the papers' tables).
 * It makes the same evaluate() call as runOnPanel (scores on the full [T, N] grid, test dates marked, the run's
 * universe as the member mask, 'all' = no mask), so with the run's own strategy and universe it reproduces
 * RunResult.eval exactly (runner.test / reevaluate.test).
 */
import type { Panel } from '../core/panel';
import type { RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { evaluate, type EvalInput, type EvalOptions, type EvalResult } from '../eval/evaluate';
import { makeSplits, type SplitPlan } from '../data/splits';
import { getModel } from '../models/registry';
import { resolveConfig } from '../models/common';
import { METRICS, type MetricKey } from '../eval/metrics';
import type { ChannelSpec } from '../models/types';

/** The scores of a finished run, as RunResult carries them. */
export interface RunScores {
  /** [H, D, N] scores of every horizon head on the stitched test dates (NaN = not in the cross-section) */
  scoresByHorizon: Float32Array;
  /** [D] panel date index of each test date */
  testIndex: Int32Array;
  /** [H] the label horizons of the heads, in order */
  horizons: number[];
  /** the model's output channels on the same dates (RunResult.channels values): [H, D, N] per horizon or [1, D, N] */
  channels?: Record<string, Float32Array>;
  /**
   * [N] 1 = a held-out stock of a robustness run (RunConfig.holdout; the runner passes its own choice). Absent on a
   * holdout run (a re-evaluation of stored scores): the stocks with a score on some test date, which are the same
   * stocks, since the runner NaNs every other stock's scores and holds out only stocks of the test cross-section.
   */
  holdout?: Uint8Array;
}

/** An alternative score channel (e.g. DMFM's attention estimate f-hat) evaluated like the model's own scores. */
export interface AlternativeEval {
  /** channel name, e.g. 'fhat' */
  name: string;
  label: string;
  eval: EvalResult;
  /** the same alternative scores on every universe of the panel (the results table's universe columns), when asked */
  universes?: UniverseMetrics[];
}

/** Headline metrics of the same scores evaluated on one universe of the panel. */
export interface UniverseMetrics {
  universe: string;
  description: string;
  metrics: Record<MetricKey, number>;
  /** evaluation dates with at least 2 stocks in the IC (0 = nothing of this universe was scored) */
  icDates: number;
  warnings: string[];
}

/** The run's evaluation horizon: strategy.horizon, else the panel's longest (as runOnPanel). */
export function evalHorizonOf(run: RunConfig, horizons: number[]): number {
  return run.strategy.horizon ?? horizons[horizons.length - 1];
}

/** [T, N] grid holding the horizon-`horizon` scores on the test dates, NaN elsewhere, and the [T] test mask. */
export function scoreGrid(panel: Panel, s: RunScores, horizon: number): { scores: Float32Array; testMask: Uint8Array } {
  const T = panel.dates.length,
    N = panel.tickers.length,
    D = s.testIndex.length,
    H = s.horizons.length;
  const h = s.horizons.indexOf(horizon);
  if (h < 0)
    throw new LabError(
      `Re-evaluate: the strategy horizon ${horizon} is not one of the model's heads [${s.horizons.join(', ')}].`,
      'Pick one of those horizons in the strategy settings.',
    );
  if (s.scoresByHorizon.length !== H * D * N) {
    throw new LabError(
      `Re-evaluate: the stored scores have ${s.scoresByHorizon.length} entries; this panel needs H x D x N = ${H} x ${D} x ${N} = ${H * D * N}.`,
      'The dataset changed since the run: train the model again.',
    );
  }
  const scores = new Float32Array(T * N).fill(NaN);
  const testMask = new Uint8Array(T);
  for (let j = 0; j < D; j++) {
    const t = s.testIndex[j];
    if (t < 0 || t >= T)
      throw new LabError(
        `Re-evaluate: test date index ${t} is outside the panel's ${T} dates.`,
        'The dataset changed since the run: train the model again.',
      );
    scores.set(s.scoresByHorizon.subarray((h * D + j) * N, (h * D + j + 1) * N), t * N);
    testMask[t] = 1;
  }
  return { scores, testMask };
}

/**
 * The held-out stocks of a holdout run (undefined for any other run): `s.holdout`, else every stock with a finite score
 * on some test date at any horizon.
 */
export function holdoutMember(run: RunConfig, s: RunScores, N: number): Uint8Array | undefined {
  if (!run.holdout) return undefined;
  if (s.holdout) {
    if (s.holdout.length !== N)
      throw new LabError(`Re-evaluate: the holdout marks ${s.holdout.length} stocks; this panel has ${N}.`, 'Train the model again.');
    return s.holdout;
  }
  const m = new Uint8Array(N);
  const v = s.scoresByHorizon;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) m[i % N] = 1;
  return m;
}

/** the name evaluate() gives its default benchmark; a holdout run's is the same rule on the held-out stocks */
const EW_UNIVERSE = 'equal-weighted universe';

/** the [T, N] member mask of an evaluation: the universe's (undefined = every stock) AND, for a holdout run, held out */
export function withHoldout(panel: Panel, member: Uint8Array | undefined, held: Uint8Array | undefined): Uint8Array | undefined {
  if (!held) return member;
  const N = panel.tickers.length;
  const m = new Uint8Array(panel.dates.length * N);
  for (let i = 0; i < m.length; i++) m[i] = held[i % N] & (member ? member[i] : 1);
  return m;
}

/** the default benchmark's name on a holdout run: the equal weight of its held-out stocks */
export function holdoutBenchmarkName(name: string, held: Uint8Array): string {
  return name === EW_UNIVERSE ? `equal-weighted held-out stocks (${held.reduce((a, b) => a + b, 0)})` : name;
}

/** the channels the run's model declares (its spec's `channels` for the run's resolved config) */
export function channelSpecsOf(run: RunConfig): ChannelSpec[] {
  const spec = getModel(run.model);
  return spec.channels?.(resolveConfig(spec.configSchema, run.config ?? {}, spec.id)) ?? [];
}

/** [T, N] grid of channel `name` at `horizon` (a per-date channel has one row for every horizon); undefined if absent */
export function channelGrid(panel: Panel, s: RunScores, name: string, horizon: number): Float32Array | undefined {
  const v = s.channels?.[name];
  if (!v) return undefined;
  const D = s.testIndex.length,
    N = panel.tickers.length,
    H = s.horizons.length;
  const C = v.length / (D * N);
  if (C !== H && C !== 1)
    throw new LabError(
      `Re-evaluate: channel "${name}" has ${v.length} values; ${H} x ${D} x ${N} or ${D} x ${N} expected.`,
      'The dataset changed since the run: train the model again.',
    );
  const h = C === 1 ? 0 : s.horizons.indexOf(horizon);
  if (h < 0) throw new LabError(`Re-evaluate: the strategy horizon ${horizon} is not one of the model's heads [${s.horizons.join(', ')}].`);
  const T = panel.dates.length;
  const grid = new Float32Array(T * N).fill(NaN); // [T, N]
  for (let j = 0; j < D; j++) grid.set(v.subarray((h * D + j) * N, (h * D + j + 1) * N), s.testIndex[j] * N);
  return grid;
}

/** a user benchmark series (src/data/benchmark.ts); absent = the engine's default (equal-weighted universe) */
export type Benchmark = EvalInput['benchmark'];

/**
 * The evaluate() options a run implies, the same for training and re-evaluation: a rolling run rebalances at each
 * month's prediction date (its first test date, a month end); a model trained on raw returns predicts returns.
 * `plan`: the run's split plan when the caller has it (else rebuilt, for rolling runs only).
 */
export function runEvalOptions(panel: Panel, run: RunConfig, plan?: SplitPlan): Pick<EvalOptions, 'rebalanceAt' | 'predictsReturns'> {
  const p = plan ?? (run.split.kind === 'rolling' ? makeSplits(panel.dates, run.split, panel.horizons) : undefined);
  const spec = getModel(run.model);
  const config = resolveConfig(spec.configSchema, run.config ?? {}, spec.id);
  return { rebalanceAt: p?.kind === 'rolling' ? p.groups.map((g) => g.test.start) : undefined, predictsReturns: config.target === 'raw' };
}

/** the model's sigma (TDrisk) and weight (model-weighted strategy) channels as [T, N] grids, when it has them */
function channelInputs(panel: Panel, s: RunScores, horizon: number): Pick<EvalInput, 'sigma' | 'weights'> {
  const sigma = channelGrid(panel, s, 'sigma', horizon),
    weights = channelGrid(panel, s, 'weight', horizon);
  return { ...(sigma ? { sigma } : {}), ...(weights ? { weights } : {}) };
}

function evalOn(
  panel: Panel,
  run: RunConfig,
  grid: { scores: Float32Array; testMask: Uint8Array } & Pick<EvalInput, 'sigma' | 'weights'>,
  horizon: number,
  universe: string,
  opts: EvalOptions,
  benchmark?: Benchmark,
  held?: Uint8Array,
): EvalResult {
  const uni = universe && universe !== 'all' ? panel.universes.find((u) => u.name === universe) : undefined;
  if (universe && universe !== 'all' && !uni)
    throw new LabError(`Re-evaluate: universe "${universe}" is not in this panel (${panel.universes.map((u) => u.name).join(', ')}).`);
  // a holdout run (FactorVAE Table 2) is evaluated on the held-out stocks only: they are its universe, so the default
  // benchmark (equal weight over the eligible stocks) is the held-out stocks' own and the excess return compares the
  // model's picks with the stocks it could pick from, not with the whole market
  const member = withHoldout(panel, uni?.member, held);
  const e = evaluate(
    {
      dates: panel.dates,
      scores: grid.scores,
      fwd: panel.fwd,
      horizons: panel.horizons,
      ret: panel.ret,
      tradable: panel.tradable,
      valid: panel.valid,
      member,
      testMask: grid.testMask,
      benchmark,
      sigma: grid.sigma,
      weights: grid.weights,
      industry: opts.signal ? panel.industry : undefined,
      industryNames: opts.signal ? panel.industryNames : undefined,
    },
    { ...run.strategy, horizon },
    opts,
  );
  if (held) {
    const m = held.reduce((a, b) => a + b, 0);
    e.settings.benchmark = holdoutBenchmarkName(e.settings.benchmark, held);
    if (benchmark)
      e.warnings.push(
        `holdout: the excess return is measured against the loaded benchmark series "${e.settings.benchmark}", not the ${m} held-out stocks (clear the benchmark to compare with them).`,
      );
  }
  return e;
}

/**
 * Evaluate stored scores with `run.strategy` on `run.universe` (what runOnPanel does after training). `extra.signal`:
 * also the signal tear-sheet views (the browser asks for them; the headless runner does not).
 */
export function evaluateScores(
  panel: Panel,
  run: RunConfig,
  s: RunScores,
  benchmark?: Benchmark,
  extra: Pick<EvalOptions, 'signal'> = {},
): EvalResult {
  const horizon = evalHorizonOf(run, s.horizons);
  return evalOn(
    panel,
    run,
    { ...scoreGrid(panel, s, horizon), ...channelInputs(panel, s, horizon) },
    horizon,
    run.universe,
    { ...runEvalOptions(panel, run), ...extra },
    benchmark,
    holdoutMember(run, s, panel.tickers.length),
  );
}

/**
 * Each alternative score channel of the run's model (ChannelSpec kind 'score') evaluated with the run's strategy,
 * universe, dates and costs, like the model's own scores (as an extra method; no sigma or model weights).
 */
export function evaluateAlternatives(
  panel: Panel,
  run: RunConfig,
  s: RunScores,
  benchmark?: Benchmark,
  o: { universes?: boolean } = {},
): AlternativeEval[] {
  const horizon = evalHorizonOf(run, s.horizons);
  const opts = runEvalOptions(panel, run);
  return channelSpecsOf(run)
    .filter((c) => c.kind === 'score' && s.channels?.[c.name])
    .map((c) => {
      const grid = { scores: channelGrid(panel, s, c.name, horizon)!, testMask: scoreGrid(panel, s, horizon).testMask };
      const own: RunScores = {
        scoresByHorizon: s.channels![c.name],
        testIndex: s.testIndex,
        horizons: s.horizons,
        holdout: holdoutMember(run, s, panel.tickers.length),
      };
      return {
        name: c.name,
        label: c.label,
        eval: evalOn(panel, run, grid, horizon, run.universe, opts, benchmark, own.holdout),
        ...(o.universes ? { universes: evaluateUniverses(panel, run, own, benchmark) } : {}),
      };
    });
}

/** The same scores and strategy evaluated on every universe of the panel (cheap: no training). */
export function evaluateUniverses(panel: Panel, run: RunConfig, s: RunScores, benchmark?: Benchmark): UniverseMetrics[] {
  const horizon = evalHorizonOf(run, s.horizons);
  const grid = { ...scoreGrid(panel, s, horizon), ...channelInputs(panel, s, horizon) };
  const opts = runEvalOptions(panel, run);
  const held = holdoutMember(run, s, panel.tickers.length);
  return panel.universes.map((u) => {
    try {
      const e = evalOn(panel, run, grid, horizon, u.name, opts, benchmark, held);
      let icDates = 0;
      for (let i = 0; i < e.icCount.length; i++) if (e.icCount[i] >= 2) icDates++;
      return { universe: u.name, description: u.description, metrics: e.metrics, icDates, warnings: e.warnings };
    } catch (err) {
      // a universe with nothing to evaluate (e.g. the run trained on another universe) is a row of NaN, not a failure
      const nan = Object.fromEntries(Object.keys(METRICS).map((k) => [k, NaN])) as Record<MetricKey, number>;
      return { universe: u.name, description: u.description, metrics: nan, icDates: 0, warnings: [(err as Error).message] };
    }
  });
}
