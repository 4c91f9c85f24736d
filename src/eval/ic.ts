/**
 * Per-date predictive power over [T, N] panels: IC / rank IC series, rolling IC, the monthly IC heat map,
 * and quantile (group) forward returns for the group-returns bar chart and the monotonicity view.
 * Index helpers: row t of a [T, N] array starts at t * N.
 */
import { CorrScratch, ascendingOrder, averageRanks, gatherPairs, ic, pearson, rankIc, ranksFromOrder } from './metrics';

export interface IcSeries {
  /** [E] IC per evaluation date (NaN where fewer than 2 valid stocks or no variance) */
  ic: Float64Array;
  /** [E] rank IC per evaluation date */
  rankIc: Float64Array;
  /** [E] number of valid stocks used */
  count: Int32Array;
}

/**
 * IC and rank IC on each evaluation date t in `at`: over stocks n with mask[t, n] (if given), a finite score and
 * a finite label. score, label, mask: [T, N].
 */
export function icSeries(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  N: number,
  at: ArrayLike<number>,
  mask?: ArrayLike<number>,
): IcSeries {
  return signalAnalysis(score, label, N, at, 0, mask).ics;
}

/**
 * IC, rank IC and (if G > 0) quantile returns in one pass per date: the valid pairs are gathered once and the
 * score is sorted once (its order gives both its average ranks and the quantile groups).
 */
export function signalAnalysis(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  N: number,
  at: ArrayLike<number>,
  G: number,
  mask?: ArrayLike<number>,
): { ics: IcSeries; quantiles: QuantileReturns } {
  const E = at.length;
  const ics: IcSeries = { ic: new Float64Array(E), rankIc: new Float64Array(E), count: new Int32Array(E) };
  const Gq = Math.max(0, G);
  const perDate = new Float64Array(E * Gq),
    count = new Int32Array(E * Gq),
    spread = new Float64Array(E);
  const s = new CorrScratch(N);
  for (let e = 0; e < E; e++) {
    const m = gatherPairs(score, label, at[e] * N, N, mask, s);
    ics.count[e] = m;
    ics.ic[e] = pearson(s.x, s.y, m);
    ascendingOrder(s.x, m, s.idx, s.sort);
    ranksFromOrder(s.x, m, s.idx, s.rx); // the score's average ranks from its order
    if (Gq > 0) {
      const o = e * Gq;
      for (let r = 0; r < m; r++) {
        const g = quantileOf(r, m, Gq);
        perDate[o + g] += s.y[s.idx[r]];
        count[o + g]++;
      }
      for (let g = 0; g < Gq; g++) perDate[o + g] = count[o + g] ? perDate[o + g] / count[o + g] : NaN;
      spread[e] = perDate[o + Gq - 1] - perDate[o];
    }
    if (m < 2) {
      ics.rankIc[e] = NaN;
      continue;
    }
    averageRanks(s.y, m, s.ry, s.sort);
    ics.rankIc[e] = pearson(s.rx, s.ry, m);
  }
  return { ics, quantiles: summariseQuantiles(Gq, perDate, count, spread, E) };
}

/**
 * IC (or, with `rank`, rank IC) of each date of score [D, N] vs label [D, N] over the valid pairs (finite both, mask
 * set if given): [D], NaN where fewer than 2 pairs or no variance. Only the asked-for one is computed (the training
 * loop's early-stopping metric, every epoch).
 */
export function dailyIc(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  D: number,
  N: number,
  rank: boolean,
  mask?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(D);
  const s = new CorrScratch(N);
  for (let t = 0; t < D; t++) out[t] = rank ? rankIc(score, label, t * N, N, mask, s) : ic(score, label, t * N, N, mask, s);
  return out;
}

export const rollingMeanDefinition =
  'Rolling IC: mean of the finite IC values in the trailing window of w evaluation dates (NaN for the first w - 1).';
