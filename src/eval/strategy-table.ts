/**
 * FactorVAE's portfolio experiment (paper Table 3, Figure 6): the same scores traded by TopK-Drop (hold k stocks;
 * each day drop the n worst held and buy the n best not held; Qlib's TopkDropoutStrategy, src/eval/backtest.ts) and by
 * TDrisk (the same TopK-Drop on mu - eta sigma, the model's sigma channel), with the annualised return, Sharpe ratio
 * and max drawdown of the EXCESS return over the lab's benchmark, and the cumulative excess and absolute curves.
 * Everything goes through `evaluate` (one backtest engine, one metrics registry): this file only picks the strategies.
 * No tfjs.
 */
import type { StrategyConfig } from '../core/run';
import { LabError } from '../core/errors';
import { evaluate, type EvalInput, type EvalOptions, type EvalResult } from './evaluate';

/** TDrisk's eta when a run's strategy does not set one above 0 (the FactorVAE presets trade plain TopK-Drop, eta 0) */
export const DEFAULT_TDRISK_ETA = 0.1;

/** Qlib's CSI300 setting the paper uses: k 50, n 5 on a 300-stock universe */
export const PAPER_TOPK = { k: 50, n: 5, universe: 300 };

export interface TopKScale {
  k: number;
  n: number;
  /** true when k and n were scaled down for a universe under 300 stocks */
  scaled: boolean;
  /** mean number of stocks the strategy could pick from per evaluation date */
  universe: number;
  note: string;
}

/**
 * k and n for a universe of `universe` stocks: the paper's 50 / 5 of 300 (1/6 and 1/60 of the universe) kept for
 * 300 stocks or more; below, both scaled proportionally (rounded, k >= 1, 1 <= n <= k), so a 100-stock universe holds
 * 17 and swaps 2 a day instead of holding half the universe.
 */
export function scaleTopK(universe: number, k = PAPER_TOPK.k, n = PAPER_TOPK.n): TopKScale {
  if (!(universe > 0)) throw new LabError(`strategy table: the universe has ${universe} stocks; TopK-Drop needs at least one.`);
  if (universe >= PAPER_TOPK.universe)
    return { k, n, scaled: false, universe, note: `k ${k}, n ${n} (the paper's setting; ${Math.round(universe)} stocks)` };
  const f = universe / PAPER_TOPK.universe;
  const ks = Math.max(1, Math.round(k * f));
  const ns = Math.min(ks, Math.max(1, Math.round(n * f)));
  return {
    k: ks,
    n: ns,
    scaled: true,
    universe,
    note: `k ${ks}, n ${ns}: the paper's k ${k}, n ${n} of 300 stocks scaled to ${Math.round(universe)} stocks`,
  };
}

export type StrategyTableKind = 'topkdrop' | 'tdrisk';

export interface StrategyTableRow {
  kind: StrategyTableKind;
  label: string;
  k: number;
  n: number;
  /** TDrisk's risk aversion (rank by mu - eta sigma); 0 for TopK-Drop */
  eta: number;
  /** annualised mean excess return (metrics.alpha) */
  ar: number;
  /** annualised Sharpe ratio of the excess return, mean / std x sqrt(252) (metrics.ir) */
  sr: number;
  /** max drawdown of the compounded excess curve, positive (metrics.mdd) */
  mdd: number;
  /** holding days, cumulative excess (the metric settings' accumulate mode) and cumulative absolute prod(1 + r) - 1 */
  iso: string[];
  cumExcess: Float64Array;
  cumAbsolute: Float64Array;
  /** the full evaluation, for anything else a view needs */
  eval: EvalResult;
}

export interface StrategyTable {
  rows: StrategyTableRow[];
  scale: TopKScale;
  benchmark: string;
  cumBenchmark: Float64Array;
  notes: string[];
}

