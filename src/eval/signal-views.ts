/**
 * Signal tear-sheet views (what Alphalens users expect: tears.py's information, returns and turnover tear sheets),
 * plus the portfolio's return distribution and its book on a date. Typed arrays in, numbers out; no tfjs.
 *
 *   IC decay        mean rank IC of the score against the forward return of each panel horizon, +- 2 standard
 *                   errors (Newey-West, Bartlett kernel, lag = horizon - 1 dates: forward windows of h days overlap)
 *   IC by industry  per date, the rank IC among the stocks of one industry (>= 2 with score and label); mean over dates
 *   quantile curves each score quantile (equal weight) backtested with the lab's engine (same formation dates,
 *                   rebalance schedule, execution lag, drift, suspensions, delistings), gross of costs; the spread is
 *                   the lab's long-short backtest (top quantile long, bottom short, net zero) with the same groups
 *   rank autocorr.  Spearman correlation of the scores of consecutive rebalance formation dates over the stocks scored
 *                   on both; turnover of quantile q = share of the names in q now that were not in q at the previous
 *                   rebalance (Alphalens' quantile_turnover with period = one rebalance)
 *   distribution    histogram and moments of the portfolio's daily net returns; VaR / CVaR at 5%
 *   book            the weights set at each rebalance (stock indices and weights, sparse)
 */
import { backtest, rebalanceFormations, type BacktestArrays, type ResolvedStrategy } from './backtest';
import { quantileOf } from './ic';
import { CorrScratch, SortScratch, ascendingOrder, rankIc, seriesStats, spearman } from './metrics';

export interface IcDecayRow {
  horizon: number;
  /** mean rank IC over the evaluation dates with one */
  mean: number;
  /** Newey-West standard error of that mean (lag = horizon - 1) */
  se: number;
  /** dates with a finite rank IC */
  dates: number;
}

export const icDecayDefinition =
  'IC decay: the mean rank IC of the score against the forward return of each horizon, with +-2 Newey-West standard errors (lag = horizon - 1 dates, since h-day forward returns of consecutive dates overlap).';

/**
 * Newey-West (Bartlett) standard error of the mean of the finite entries of x, with `lag` autocovariance lags:
 * var = g0 + 2 sum_{j=1..L} (1 - j / (L + 1)) g_j, g_j = (1/n) sum_t (x_t - m)(x_{t-j} - m); se = sqrt(var / n).
 * lag 0 is the plain se with the 1/n variance. NaN with fewer than 2 values.
 */
export function neweyWestSe(x: ArrayLike<number>, lag: number): number {
  const v: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) v.push(x[i]);
  const n = v.length;
  if (n < 2) return NaN;
  let m = 0;
  for (const a of v) m += a;
  m /= n;
  const L = Math.max(0, Math.min(Math.floor(lag), n - 1));
  let s = 0;
  for (let j = 0; j <= L; j++) {
    let g = 0;
    for (let t = j; t < n; t++) g += (v[t] - m) * (v[t - j] - m);
    g /= n;
    s += j === 0 ? g : 2 * (1 - j / (L + 1)) * g;
  }
  return Math.sqrt(Math.max(0, s) / n);
}

/** Rank IC per horizon of one [T, N] score against fwd [H, T, N] on the dates `at` (mask [T, N] optional). */
export function icDecay(
  score: ArrayLike<number>,
  fwd: Float32Array | Float64Array,
  horizons: number[],
  N: number,
  at: ArrayLike<number>,
  mask?: ArrayLike<number>,
): IcDecayRow[] {
  const TN = score.length;
  const s = new CorrScratch(N);
  const ics = new Float64Array(at.length);
  return horizons.map((horizon, h) => {
    const label = fwd.subarray(h * TN, (h + 1) * TN);
    for (let e = 0; e < at.length; e++) ics[e] = rankIc(score, label, at[e] * N, N, mask, s);
    const st = seriesStats(ics);
    return { horizon, mean: st.mean, se: neweyWestSe(ics, horizon - 1), dates: st.n };
  });
}

export interface IndustryIcRow {
  /** industry id (index into the panel's industry names) */
  industry: number;
  name: string;
  /** mean over dates of the rank IC within the industry */
  mean: number;
  /** plain standard error std / sqrt(n) (ddof 1) of that mean */
  se: number;
  /** dates with a finite rank IC in this industry */
  dates: number;
  /** mean number of stocks per such date */
  stocks: number;
}