/** Trailing mean over `window` entries (finite values only); NaN for the first window - 1 entries or an all-NaN window. */
export function rollingMean(x: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const w = Math.max(1, Math.floor(window));
  let sum = 0,
    cnt = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i])) {
      sum += x[i];
      cnt++;
    }
    if (i >= w && Number.isFinite(x[i - w])) {
      sum -= x[i - w];
      cnt--;
    }
    if (i >= w - 1 && cnt > 0) out[i] = sum / cnt;
  }
  return out;
}

export interface MonthlyMatrix {
  years: number[];
  /** [Y, 12] mean per (year, month); NaN where no finite value */
  values: Float64Array;
  /** [Y, 12] number of finite values */
  count: Int32Array;
}

/** Mean of x per calendar (year, month) of its ISO dates: the monthly IC heat map. */
export function monthlyMatrix(x: ArrayLike<number>, isoDates: string[]): MonthlyMatrix {
  const ys = new Set<number>();
  for (const d of isoDates) ys.add(+d.slice(0, 4));
  const years = [...ys].sort((a, b) => a - b);
  const yi = new Map(years.map((y, i) => [y, i]));
  const sum = new Float64Array(years.length * 12),
    count = new Int32Array(years.length * 12);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) continue;
    const k = yi.get(+isoDates[i].slice(0, 4))! * 12 + (+isoDates[i].slice(5, 7) - 1);
    sum[k] += x[i];
    count[k]++;
  }
  const values = new Float64Array(sum.length);
  for (let k = 0; k < sum.length; k++) values[k] = count[k] ? sum[k] / count[k] : NaN;
  return { years, values, count };
}

export const quantileDefinition =
  'Quantile groups: per date, stocks ordered by score; the stock at ascending position r of n is in group floor(r x G / n) (1 = lowest, G = highest).';
/** Quantile group (0 = lowest score, G-1 = highest) of ascending position r among n. Every group is non-empty when n >= G. */
export const quantileOf = (r: number, n: number, G: number): number => Math.min(G - 1, Math.floor((r * G) / n));

export interface QuantileReturns {
  groups: number;
  /** [E, G] mean label (forward return) per date and group; NaN where the group is empty */
  perDate: Float64Array;
  /** [E, G] stocks per date and group */
  count: Int32Array;
  /** [G] mean over dates of perDate (finite only): the monotonicity / group-returns bars */
  mean: Float64Array;
  /** [E] top group minus bottom group */
  spread: Float64Array;
  /** Spearman correlation between group number and mean return (1 = perfectly monotone increasing) */
  monotonicity: number;
}

/** Per-date mean forward return of each score quantile group over valid stocks (mask, finite score and label). */
export function quantileReturns(
  score: ArrayLike<number>,
  label: ArrayLike<number>,
  N: number,
  at: ArrayLike<number>,
  G: number,
  mask?: ArrayLike<number>,
): QuantileReturns {
  return signalAnalysis(score, label, N, at, G, mask).quantiles;
}

function summariseQuantiles(G: number, perDate: Float64Array, count: Int32Array, spread: Float64Array, E: number): QuantileReturns {
  const mean = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    let sm = 0,
      c = 0;
    for (let e = 0; e < E; e++) {
      const v = perDate[e * G + g];
      if (Number.isFinite(v)) {
        sm += v;
        c++;
      }
    }
    mean[g] = c ? sm / c : NaN;
  }
  const gi: number[] = [],
    gm: number[] = [];
  for (let g = 0; g < G; g++)
    if (Number.isFinite(mean[g])) {
      gi.push(g);
      gm.push(mean[g]);
    }
  let monotonicity = NaN;
  if (gi.length >= 2) {
    const ra = averageRanks(gi, gi.length, new Float64Array(gi.length));
    const rb = averageRanks(gm, gm.length, new Float64Array(gm.length));
    monotonicity = pearson(ra, rb, gi.length);
  }
  return { groups: G, perDate, count, mean, spread, monotonicity };
}
