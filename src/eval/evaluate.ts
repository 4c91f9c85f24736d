/**
 * The one evaluation entry point shared by the runner, the training worker and the UI:
 * evaluate(inputs, strategy, opts) -> EvalResult with IC statistics, quantile returns, the backtest of the chosen
 * strategy, benchmark / excess series, curves and every headline metric. Typed arrays in, no tfjs.
 */
import type { StrategyConfig } from '../core/run';
import { LabError } from '../core/errors';
import { backtest, rebalanceFormations, resolveStrategy, type BacktestResult, type ResolvedStrategy } from './backtest';
import { bookRecorder, icDecay, industryIc, quantileCurves, rankTurnover, returnDistribution, type SignalViews } from './signal-views';
import { monthlyMatrix, rollingMean, signalAnalysis, type MonthlyMatrix, type QuantileReturns } from './ic';
import {
  annualizedGeometric,
  annualizedMean,
  annualizedRatio,
  cumulative,
  defaultMetricSettings,
  drawdownSeries,
  icir,
  maeRmse,
  maxDrawdown,
  seriesStats,
  tStat,
  volatility,
  type MetricKey,
  type MetricSettings,
} from './metrics';

export const TIMING_CONVENTION =
  "Scores at date t use information up to close t. The portfolio is traded at close t + lag (the strategy's " +
  "execution lag, default 1: the next day's close; 0 trades at the close that formed the score, which is optimistic) " +
  'and earns the daily returns ret[t+lag+1], ret[t+lag+2], ... until the next rebalance; weights drift with returns ' +
  "in between. A rebalance cost is charged in the next day's return. A holding with no price for the rest of the " +
  'data is sold at its last price on the first day without one (return 0 that day, sell cost charged). Benchmark ' +
  '(default): equal-weighted return over the stocks the portfolio may pick from on the previous day (universe ' +
  'member and valid), a missing return counting as 0 as it does in the portfolio. IC and quantile returns use the ' +
  'forward-return label fwd[h][t] = P[t+1+h] / P[t+1] - 1.';

export interface EvalInput {
  /** [T] ascending ISO dates */
  dates: string[];
  /** [T, N] model scores (higher = more attractive); NaN = no prediction */
  scores: ArrayLike<number>;
  /** [T, N] forward return the score is judged against (e.g. one horizon of Panel.fwd) */
  labels?: ArrayLike<number>;
  /** [H, T, N] all forward returns (Panel.fwd) with their horizons; the strategy's horizon is picked when labels is absent */
  fwd?: Float32Array;
  horizons?: number[];
  /** [T, N] simple daily returns (Panel.ret) */
  ret: ArrayLike<number>;
  /** [T, N] 1 = has a price (Panel.tradable); default all */
  tradable?: ArrayLike<number>;
  /** [T, N] 1 = in the cross-section (Panel.valid); default all */
  valid?: ArrayLike<number>;
  /** [T, N] universe membership (UniverseDef.member); default all */
  member?: ArrayLike<number>;
  /** [T] 1 = out-of-sample (stitched test) date; default all dates (or `range`) */
  testMask?: ArrayLike<number>;
  /** restrict evaluation dates to [start, end] (ISO, inclusive) */
  range?: { start?: string; end?: string };
  /** [T, N] model portfolio weights for the 'modelweight' strategy (default: the scores) */
  weights?: ArrayLike<number>;
  /** [T, N] predicted return std: when given, portfolios rank by score - eta x sigma (FactorVAE TDrisk) */
  sigma?: ArrayLike<number>;
  /** a user benchmark series; must cover every holding day */
  benchmark?: { dates: string[]; ret: ArrayLike<number>; name?: string };
  /** [T, N] industry id (Panel.industry, -1 = unknown) and the names of the ids: IC by industry (signal views) */
  industry?: ArrayLike<number>;
  industryNames?: string[];
}