export const industryIcDefinition =
  'IC by industry: on each date, the rank IC among the stocks of one industry only (at least 2 with a score and a label); the mean over dates. It asks whether the score ranks stocks within an industry, not only industries against each other.';

/** Mean within-industry rank IC. industry [T, N] ids (-1 = unknown, skipped), names indexed by id. */
export function industryIc(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  industry: ArrayLike<number>,
  names: string[],
  N: number,
  at: ArrayLike<number>,
  mask?: ArrayLike<number>,
): IndustryIcRow[] {
  const K = names.length;
  const perDate: number[][] = names.map(() => []);
  const count = new Float64Array(K);
  const s = new CorrScratch(N);
  const members: number[][] = names.map(() => []);
  for (let e = 0; e < at.length; e++) {
    const off = at[e] * N;
    for (const m of members) m.length = 0;
    for (let n = 0; n < N; n++) {
      const k = industry[off + n];
      if (k < 0 || k >= K || (mask && !mask[off + n])) continue;
      if (!Number.isFinite(score[off + n]) || !Number.isFinite(label[off + n])) continue;
      members[k].push(off + n);
    }
    for (let k = 0; k < K; k++) {
      const ids = members[k];
      if (ids.length < 2) continue;
      for (let i = 0; i < ids.length; i++) {
        s.x[i] = score[ids[i]];
        s.y[i] = label[ids[i]];
      }
      const r = spearman(s.x, s.y, ids.length, s);
      if (!Number.isFinite(r)) continue;
      perDate[k].push(r);
      count[k] += ids.length;
    }
  }
  return names.map((name, k) => {
    const st = seriesStats(perDate[k]);
    return {
      industry: k,
      name,
      mean: st.mean,
      se: st.n > 1 ? st.std / Math.sqrt(st.n) : NaN,
      dates: st.n,
      stocks: st.n ? count[k] / st.n : 0,
    };
  });
}

export interface QuantileCurves {
  groups: number;
  /** [D] date index of each holding day (as the strategy's backtest) */
  day: Int32Array;
  /** [G, D] compounded return prod(1 + r) - 1 of quantile g (0 = lowest score), gross of costs */
  cum: Float64Array;
  /** [D] compounded return of the top-minus-bottom long-short portfolio, gross */
  spread: Float64Array;
  /** [G] annualised mean daily return of each quantile (x 252) */
  annual: Float64Array;
  warnings: string[];
}

export const quantileCurvesDefinition =
  "Cumulative return per score quantile: on each rebalance date the scored stocks (universe members) are split into G equal groups by score; each group is held equally weighted with the strategy's rebalance dates, execution lag and drift, gross of costs. The spread is top minus bottom (long the top group, short the bottom, net zero).";

const compound = (r: Float64Array) => {
  const out = new Float64Array(r.length);
  let v = 1;
  for (let i = 0; i < r.length; i++) out[i] = (v *= 1 + r[i]) - 1;
  return out;
};

/**
 * Quantile portfolios on the lab's backtest engine: quantile g is the model-weighted backtest of the indicator
 * "in group g among the eligible, scored stocks tradable at execution" (cap 1: equal weights; the same candidates
 * and frozen-holding rule as the top-quantile strategy, so g = G - 1 reproduces it exactly), costs 0. The spread is
 * the long-short backtest with G groups, costs 0.
 */
