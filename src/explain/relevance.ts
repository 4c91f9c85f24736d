/**
 * From per-stock relevance to what the Deep Factor Model paper shows (section 4.4):
 *  - relevance summed by factor group and shown in percent (Figure 3), for one stock or a portfolio;
 *  - the portfolio's relevance = the mean over the stocks of the top quintile of the prediction (section 3.3:
 *    "calculate LRPs of the stocks included in that portfolio and take their average");
 *  - Table 5: Spearman and Kendall correlations between each factor group and the predicted return in the top
 *    quintile, next to the LRP shares.
 * Plain typed arrays, no tfjs.
 */
import { quantileOf } from '../eval/ic';
import { ascendingOrder, spearman } from '../eval/metrics';

/** the distinct factor groups in order of first appearance */
export function groupNames(factorGroups: string[]): string[] {
  return [...new Set(factorGroups)];
}

export interface GroupShares {
  groups: string[];
  /** [G] signed relevance summed over the group's factors */
  relevance: Float64Array;
  /**
   * [G] percent of the absolute group relevances: 100 |R_g| / sum_g' |R_g'| (sums to 100; the paper's Figure 3).
   * All 0 when every group's relevance is 0.
   */
  share: Float64Array;
  /** [G] percent of the total: 100 R_g / sum_g' R_g' (signed; can exceed 100 when groups push in opposite directions) */
  signedShare: Float64Array;
}

/** Sum a relevance vector [F] by factor group and express it in percent (see GroupShares). */
export function groupShares(
  relevance: ArrayLike<number>,
  factorGroups: string[],
  groups: string[] = groupNames(factorGroups),
): GroupShares {
  const G = groups.length;
  const at = new Map(groups.map((g, i) => [g, i]));
  const r = new Float64Array(G);
  for (let f = 0; f < factorGroups.length; f++) r[at.get(factorGroups[f])!] += relevance[f];
  let abs = 0,
    tot = 0;
  for (let g = 0; g < G; g++) {
    abs += Math.abs(r[g]);
    tot += r[g];
  }
  const share = new Float64Array(G),
    signedShare = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    share[g] = abs > 0 ? (100 * Math.abs(r[g])) / abs : 0;
    signedShare[g] = tot !== 0 ? (100 * r[g]) / tot : NaN;
  }
  return { groups, relevance: r, share, signedShare };
}

/**
 * Positions (into `pred`) of the top quantile group of the finite predictions: ascending order, the prediction at
 * position r of n is in group floor(r G / n) (src/eval quantileOf, the backtest's rule); the top group is G - 1.
 */
export function topQuantile(pred: ArrayLike<number>, G = 5): Int32Array {
  const pos: number[] = [];
  for (let i = 0; i < pred.length; i++) if (Number.isFinite(pred[i])) pos.push(i);
  const n = pos.length;
  const vals = Float64Array.from(pos, (i) => pred[i]);
  const order = ascendingOrder(vals, n, new Int32Array(n)); // the backtest's order (ties: the earlier stock ranks higher)
  const out: number[] = [];
  for (let r = 0; r < n; r++) if (quantileOf(r, n, G) === G - 1) out.push(pos[order[r]]);
  return Int32Array.from(out.sort((a, b) => a - b));
}

/** Mean relevance [F] over the rows `rows` of a relevance matrix rel [M, F] (a portfolio's relevance). */
export function meanRelevance(rel: ArrayLike<number>, F: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(F);
  if (rows.length === 0) return out.fill(NaN);
  for (let k = 0; k < rows.length; k++) for (let f = 0; f < F; f++) out[f] += rel[rows[k] * F + f];
  for (let f = 0; f < F; f++) out[f] /= rows.length;
  return out;
}

/**
 * Kendall's tau-b of x and y (n points): (n_c - n_d) / sqrt((n_0 - n_x)(n_0 - n_y)), n_0 = n(n-1)/2, n_x / n_y = pairs
 * tied in x / in y. O(n^2) (a top quintile is small). NaN with fewer than 2 points or a constant variable.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  let nc = 0,
    nd = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]),
        dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tx++;
      if (dy === 0) ty++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) nc++;
        else nd++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const den = Math.sqrt((n0 - tx) * (n0 - ty));
  return den > 0 ? (nc - nd) / den : NaN;
}

export interface GroupCorrelation {
  group: string;
  /** mean over the group's factors of corr(factor, prediction) (the paper's Table 5 recipe) */
  spearman: number;
  kendall: number;
  /** corr(mean of the group's factors, prediction): the group as one composite exposure */
  spearmanComposite: number;
  kendallComposite: number;
  /** stocks used */
  n: number;
}

/**
 * Table 5 on one date: correlations between each factor group and the prediction over the stocks `rows`
 * (e.g. the top quintile). x [M, F] factor exposures of the M stocks, pred [M]. Signed correlations.
 */
export function groupCorrelations(
  x: ArrayLike<number>,
  pred: ArrayLike<number>,
  F: number,
  rows: ArrayLike<number>,
  factorGroups: string[],
  groups: string[] = groupNames(factorGroups),
): GroupCorrelation[] {
  const m = rows.length;
  const p = Float64Array.from({ length: m }, (_, k) => pred[rows[k]]);
  const col = new Float64Array(m);
  const mean = (a: number[]) => {
    const v = a.filter(Number.isFinite);
    return v.length ? v.reduce((s, u) => s + u, 0) / v.length : NaN;
  };
  return groups.map((group) => {
    const fs = factorGroups.map((g, f) => (g === group ? f : -1)).filter((f) => f >= 0);
    const sp: number[] = [],
      kd: number[] = [];
    const comp = new Float64Array(m);
    for (const f of fs) {
      for (let k = 0; k < m; k++) {
        col[k] = x[rows[k] * F + f];
        comp[k] += col[k] / fs.length;
      }
      sp.push(spearman(col, p, m));
      kd.push(kendallTauB(col, p, m));
    }
    return {
      group,
      spearman: mean(sp),
      kendall: mean(kd),
      spearmanComposite: spearman(comp, p, m),
      kendallComposite: kendallTauB(comp, p, m),
      n: m,
    };
  });
}