export interface EvalOptions extends Partial<MetricSettings> {
  /** rolling IC window in evaluation dates (default 21) */
  rollingWindow?: number;
  /** quantile groups for group returns / monotonicity (default 10) */
  quantiles?: number;
  /** explicit rebalance (formation) date indices, e.g. month ends for the rolling protocol */
  rebalanceAt?: ArrayLike<number>;
  /** the scores are return forecasts: report MAE / RMSE against the labels */
  predictsReturns?: boolean;
  /**
   * compute the signal tear-sheet views (EvalResult.signal: IC decay, IC by industry, quantile curves, rank
   * autocorrelation and turnover, return distribution, the book); off by default (the headless runner's cost)
   */
  signal?: boolean | { quantiles?: number };
}

export interface EvalResult {
  strategy: ResolvedStrategy;
  settings: MetricSettings & { rollingWindow: number; quantiles: number; lag: number; horizon: number; benchmark: string };
  timing: string;
  /** [E] evaluation (formation) date indices and their ISO dates */
  evalDates: Int32Array;
  evalIso: string[];
  ic: Float64Array;
  rankIc: Float64Array;
  /** [E] stocks used per date */
  icCount: Int32Array;
  rollingIc: Float64Array;
  rollingRankIc: Float64Array;
  monthlyIc: MonthlyMatrix;
  monthlyRankIc: MonthlyMatrix;
  quantiles: QuantileReturns;
  /** daily series over holding days */
  series: {
    day: Int32Array;
    iso: string[];
    portfolio: Float64Array;
    benchmark: Float64Array;
    excess: Float64Array;
    gross: Float64Array;
    cost: Float64Array;
    /** net value prod(1 + r) of portfolio and benchmark */
    nav: Float64Array;
    benchNav: Float64Array;
    /** cumulative excess (accumulate setting) and its underwater series */
    cumExcess: Float64Array;
    drawdown: Float64Array;
  };
  rebalances: { day: Int32Array; iso: string[]; turnover: Float64Array; holdings: Int32Array; long: Float64Array; short: Float64Array };
  metrics: Record<MetricKey, number>;
  /** the signal tear-sheet views, when asked for (EvalOptions.signal) */
  signal?: SignalViews;
  warnings: string[];
}

/** Evaluate scores on the out-of-sample dates: IC family, quantile returns, the strategy's backtest and metrics. */
export function evaluate(input: EvalInput, strategy: StrategyConfig, opts: EvalOptions = {}): EvalResult {
  return evaluateStrategies(input, [strategy], opts)[0];
}

/**
 * Evaluate several strategies on the same scores: the IC family and quantile returns are computed once per label
 * horizon and shared; each strategy gets its own backtest, series and metrics.
 */
export function evaluateStrategies(input: EvalInput, strategies: StrategyConfig[], opts: EvalOptions = {}): EvalResult[] {
  const base = prepare(input, opts);
  const signals = new Map<string, Signal>();
  return strategies.map((strategy) => {
    const st = resolveStrategy(strategy);
    const key = input.labels ? 'labels' : String(st.horizon);
    if (!signals.has(key)) signals.set(key, analyseSignal(input, base, st, opts));
    return runStrategy(input, base, signals.get(key)!, st, opts);
  });
}

interface Prepared {
  T: number;
  N: number;
  TN: number;
  settings: MetricSettings;
  evalDates: Int32Array;
  evalIso: string[];
  /** [T, N] member AND valid, undefined when neither is given */
  eligible?: Uint8Array;
  /** [T] equal-weighted universe return per day (computed on first use, shared by strategies) */
  ewBench?: Float64Array;
}

/**
 * [T] equal-weighted return of day d over the eligible stocks of day d - 1 (member AND valid: the set the portfolio
 * picks from; every stock when neither is given). A missing (NaN) return counts as 0, as it does for a holding.
 * 0 on day 0 and on a day with no eligible stock the day before.
 */
export function equalWeightBenchmark(ret: ArrayLike<number>, T: number, N: number, eligible?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(T);
  for (let d = 1; d < T; d++) {
    const prev = (d - 1) * N,
      off = d * N;
    let s = 0,
      c = 0;
    for (let n = 0; n < N; n++) {
      if (eligible && !eligible[prev + n]) continue;
      const r = ret[off + n];
      if (Number.isFinite(r)) s += r;
      c++;
    }
    out[d] = c ? s / c : 0;
  }
  return out;
}

