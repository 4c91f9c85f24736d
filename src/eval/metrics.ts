/**
 * Every metric the lab reports, one definition each, with a one-line `...Definition` string next to it for the UI.
 * Plain typed arrays in, numbers out; no tfjs. Conventions (Qlib `risk_analysis`, Alphalens):
 * - std uses ddof = 1; ICIR = mean / std, not annualised; t-stat = mean / (std / sqrt(n)).
 * - Annualisation factor N (default 252) and accumulation ('sum' | 'product') are settings.
 * - Non-finite entries of a series (a date without an IC) are skipped by the series statistics.
 */

export interface MetricSettings {
  /** periods per year of the return series (252 trading days) */
  annualization: number;
  /** how returns accumulate into curves and drawdowns: 'product' (compounded, default) or 'sum' (Qlib's default) */
  accumulate: 'sum' | 'product';
}

export const defaultMetricSettings: MetricSettings = { annualization: 252, accumulate: 'product' };

// ---------------------------------------------------------------- series statistics

export interface SeriesStats {
  n: number;
  mean: number;
  std: number;
}

/** n, mean and sample std (ddof = 1) over the finite entries of x. */
export function seriesStats(x: ArrayLike<number>): SeriesStats {
  let n = 0,
    s = 0,
    lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) {
      n++;
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (n === 0) return { n: 0, mean: NaN, std: NaN };
  // a constant series has std exactly 0 (summation rounding would otherwise leave ~1e-19 and a huge ratio)
  if (lo === hi) return { n, mean: lo, std: n > 1 ? 0 : NaN };
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN };
}

export const meanDefinition = 'Mean: arithmetic mean over the finite entries.';
/** Mean of the finite entries. */
export const mean = (x: ArrayLike<number>): number => seriesStats(x).mean;

export const stdDefinition = 'Std: sample standard deviation (ddof = 1) over the finite entries.';
/** Sample standard deviation (ddof = 1) of the finite entries. */
export const std = (x: ArrayLike<number>): number => seriesStats(x).std;

// ---------------------------------------------------------------- cross-sectional correlation

export const pearsonDefinition = 'Pearson correlation: cov(x, y) / (std(x) std(y)); NaN with fewer than 2 points or zero variance.';
/** Pearson correlation of the first n entries of x and y (two-pass); NaN if n < 2 or a variance is 0. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  if (n < 2) return NaN;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - mx,
      b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  if (sxx <= 0 || syy <= 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/** First position p in sorted[0..n) with sorted[p] >= v. */
function lowerBoundF64(sorted: Float64Array, n: number, v: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Scratch for the comparator-free sorts below (sized to the largest cross-section). */
export class SortScratch {
  readonly sorted: Float64Array;
  readonly runEnd: Int32Array;
  readonly order: Int32Array;
  readonly k0: Int32Array;
  readonly k1: Int32Array;
  readonly p1: Int32Array;
  readonly count = new Int32Array(256);
  constructor(n: number) {
    this.sorted = new Float64Array(n);
    this.runEnd = new Int32Array(n);
    this.order = new Int32Array(n);
    this.k0 = new Int32Array(n);
    this.k1 = new Int32Array(n);
    this.p1 = new Int32Array(n);
  }
}

const F32 = new Float32Array(1);
const I32 = new Int32Array(F32.buffer);

/**
 * Fast path when every value is exactly a float32 (panels are Float32Array): LSD radix sort (4 byte passes) of the
 * order-preserving float32 bits, stable, starting from the indices in reverse so ties come out later-entry-first.
 * Returns false (idx untouched) when a value is not float32-exact.
 */
function radixOrder(x: ArrayLike<number>, n: number, idx: Int32Array, s: SortScratch): boolean {
  let ka = s.k0,
    kb = s.k1,
    pa = idx,
    pb = s.p1;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Math.fround(v) !== v) return false;
    F32[0] = v === 0 ? 0 : v; // -0 and +0 are one value
    const b = I32[0]; // int32 keys stay small integers in V8; bytes are read as unsigned below
    ka[n - 1 - i] = b < 0 ? ~b : b ^ 0x80000000; // negative floats: flip all bits; others: set the sign bit
    pa[n - 1 - i] = i;
  }
  const count = s.count;
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(ka[i] >>> shift) & 255]++;
    if (count[(ka[0] >>> shift) & 255] === n) continue; // every key shares this byte
    for (let b = 0, sum = 0; b < 256; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = count[(ka[i] >>> shift) & 255]++;
      kb[d] = ka[i];
      pb[d] = pa[i];
    }
    let t = ka;
    ka = kb;
    kb = t;
    t = pa;
    pa = pb;
    pb = t;
  }
  if (pa !== idx) idx.set(pa.subarray(0, n));
  return true;
}