export function quantileCurves(
  a: BacktestArrays,
  st: ResolvedStrategy,
  formation: ArrayLike<number>,
  G: number,
  rebalanceAt?: ArrayLike<number>,
): QuantileCurves {
  const { T, N } = a;
  const warnings: string[] = [];
  const gross = { ...st, openCost: 0, closeCost: 0, groups: G };
  const weights = new Float32Array(T * N);
  // [T, N] quantile of each candidate on the rebalance formation dates only (the dates the backtest reads weights on)
  const group = new Int8Array(T * N).fill(-1);
  const order = new Int32Array(N),
    cand = new Int32Array(N),
    cs = new Float64Array(N),
    sort = new SortScratch(N);
  const reb = rebalanceFormations(formation, st.rebalance, rebalanceAt);
  for (const tf of reb) {
    const te = tf + st.lag;
    if (te >= T) continue;
    let m = 0;
    for (let n = 0; n < N; n++) {
      const o = tf * N + n;
      if (a.eligible && !a.eligible[o]) continue;
      if (!Number.isFinite(a.score[o])) continue;
      if (a.tradable && a.tradable[te * N + n] === 0) continue;
      cand[m] = n;
      cs[m++] = a.score[o];
    }
    if (m < G) continue;
    ascendingOrder(cs, m, order, sort);
    for (let r = 0; r < m; r++) group[tf * N + cand[order[r]]] = quantileOf(r, m, G);
  }
  let day: Int32Array = new Int32Array(0);
  const cumAll: Float64Array[] = [],
    annual = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    for (const tf of reb) for (let n = 0, o = tf * N; n < N; n++) weights[o + n] = group[o + n] === g ? 1 : 0;
    const bt = backtest({ ...a, weights }, { ...gross, kind: 'modelweight', cap: 1 }, { formation, rebalanceAt });
    day = bt.day;
    cumAll.push(compound(bt.ret));
    annual[g] = seriesStats(bt.ret).mean * 252;
    if (g === 0) warnings.push(...bt.warnings.filter((w) => !w.startsWith('modelweight')));
  }
  const ls = backtest(a, { ...gross, kind: 'longshort' }, { formation, rebalanceAt });
  const D = day.length;
  const cum = new Float64Array(G * D);
  cumAll.forEach((c, g) => cum.set(c, g * D));
  return { groups: G, day, cum, spread: compound(ls.ret), annual, warnings };
}

export interface RankTurnover {
  groups: number;
  /** [R] formation date index of each rebalance after the first */
  formation: Int32Array;
  /** [R] Spearman correlation of the scores with those of the previous rebalance (stocks scored on both) */
  autocorr: Float64Array;
  /** [R, G] share of quantile g's names that were not in g at the previous rebalance */
  turnover: Float64Array;
  /** [G] mean turnover per quantile; mean autocorrelation */
  meanTurnover: Float64Array;
  meanAutocorr: number;
}

export const rankAutocorrDefinition =
  'Factor rank autocorrelation: the Spearman correlation between the scores of one rebalance date and the previous one, over the stocks scored on both. Near 1 = a slow signal (cheap to trade); near 0 = the ranking is new each time.';
export const quantileTurnoverDefinition =
  'Quantile turnover: the share of the stocks in a quantile that were not in it at the previous rebalance (0 = same names, 1 = all new).';

/** Rank autocorrelation and per-quantile turnover between consecutive rebalance formation dates. */
export function rankTurnover(
  score: ArrayLike<number>,
  N: number,
  rebalances: ArrayLike<number>,
  G: number,
  eligible?: ArrayLike<number>,
): RankTurnover {
  const R = Math.max(0, rebalances.length - 1);
  const formation = new Int32Array(R),
    autocorr = new Float64Array(R),
    turnover = new Float64Array(R * G);
  const ok = (o: number) => (!eligible || eligible[o]) && Number.isFinite(score[o]);
  const groupsAt = (t: number): Int8Array => {
    const q = new Int8Array(N).fill(-1);
    const cand: number[] = [],
      cs: number[] = [];
    for (let n = 0; n < N; n++)
      if (ok(t * N + n)) {
        cand.push(n);
        cs.push(score[t * N + n]);
      }
    const m = cand.length;
    if (m < G) return q;
    const order = ascendingOrder(cs, m, new Int32Array(m));
    for (let r = 0; r < m; r++) q[cand[order[r]]] = quantileOf(r, m, G);
    return q;
  };
  const s = new CorrScratch(N);
  let prev = rebalances.length ? groupsAt(rebalances[0]) : new Int8Array(0);
  for (let i = 0; i < R; i++) {
    const t0 = rebalances[i],
      t1 = rebalances[i + 1];
    formation[i] = t1;
    let m = 0;
    for (let n = 0; n < N; n++)
      if (ok(t0 * N + n) && ok(t1 * N + n)) {
        s.x[m] = score[t0 * N + n];
        s.y[m++] = score[t1 * N + n];
      }
    autocorr[i] = spearman(s.x, s.y, m, s);
    const cur = groupsAt(t1);
    for (let g = 0; g < G; g++) {
      let inG = 0,
        fresh = 0;
      for (let n = 0; n < N; n++)
        if (cur[n] === g) {
          inG++;
          if (prev[n] !== g) fresh++;
        }
      turnover[i * G + g] = inG ? fresh / inG : NaN;
    }
    prev = cur;
  }
  const meanTurnover = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const col = new Float64Array(R);
    for (let i = 0; i < R; i++) col[i] = turnover[i * G + g];
    meanTurnover[g] = seriesStats(col).mean;
  }
  return { groups: G, formation, autocorr, turnover, meanTurnover, meanAutocorr: seriesStats(autocorr).mean };
}