interface Signal {
  labels?: ArrayLike<number>;
  ics: { ic: Float64Array; rankIc: Float64Array; count: Int32Array };
  quantiles: QuantileReturns;
  warnings: string[];
}

function prepare(input: EvalInput, opts: EvalOptions): Prepared {
  const T = input.dates.length;
  if (T === 0) throw new LabError('evaluate: no dates.');
  const N = input.scores.length / T;
  if (!Number.isInteger(N) || N < 1)
    throw new LabError(`evaluate: scores has ${input.scores.length} entries, not a multiple of the ${T} dates.`);
  const TN = T * N;
  const need = (name: string, a: ArrayLike<number> | undefined) => {
    if (a && a.length !== TN) throw new LabError(`evaluate: ${name} has ${a.length} entries; expected T x N = ${T} x ${N} = ${TN}.`);
  };
  need('ret', input.ret);
  need('labels', input.labels);
  need('tradable', input.tradable);
  need('valid', input.valid);
  need('member', input.member);
  need('weights', input.weights);
  need('sigma', input.sigma);
  if (input.testMask && input.testMask.length !== T)
    throw new LabError(`evaluate: testMask has ${input.testMask.length} entries; expected ${T} (one per date).`);
  const settings = { ...defaultMetricSettings, ...stripUndefined({ annualization: opts.annualization, accumulate: opts.accumulate }) };

  // evaluation dates
  const lo = input.range?.start ?? '',
    hi = input.range?.end ?? '\uffff';
  const ev: number[] = [];
  for (let t = 0; t < T; t++) {
    if (input.testMask && !input.testMask[t]) continue;
    const d = input.dates[t].slice(0, 10);
    if (d < lo || d > hi) continue;
    ev.push(t);
  }
  if (ev.length === 0) throw new LabError('evaluate: no evaluation dates (testMask / range select nothing).');

  // eligibility: member AND valid (either optional)
  let eligible: Uint8Array | undefined;
  if (input.member || input.valid) {
    eligible = new Uint8Array(TN);
    for (let i = 0; i < TN; i++) eligible[i] = (!input.member || input.member[i] ? 1 : 0) & (!input.valid || input.valid[i] ? 1 : 0);
  }
  return { T, N, TN, settings, evalDates: Int32Array.from(ev), evalIso: ev.map((t) => input.dates[t]), eligible };
}

/** Labels for the strategy's horizon, then IC / rank IC / quantile returns on the raw scores. */
function analyseSignal(input: EvalInput, p: Prepared, st: ResolvedStrategy, opts: EvalOptions): Signal {
  const { T, N, TN } = p;
  const warnings: string[] = [];
  let labels = input.labels;
  if (!labels && input.fwd) {
    const hs = input.horizons ?? [];
    const h = hs.indexOf(st.horizon);
    if (h < 0)
      throw new LabError(
        `evaluate: label horizon ${st.horizon} is not among the panel horizons [${hs.join(', ')}].`,
        'Pick one of the panel horizons in the strategy settings.',
      );
    if (input.fwd.length !== hs.length * TN)
      throw new LabError(`evaluate: fwd has ${input.fwd.length} entries; expected H x T x N = ${hs.length} x ${T} x ${N}.`);
    labels = input.fwd.subarray(h * TN, (h + 1) * TN);
  }
  const E = p.evalDates.length;
  const G = opts.quantiles ?? 10;
  if (!labels) {
    warnings.push('evaluate: no labels given; IC, quantile returns and MAE / RMSE are NaN.');
    const nanE = () => new Float64Array(E).fill(NaN);
    return {
      ics: { ic: nanE(), rankIc: nanE(), count: new Int32Array(E) },
      quantiles: {
        groups: G,
        perDate: new Float64Array(E * G).fill(NaN),
        count: new Int32Array(E * G),
        mean: new Float64Array(G).fill(NaN),
        spread: nanE(),
        monotonicity: NaN,
      },
      warnings,
    };
  }
  const { ics, quantiles } = signalAnalysis(input.scores, labels, N, p.evalDates, G, p.eligible);
  return { labels, ics, quantiles, warnings };
}