/**
 * Ascending order of the first n finite entries of x: idx[0] is the lowest. Ties: the later entry comes first, so
 * among equal values the earlier entry ranks higher (is picked first for a top group). Deterministic everywhere.
 * Comparator-free: a radix sort of float32 bits (fast path) or a native sort of a copy plus binary search.
 */
export function ascendingOrder(x: ArrayLike<number>, n: number, idx: Int32Array, s: SortScratch = new SortScratch(n)): Int32Array {
  if (radixOrder(x, n, idx, s)) return idx;
  const sorted = s.sorted.subarray(0, n);
  for (let i = 0; i < n; i++) sorted[i] = x[i];
  sorted.sort();
  const next = s.runEnd; // next free slot of each run of equal values, indexed by the run's first position
  for (let i = 0; i < n; i++) next[i] = i;
  for (let i = n - 1; i >= 0; i--) {
    const lb = lowerBoundF64(sorted, n, x[i]);
    idx[next[lb]++] = i;
  }
  return idx;
}

/** Average ranks from an ascending order: runs of equal values share the mean of their 1-based positions. */
export function ranksFromOrder(x: ArrayLike<number>, n: number, idx: Int32Array, out: Float64Array): Float64Array {
  for (let r = 0; r < n;) {
    let end = r + 1;
    while (end < n && x[idx[end]] === x[idx[r]]) end++;
    const avg = (r + 1 + end) / 2; // positions r+1 .. end
    for (let k = r; k < end; k++) out[idx[k]] = avg;
    r = end;
  }
  return out;
}

export const averageRanksDefinition = 'Rank: 1-based position in ascending order; tied values share the average of their positions.';
/** 1-based ranks of the first n finite entries of x into out; ties get the average rank. */
export function averageRanks(x: ArrayLike<number>, n: number, out: Float64Array, s: SortScratch = new SortScratch(n)): Float64Array {
  return ranksFromOrder(x, n, ascendingOrder(x, n, s.order, s), out);
}

export const spearmanDefinition = 'Spearman correlation: Pearson correlation of the average ranks of x and y.';
/** Spearman correlation (average ranks for ties) of the first n entries. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length, scratch?: CorrScratch): number {
  if (n < 2) return NaN;
  const s = scratch ?? new CorrScratch(n);
  averageRanks(x, n, s.rx, s.sort);
  averageRanks(y, n, s.ry, s.sort);
  return pearson(s.rx, s.ry, n);
}

/** Reusable buffers for per-date correlations (avoids allocating per date). */
export class CorrScratch {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly rx: Float64Array;
  readonly ry: Float64Array;
  readonly idx: Int32Array;
  readonly sort: SortScratch;
  constructor(n: number) {
    this.x = new Float64Array(n);
    this.y = new Float64Array(n);
    this.rx = new Float64Array(n);
    this.ry = new Float64Array(n);
    this.idx = new Int32Array(n);
    this.sort = new SortScratch(n);
  }
}

/**
 * Copy the pairs (score[off+i], label[off+i]) for i < N with both finite and mask (if given) set into s.x, s.y.
 * Returns the pair count. This is the "valid stocks only" rule of every per-date metric.
 */
export function gatherPairs(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  off: number,
  N: number,
  mask: ArrayLike<number> | undefined,
  s: CorrScratch,
): number {
  let m = 0;
  for (let i = 0; i < N; i++) {
    const a = score[off + i],
      b = label[off + i];
    if (mask && !mask[off + i]) continue;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    s.x[m] = a;
    s.y[m] = b;
    m++;
  }
  return m;
}