export interface StrategyTableOptions extends EvalOptions {
  /** explicit k / n (no scaling); default the paper's 50 / 5, scaled for universes under 300 stocks */
  k?: number;
  n?: number;
  /** TDrisk risk aversion; default DEFAULT_TDRISK_ETA (0.1) */
  eta?: number;
}

/** mean number of stocks with a finite score (and eligible: member and valid) over the evaluation dates */
function meanUniverse(input: EvalInput): number {
  const T = input.dates.length,
    N = input.scores.length / T;
  const lo = input.range?.start ?? '',
    hi = input.range?.end ?? '\uffff';
  let s = 0,
    d = 0;
  for (let t = 0; t < T; t++) {
    if (input.testMask && !input.testMask[t]) continue;
    const iso = input.dates[t].slice(0, 10);
    if (iso < lo || iso > hi) continue;
    let c = 0;
    for (let i = t * N; i < (t + 1) * N; i++) {
      if (input.member && !input.member[i]) continue;
      if (input.valid && !input.valid[i]) continue;
      if (Number.isFinite(input.scores[i])) c++;
    }
    if (c > 0) {
      s += c;
      d++;
    }
  }
  return d ? s / d : 0;
}

/**
 * Table 3 of one method: TopK-Drop on the scores and, when `input.sigma` is given, TDrisk on mu - eta sigma. `base`
 * supplies the costs, the execution lag and the label horizon (its kind, k, n and eta are replaced).
 */
export function strategyTable(input: EvalInput, base: Partial<StrategyConfig> = {}, o: StrategyTableOptions = {}): StrategyTable {
  const universe = meanUniverse(input);
  if (!(universe > 0)) throw new LabError('strategy table: no stock has a score on the evaluation dates.');
  const explicit = o.k !== undefined || o.n !== undefined;
  const scale: TopKScale = explicit
    ? {
        k: o.k ?? PAPER_TOPK.k,
        n: o.n ?? PAPER_TOPK.n,
        scaled: false,
        universe,
        note: `k ${o.k ?? PAPER_TOPK.k}, n ${o.n ?? PAPER_TOPK.n} (set)`,
      }
    : scaleTopK(universe);
  const eta = o.eta ?? DEFAULT_TDRISK_ETA;
  if (!Number.isFinite(eta) || eta < 0) throw new LabError(`strategy table: eta = ${eta}; TDrisk's risk aversion must be a number >= 0.`);
  const strat: StrategyConfig = { ...base, kind: 'topkdrop', k: scale.k, n: scale.n, rebalance: 1 };
  const { sigma, ...plain } = input;
  const row = (kind: StrategyTableKind, e: EvalResult, label: string, eta: number): StrategyTableRow => {
    const cumAbsolute = new Float64Array(e.series.nav.length);
    for (let i = 0; i < cumAbsolute.length; i++) cumAbsolute[i] = e.series.nav[i] - 1;
    return {
      kind,
      label,
      k: scale.k,
      n: scale.n,
      eta,
      ar: e.metrics.alpha,
      sr: e.metrics.ir,
      mdd: e.metrics.mdd,
      iso: e.series.iso,
      cumExcess: e.series.cumExcess,
      cumAbsolute,
      eval: e,
    };
  };
  const top = evaluate(plain, { ...strat, eta: 0 }, o);
  const rows = [row('topkdrop', top, 'TopK-Drop', 0)];
  const notes = [scale.note];
  if (sigma) rows.push(row('tdrisk', evaluate({ ...plain, sigma }, { ...strat, eta }, o), `TDrisk (eta ${eta})`, eta));
  else notes.push('TDrisk: this method has no sigma channel (only FactorVAE predicts a risk).');
  const cumBenchmark = new Float64Array(top.series.benchNav.length);
  for (let i = 0; i < cumBenchmark.length; i++) cumBenchmark[i] = top.series.benchNav[i] - 1;
  return { rows, scale, benchmark: top.settings.benchmark, cumBenchmark, notes };
}