export interface ReturnDistribution {
  /** [B + 1] bin edges (equal width from the lowest to the highest daily return) */
  edges: Float64Array;
  /** [B] days per bin (the last bin includes its upper edge) */
  counts: Int32Array;
  n: number;
  mean: number;
  std: number;
  /** sample skewness m3 / m2^1.5 and excess kurtosis m4 / m2^2 - 3 (population moments) */
  skew: number;
  kurtosis: number;
  /** 5% historical VaR: the 5% quantile of daily returns (linear interpolation, a loss is negative) */
  var5: number;
  /** mean of the daily returns at or below var5 */
  cvar5: number;
}

export const returnDistributionDefinition =
  "Return distribution: a histogram of the portfolio's daily net returns, with skew (negative = a longer loss tail), excess kurtosis (fat tails) and the 5% VaR / CVaR (the worst 1-in-20 day, and the mean of the days at least that bad).";

/** Histogram (B equal bins) and moments of the finite daily returns r. */
export function returnDistribution(r: ArrayLike<number>, B = 30): ReturnDistribution {
  const v: number[] = [];
  for (let i = 0; i < r.length; i++) if (Number.isFinite(r[i])) v.push(r[i]);
  v.sort((x, y) => x - y);
  const n = v.length;
  const edges = new Float64Array(B + 1),
    counts = new Int32Array(B);
  if (n === 0) return { edges: edges.fill(NaN), counts, n, mean: NaN, std: NaN, skew: NaN, kurtosis: NaN, var5: NaN, cvar5: NaN };
  const lo = v[0],
    hi = v[n - 1],
    w = hi > lo ? (hi - lo) / B : 1;
  for (let b = 0; b <= B; b++) edges[b] = lo + b * w;
  for (const x of v) counts[Math.min(B - 1, Math.floor((x - lo) / w))]++;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= n;
  let m2 = 0,
    m3 = 0,
    m4 = 0;
  for (const x of v) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const pos = 0.05 * (n - 1),
    i0 = Math.floor(pos);
  const var5 = i0 + 1 < n ? v[i0] + (pos - i0) * (v[i0 + 1] - v[i0]) : v[i0];
  let cs = 0,
    cc = 0;
  for (const x of v)
    if (x <= var5) {
      cs += x;
      cc++;
    }
  return {
    edges,
    counts,
    n,
    mean,
    std: n > 1 ? Math.sqrt((m2 * n) / (n - 1)) : NaN,
    skew: m2 > 0 ? m3 / m2 ** 1.5 : NaN,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : NaN,
    var5,
    cvar5: cc ? cs / cc : NaN,
  };
}

/** The portfolio's book at each rebalance: the weights just set, sparse. Entries of rebalance i: start[i] .. start[i+1]. */
export interface Book {
  /** [R] execution date index of each rebalance */
  day: Int32Array;
  /** [R + 1] offsets into stock / weight */
  start: Int32Array;
  stock: Int32Array;
  weight: Float64Array;
}

/** A collector for backtest's onTrade hook; book() returns what it saw. */
export function bookRecorder(): { onTrade: (day: number, w: Float64Array) => void; book: () => Book } {
  const day: number[] = [],
    start: number[] = [0],
    stock: number[] = [],
    weight: number[] = [];
  return {
    onTrade(d, w) {
      day.push(d);
      for (let n = 0; n < w.length; n++)
        if (w[n] !== 0) {
          stock.push(n);
          weight.push(w[n]);
        }
      start.push(stock.length);
    },
    book: () => ({
      day: Int32Array.from(day),
      start: Int32Array.from(start),
      stock: Int32Array.from(stock),
      weight: Float64Array.from(weight),
    }),
  };
}

/** The rebalance of the book in force on date index `t`: the last one executed at or before t (-1 = none yet). */
export function bookIndexAt(book: Book, t: number): number {
  let i = -1;
  for (let r = 0; r < book.day.length && book.day[r] <= t; r++) i = r;
  return i;
}

/** Everything the signal tear sheet shows for one evaluation (EvalResult.signal when evaluate is asked for it). */
export interface SignalViews {
  icDecay: IcDecayRow[];
  /** empty when the input has no industries */
  industryIc: IndustryIcRow[];
  quantiles: QuantileCurves;
  rank: RankTurnover;
  distribution: ReturnDistribution;
  book: Book;
}