export const icDefinition = 'IC: per date, Pearson correlation between score and forward return over stocks with both present.';
/** IC of one date: Pearson over valid pairs of row `off`..`off+N` (mask optional). */
export function ic(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  off = 0,
  N = score.length,
  mask?: ArrayLike<number>,
  s = new CorrScratch(N),
): number {
  return pearson(s.x, s.y, gatherPairs(score, label, off, N, mask, s));
}

export const rankIcDefinition =
  'Rank IC: per date, Spearman correlation (average ranks for ties) between score and forward return over stocks with both present.';
/** Rank IC of one date: Spearman over valid pairs (mask optional). */
export function rankIc(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  off = 0,
  N = score.length,
  mask?: ArrayLike<number>,
  s = new CorrScratch(N),
): number {
  return spearman(s.x, s.y, gatherPairs(score, label, off, N, mask, s), s);
}

export const icirDefinition = 'ICIR: mean(IC) / std(IC) over dates (ddof = 1), not annualised (Qlib / Alphalens).';
/** ICIR = mean / std (ddof = 1) of a per-date IC series, NaN entries skipped. */
export function icir(icSeries: ArrayLike<number>): number {
  const s = seriesStats(icSeries);
  return s.std > 0 ? s.mean / s.std : NaN;
}

export const tStatDefinition = 't-stat: mean / (std / sqrt(n)) of the per-date series (ddof = 1).';
/** One-sample t statistic of the finite entries: mean / (std / sqrt(n)). */
export function tStat(x: ArrayLike<number>): number {
  const s = seriesStats(x);
  return s.std > 0 ? s.mean / (s.std / Math.sqrt(s.n)) : NaN;
}

// ---------------------------------------------------------------- return series

export const alphaDefinition = 'Alpha: annualised excess return, mean(portfolio - benchmark) x 252.';
/** Arithmetic annualised mean: mean(x) * N (Qlib 'sum' mode annualized_return). */
export function annualizedMean(x: ArrayLike<number>, N = 252): number {
  return seriesStats(x).mean * N;
}

export const alphaGeoDefinition = 'Alpha (geometric): prod(1 + excess)^(252 / days) - 1.';
/** Geometric annualised return: prod(1 + x)^(N / n) - 1 (Qlib 'product' mode). */
export function annualizedGeometric(x: ArrayLike<number>, N = 252): number {
  let logSum = 0,
    n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) {
      logSum += Math.log1p(v);
      n++;
    }
  }
  return n ? Math.expm1((logSum * N) / n) : NaN;
}

export const irDefinition = 'IR: mean(excess) / std(excess) x sqrt(252) (ddof = 1).';
export const sharpeDefinition = 'Sharpe ratio: mean(return) / std(return) x sqrt(252), risk-free rate 0.';
/** Annualised ratio mean / std * sqrt(N): the IR of an excess series, the Sharpe (rf = 0) of a return series. */
export function annualizedRatio(x: ArrayLike<number>, N = 252): number {
  const s = seriesStats(x);
  return s.std > 0 ? (s.mean / s.std) * Math.sqrt(N) : NaN;
}

export const volatilityDefinition = 'Volatility: std(return) x sqrt(252) (ddof = 1).';
/** Annualised volatility std * sqrt(N). */
export function volatility(x: ArrayLike<number>, N = 252): number {
  return seriesStats(x).std * Math.sqrt(N);
}

export const cumulativeDefinition = "Cumulative curve: prod(1 + r) - 1 ('product') or sum(r) ('sum') up to each day.";
/** Cumulative return curve: out[i] = prod_{j<=i}(1 + x_j) - 1 ('product') or sum_{j<=i} x_j ('sum'). */
export function cumulative(x: ArrayLike<number>, mode: MetricSettings['accumulate'] = 'product'): Float64Array {
  const out = new Float64Array(x.length);
  let v = mode === 'product' ? 1 : 0;
  for (let i = 0; i < x.length; i++) {
    const r = Number.isFinite(x[i]) ? x[i] : 0;
    v = mode === 'product' ? v * (1 + r) : v + r;
    out[i] = mode === 'product' ? v - 1 : v;
  }
  return out;
}