function runStrategy(input: EvalInput, p: Prepared, sig: Signal, st: ResolvedStrategy, opts: EvalOptions): EvalResult {
  const { T, N, TN, settings, evalDates, evalIso, eligible } = p;
  const A = settings.annualization;
  const ev = evalDates;
  const labels = sig.labels;
  const ics = sig.ics;
  const quantiles = sig.quantiles;
  const rollingWindow = opts.rollingWindow ?? 21;
  const G = quantiles.groups;
  const warnings = [...sig.warnings];

  // ranking score: TDrisk mu - eta sigma when sigma is given
  let rankScore: ArrayLike<number> = input.scores;
  if (input.sigma) {
    const r = new Float64Array(TN);
    for (let i = 0; i < TN; i++) r[i] = input.scores[i] - st.eta * input.sigma[i];
    rankScore = r;
  }

  const book = opts.signal ? bookRecorder() : undefined;
  const bt: BacktestResult = backtest(
    { T, N, score: rankScore, ret: input.ret, tradable: input.tradable, eligible, weights: input.weights },
    st,
    { formation: evalDates, rebalanceAt: opts.rebalanceAt, onTrade: book?.onTrade },
  );
  warnings.push(...bt.warnings);

  // benchmark per holding day
  const D = bt.day.length;
  const bench = new Float64Array(D);
  let benchName: string;
  if (input.benchmark) {
    benchName = input.benchmark.name ?? 'user benchmark';
    const m = new Map<string, number>();
    input.benchmark.dates.forEach((d, i) => m.set(d.slice(0, 10), input.benchmark!.ret[i]));
    for (let k = 0; k < D; k++) {
      const iso = input.dates[bt.day[k]].slice(0, 10);
      const v = m.get(iso);
      if (v === undefined || !Number.isFinite(v))
        throw new LabError(
          `evaluate: the benchmark series (${input.benchmark.dates.length} rows) has no return for ${iso}; it must cover every holding day from ${input.dates[bt.day[0]]} to ${input.dates[bt.day[D - 1]]}.`,
        );
      bench[k] = v;
    }
  } else if (st.kind === 'longshort') {
    benchName = 'none (net-zero long-short: excess = portfolio)';
  } else {
    benchName = 'equal-weighted universe';
    p.ewBench ??= equalWeightBenchmark(input.ret, T, N, eligible);
    for (let k = 0; k < D; k++) bench[k] = p.ewBench[bt.day[k]];
  }
  const excess = new Float64Array(D);
  for (let k = 0; k < D; k++) excess[k] = bt.ret[k] - bench[k];

  const nav = cumulative(bt.ret, 'product'),
    benchNav = cumulative(bench, 'product');
  for (let k = 0; k < D; k++) {
    nav[k] += 1;
    benchNav[k] += 1;
  }

  // metrics
  const icS = seriesStats(ics.ic),
    rkS = seriesStats(ics.rankIc);
  let mae = NaN,
    rmse = NaN;
  if (opts.predictsReturns && labels) {
    // pooled over every valid (date, stock) pair of the evaluation dates
    const rows = new Uint8Array(TN);
    for (const t of ev) rows.fill(1, t * N, (t + 1) * N);
    if (eligible) for (let i = 0; i < TN; i++) rows[i] &= eligible[i];
    ({ mae, rmse } = maeRmse(input.scores, labels, rows));
  }
  const turnAfterFirst = bt.turnover.length > 1 ? seriesStats(bt.turnover.subarray(1)).mean : NaN;
  // no daily return anywhere (a factor panel without prices or a 1-day forward return): the backtest would earn 0 every
  // day and pay only costs, so its alpha / IR / Sharpe would be fiction: report them as missing (issue 16)
  let anyRet = false;
  for (let i = 0; i < TN && !anyRet; i++) anyRet = Number.isFinite(input.ret[i]);
  if (!anyRet)
    warnings.push(
      'no daily returns in this dataset (no price or 1-day forward-return column): portfolio figures (returns, alpha, IR, Sharpe, drawdown) are not reported',
    );
  const P = (v: number) => (anyRet ? v : NaN);
  const metrics: Record<MetricKey, number> = {
    alpha: P(annualizedMean(excess, A)),
    alphaGeo: P(annualizedGeometric(excess, A)),
    ir: P(annualizedRatio(excess, A)),
    excessVol: P(volatility(excess, A)),
    mdd: P(maxDrawdown(excess, settings.accumulate)),
    annReturn: P(annualizedMean(bt.ret, A)),
    annReturnGeo: P(annualizedGeometric(bt.ret, A)),
    sharpe: P(annualizedRatio(bt.ret, A)),
    vol: P(volatility(bt.ret, A)),
    portfolioMdd: P(maxDrawdown(bt.ret, settings.accumulate)),
    benchReturn: P(annualizedMean(bench, A)),
    turnover: turnAfterFirst,
    holdings: seriesStats(bt.holdings).mean,
    costDrag: P(annualizedMean(bt.cost, A)),
    ic: icS.mean,
    icStd: icS.std,
    icir: icir(ics.ic),
    icT: tStat(ics.ic),
    rankIc: rkS.mean,
    rankIcStd: rkS.std,
    rankIcir: icir(ics.rankIc),
    rankIcT: tStat(ics.rankIc),
    mae,
    rmse,
  };

  let signal: SignalViews | undefined;
  if (opts.signal && book) {
    const Gs = (typeof opts.signal === 'object' ? opts.signal.quantiles : undefined) ?? 5;
    const lab = labels ?? new Float32Array(TN).fill(NaN);
    const fwd: Float32Array | Float64Array = input.fwd && input.horizons ? input.fwd : Float64Array.from(lab);
    const hs = input.fwd && input.horizons ? input.horizons : [st.horizon];
    const qc = quantileCurves(
      { T, N, score: input.scores, ret: input.ret, tradable: input.tradable, eligible },
      st,
      evalDates,
      Gs,
      opts.rebalanceAt,
    );
    warnings.push(...qc.warnings.map((w) => `signal views: ${w}`));
    signal = {
      icDecay: icDecay(input.scores, fwd, hs, N, evalDates, eligible),
      industryIc:
        input.industry && input.industryNames
          ? industryIc(input.scores, lab, input.industry, input.industryNames, N, evalDates, eligible)
          : [],
      quantiles: qc,
      rank: rankTurnover(input.scores, N, rebalanceFormations(evalDates, st.rebalance, opts.rebalanceAt), Gs, eligible),
      distribution: returnDistribution(bt.ret),
      book: book.book(),
    };
  }

  return {
    strategy: st,
    settings: { ...settings, rollingWindow, quantiles: G, lag: st.lag, horizon: st.horizon, benchmark: benchName },
    timing: TIMING_CONVENTION,
    evalDates,
    evalIso,
    ic: ics.ic,
    rankIc: ics.rankIc,
    icCount: ics.count,
    rollingIc: rollingMean(ics.ic, rollingWindow),
    rollingRankIc: rollingMean(ics.rankIc, rollingWindow),
    monthlyIc: monthlyMatrix(ics.ic, evalIso),
    monthlyRankIc: monthlyMatrix(ics.rankIc, evalIso),
    quantiles,
    series: {
      day: bt.day,
      iso: Array.from(bt.day, (d) => input.dates[d]),
      portfolio: bt.ret,
      benchmark: bench,
      excess,
      gross: bt.gross,
      cost: bt.cost,
      nav,
      benchNav,
      cumExcess: cumulative(excess, settings.accumulate),
      drawdown: drawdownSeries(excess, settings.accumulate),
    },
    rebalances: {
      day: bt.rebalanceDay,
      iso: Array.from(bt.rebalanceDay, (d) => input.dates[d]),
      turnover: bt.turnover,
      holdings: bt.holdings,
      long: bt.long,
      short: bt.short,
    },
    metrics,
    ...(signal ? { signal } : {}),
    warnings,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) r[k] = o[k];
  return r;
}