export const drawdownDefinition =
  "Drawdown (underwater): 1 - V_t / max_{s<=t} V_s of the compounded curve V (V_0 = 1 before the first day); 'sum' mode: max(C) - C_t of the summed curve (C_0 = 0).";
/** Underwater series (>= 0) of a return series; the starting value counts as a peak. */
export function drawdownSeries(x: ArrayLike<number>, mode: MetricSettings['accumulate'] = 'product'): Float64Array {
  const out = new Float64Array(x.length);
  let v = mode === 'product' ? 1 : 0,
    peak = v;
  for (let i = 0; i < x.length; i++) {
    const r = Number.isFinite(x[i]) ? x[i] : 0;
    v = mode === 'product' ? v * (1 + r) : v + r;
    if (v > peak) peak = v;
    out[i] = mode === 'product' ? 1 - v / peak : peak - v;
  }
  return out;
}

export const maxDrawdownDefinition = 'Max drawdown: the largest drawdown of the compounded excess curve, as a positive fraction.';
/** Maximum drawdown (positive) of the curve built from a return series. */
export function maxDrawdown(x: ArrayLike<number>, mode: MetricSettings['accumulate'] = 'product'): number {
  const dd = drawdownSeries(x, mode);
  let m = 0;
  for (let i = 0; i < dd.length; i++) if (dd[i] > m) m = dd[i];
  return m;
}

export const turnoverDefinition =
  'Turnover: one-way, sum |w_new - w_old| / 2 per rebalance (w_old = weights drifted since the last trade); mean over rebalances after the first.';
/** One-way turnover of a weight change: sum |w_new - w_old| / 2. */
export function turnover(wOld: ArrayLike<number>, wNew: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < wNew.length; i++) s += Math.abs(wNew[i] - wOld[i]);
  return s / 2;
}

export const holdingsDefinition = 'Holdings: number of stocks with a non-zero weight after each rebalance, averaged over rebalances.';

export const maeDefinition = 'MAE: mean |predicted - realised return| over all valid (stock, date) pairs.';
export const rmseDefinition = 'RMSE: sqrt(mean (predicted - realised return)^2) over all valid (stock, date) pairs.';
/** MAE and RMSE between predictions and realised values over pairs with both finite (and mask set, if given). */
export function maeRmse(
  pred: ArrayLike<number>,
  real: ArrayLike<number>,
  mask?: ArrayLike<number>,
): { mae: number; rmse: number; n: number } {
  let n = 0,
    sa = 0,
    ss = 0;
  for (let i = 0; i < pred.length; i++) {
    if (mask && !mask[i]) continue;
    const p = pred[i],
      r = real[i];
    if (!Number.isFinite(p) || !Number.isFinite(r)) continue;
    const e = p - r;
    sa += Math.abs(e);
    ss += e * e;
    n++;
  }
  return n ? { mae: sa / n, rmse: Math.sqrt(ss / n), n } : { mae: NaN, rmse: NaN, n: 0 };
}

// ---------------------------------------------------------------- the registry used by tables and the UI

export type MetricKey =
  | 'alpha'
  | 'alphaGeo'
  | 'ir'
  | 'excessVol'
  | 'mdd'
  | 'annReturn'
  | 'annReturnGeo'
  | 'sharpe'
  | 'vol'
  | 'portfolioMdd'
  | 'benchReturn'
  | 'turnover'
  | 'holdings'
  | 'costDrag'
  | 'ic'
  | 'icStd'
  | 'icir'
  | 'icT'
  | 'rankIc'
  | 'rankIcStd'
  | 'rankIcir'
  | 'rankIcT'
  | 'mae'
  | 'rmse';

export interface MetricInfo {
  key: MetricKey;
  label: string;
  definition: string;
  /** which direction is better, for best / second-best marks; 'none' = descriptive only */
  better: 'higher' | 'lower' | 'none';
  /** how the UI shows it: 'pct' multiplies by 100 */
  format: 'pct' | 'ratio' | 'count' | 'number';
}

export const METRICS: Record<MetricKey, MetricInfo> = {
  alpha: { key: 'alpha', label: 'α (%)', definition: alphaDefinition, better: 'higher', format: 'pct' },
  alphaGeo: { key: 'alphaGeo', label: 'α geo (%)', definition: alphaGeoDefinition, better: 'higher', format: 'pct' },
  ir: { key: 'ir', label: 'IR', definition: irDefinition, better: 'higher', format: 'ratio' },
  excessVol: {
    key: 'excessVol',
    label: 'Tracking error (%)',
    definition: 'Tracking error: std(excess) x sqrt(252) (ddof = 1).',
    better: 'none',
    format: 'pct',
  },
  mdd: { key: 'mdd', label: 'MDD (%)', definition: maxDrawdownDefinition, better: 'lower', format: 'pct' },
  annReturn: {
    key: 'annReturn',
    label: 'Return (%)',
    definition: 'Annualised return: mean(portfolio return) x 252.',
    better: 'higher',
    format: 'pct',
  },
  annReturnGeo: {
    key: 'annReturnGeo',
    label: 'Return geo (%)',
    definition: 'Annualised return (geometric): prod(1 + r)^(252 / days) - 1.',
    better: 'higher',
    format: 'pct',
  },
  sharpe: { key: 'sharpe', label: 'SR', definition: sharpeDefinition, better: 'higher', format: 'ratio' },
  vol: { key: 'vol', label: 'Volatility (%)', definition: volatilityDefinition, better: 'none', format: 'pct' },
  portfolioMdd: {
    key: 'portfolioMdd',
    label: 'Portfolio MDD (%)',
    definition: 'Max drawdown of the compounded portfolio (not excess) curve, positive fraction.',
    better: 'lower',
    format: 'pct',
  },
  benchReturn: {
    key: 'benchReturn',
    label: 'Benchmark (%)',
    definition: 'Benchmark annualised return: mean(benchmark return) x 252.',
    better: 'none',
    format: 'pct',
  },
  turnover: { key: 'turnover', label: 'TT', definition: turnoverDefinition, better: 'lower', format: 'ratio' },
  holdings: { key: 'holdings', label: 'n̄', definition: holdingsDefinition, better: 'none', format: 'count' },
  costDrag: {
    key: 'costDrag',
    label: 'Costs (%/yr)',
    definition: 'Cost drag: mean daily cost charged x 252.',
    better: 'lower',
    format: 'pct',
  },
  ic: { key: 'ic', label: 'IC', definition: icDefinition + ' Mean over dates.', better: 'higher', format: 'number' },
  icStd: { key: 'icStd', label: 'IC std', definition: 'Std of the per-date IC (ddof = 1).', better: 'none', format: 'number' },
  icir: { key: 'icir', label: 'ICIR', definition: icirDefinition, better: 'higher', format: 'ratio' },
  icT: { key: 'icT', label: 'IC t-stat', definition: tStatDefinition, better: 'higher', format: 'ratio' },
  rankIc: { key: 'rankIc', label: 'Rank IC', definition: rankIcDefinition + ' Mean over dates.', better: 'higher', format: 'number' },
  rankIcStd: {
    key: 'rankIcStd',
    label: 'Rank IC std',
    definition: 'Std of the per-date rank IC (ddof = 1).',
    better: 'none',
    format: 'number',
  },
  rankIcir: {
    key: 'rankIcir',
    label: 'Rank ICIR',
    definition: 'Rank ICIR: mean(rank IC) / std(rank IC) over dates (ddof = 1), not annualised.',
    better: 'higher',
    format: 'ratio',
  },
  rankIcT: { key: 'rankIcT', label: 'Rank IC t-stat', definition: tStatDefinition, better: 'higher', format: 'ratio' },
  mae: { key: 'mae', label: 'MAE', definition: maeDefinition, better: 'lower', format: 'number' },
  rmse: { key: 'rmse', label: 'RMSE', definition: rmseDefinition, better: 'lower', format: 'number' },
};
