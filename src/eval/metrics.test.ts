import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import {
  CorrScratch,
  SortScratch,
  ascendingOrder,
  annualizedGeometric,
  annualizedMean,
  annualizedRatio,
  averageRanks,
  cumulative,
  drawdownSeries,
  ic,
  icir,
  maeRmse,
  maxDrawdown,
  pearson,
  rankIc,
  seriesStats,
  spearman,
  tStat,
  turnover,
  volatility,
} from './metrics';

describe('IC and rank IC (worked fixtures)', () => {
  it('IC: Pearson over 5 stocks', () => {
    // score 1..5 -> deviations -2 -1 0 1 2, sum sq 10
    // label mean 0.15/5 = 0.03 -> deviations -0.02 0 -0.01 0.02 0.01, sum sq 0.001
    // sxy = 0.04 + 0 + 0 + 0.02 + 0.02 = 0.08;  IC = 0.08 / sqrt(10 * 0.001) = 0.8
    expect(ic([1, 2, 3, 4, 5], [0.01, 0.03, 0.02, 0.05, 0.04])).toBeCloseTo(0.8, 12);
  });

  it('IC and rank IC exclude NaN scores, NaN labels and masked-out stocks', () => {
    const score = [1, 2, 3, 4, 5, NaN, 7, 8];
    const label = [0.01, 0.03, 0.02, 0.05, 0.04, 0.5, NaN, -9];
    const mask = [1, 1, 1, 1, 1, 1, 1, 0];
    const s = new CorrScratch(8);
    expect(ic(score, label, 0, 8, mask, s)).toBeCloseTo(0.8, 12);
    // label ranks [1, 3, 2, 5, 4] have the same deviations (x100) as the labels -> 0.8 as well
    expect(rankIc(score, label, 0, 8, mask, s)).toBeCloseTo(0.8, 12);
  });

  it('rank IC with ties uses average ranks', () => {
    // score [1, 2, 2, 3, 5] -> ranks [1, 2.5, 2.5, 4, 5]
    // label [0.1, 0.4, 0.2, 0.2, 0.3] -> ranks [1, 5, 2.5, 2.5, 4]
    // both mean 3; deviations a = [-2, -.5, -.5, 1, 2], b = [-2, 2, -.5, -.5, 1]
    // sum ab = 4 - 1 + .25 - .5 + 2 = 4.75; sum a^2 = sum b^2 = 9.5 -> rho = 0.5
    const r = averageRanks([1, 2, 2, 3, 5], 5, new Float64Array(5));
    expect(Array.from(r)).toEqual([1, 2.5, 2.5, 4, 5]);
    expect(spearman([1, 2, 2, 3, 5], [0.1, 0.4, 0.2, 0.2, 0.3])).toBeCloseTo(0.5, 12);
    expect(rankIc([1, 2, 2, 3, 5], [0.1, 0.4, 0.2, 0.2, 0.3])).toBeCloseTo(0.5, 12);
  });

  it('fewer than two pairs or zero variance gives NaN', () => {
    expect(pearson([1], [2])).toBeNaN();
    expect(ic([1, 1, 1], [0.1, 0.2, 0.3])).toBeNaN();
    expect(rankIc([1, NaN], [0.1, 0.2])).toBeNaN();
  });
});

describe('ICIR and t-stat (ddof = 1)', () => {
  it('worked series [0.1, 0.3, -0.1, 0.2]', () => {
    // mean = 0.5 / 4 = 0.125; deviations -0.025, 0.175, -0.225, 0.075
    // sum sq = 0.000625 + 0.030625 + 0.050625 + 0.005625 = 0.0875; var (ddof 1) = 0.0875 / 3
    // ICIR = 0.125 / sqrt(0.0875 / 3) = 0.7319250547113999; t = ICIR * sqrt(4)
    const x = [0.1, 0.3, -0.1, 0.2];
    expect(seriesStats(x).std).toBeCloseTo(Math.sqrt(0.0875 / 3), 14);
    expect(icir(x)).toBeCloseTo(0.7319250547113999, 12);
    expect(tStat(x)).toBeCloseTo(2 * 0.7319250547113999, 12);
    // the ddof = 0 value would be 0.125 / sqrt(0.0875 / 4) = 0.845..., so ddof matters here
    expect(Math.abs(icir(x) - 0.125 / Math.sqrt(0.0875 / 4))).toBeGreaterThan(0.1);
  });

  it('NaN dates are skipped', () => {
    expect(icir([0.1, NaN, 0.3, -0.1, 0.2])).toBeCloseTo(0.7319250547113999, 12);
  });
});

describe('return metrics', () => {
  it('alpha (arithmetic and geometric), IR, Sharpe, volatility', () => {
    const x = [0.01, -0.01, 0.02, 0];
    // mean 0.005; deviations .005 -.015 .015 -.005; sum sq 0.0005; std = sqrt(0.0005 / 3)
    const sd = Math.sqrt(0.0005 / 3);
    expect(annualizedMean(x)).toBeCloseTo(0.005 * 252, 13);
    expect(annualizedRatio(x)).toBeCloseTo((0.005 / sd) * Math.sqrt(252), 11);
    expect(volatility(x)).toBeCloseTo(sd * Math.sqrt(252), 13);
    // geometric: (1.01 * 0.99 * 1.02 * 1)^(252 / 4) - 1
    expect(annualizedGeometric(x)).toBeCloseTo(Math.pow(1.01 * 0.99 * 1.02, 63) - 1, 11);
    expect(annualizedMean(x, 12)).toBeCloseTo(0.06, 13);
  });

  it('max drawdown of a hand-made curve', () => {
    // V: 1.1, 0.88, 0.924, 1.0164, 0.96558; peak 1.1 from day 1 -> drawdowns 0, .2, .16, .076, .1222
    const r = [0.1, -0.2, 0.05, 0.1, -0.05];
    const dd = drawdownSeries(r);
    expect(dd[1]).toBeCloseTo(0.2, 14);
    expect(dd[2]).toBeCloseTo(1 - 0.924 / 1.1, 14);
    expect(dd[4]).toBeCloseTo(1 - 0.96558 / 1.1, 14);
    expect(maxDrawdown(r)).toBeCloseTo(0.2, 14);
    // the starting value counts as a peak: a first-day loss of 10% is a 10% drawdown
    expect(maxDrawdown([-0.1, 0.05])).toBeCloseTo(0.1, 14);
    // 'sum' mode: C = .1, -.1, -.05, .05, 0 -> max(peak - C) = 0.2; and [-.1, .05]: C = -.1, -.05 -> 0.1
    expect(maxDrawdown(r, 'sum')).toBeCloseTo(0.2, 14);
    expect(maxDrawdown([-0.1, 0.05], 'sum')).toBeCloseTo(0.1, 14);
    // 1.1 - 1 = 0.1; 1.1 * 0.8 - 1 = -0.12
    expect(cumulative([0.1, -0.2], 'product')[0]).toBeCloseTo(0.1, 15);
    expect(cumulative([0.1, -0.2], 'product')[1]).toBeCloseTo(-0.12, 15);
    expect(cumulative([0.1, -0.2], 'sum')[1]).toBeCloseTo(-0.1, 15);
  });

  it('turnover of a known weight change', () => {
    // |0 - .5| + |.5 - .5| + |.25 - 0| + |.25 - 0| = 1.0 -> one-way 0.5
    expect(turnover([0.5, 0.5, 0, 0], [0, 0.5, 0.25, 0.25])).toBeCloseTo(0.5, 15);
  });

  it('MAE / RMSE over valid pairs', () => {
    // errors .01, -.03 (NaN pair and masked pair dropped): MAE .02, RMSE sqrt((1e-4 + 9e-4) / 2)
    const r = maeRmse([0.02, 0.0, 0.5, 0.1], [0.01, 0.03, NaN, 0.2], [1, 1, 1, 0]);
    expect(r.n).toBe(2);
    expect(r.mae).toBeCloseTo(0.02, 15);
    expect(r.rmse).toBeCloseTo(Math.sqrt(0.0005), 15);
  });
});

describe('properties', () => {
  const rng = makeRng(7);
  const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

  it('rank IC is invariant to strictly increasing transforms of the score', () => {
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + trial;
      const s = rand(n),
        y = rand(n);
      // ties on purpose
      for (let i = 0; i < n; i += 7) s[i] = s[0];
      const t1 = s.map((v) => Math.exp(3 * v) + v * v * v);
      const t2 = s.map((v) => 10 * v - 4);
      const base = rankIc(s, y);
      expect(rankIc(t1, y)).toBe(base);
      expect(rankIc(t2, y)).toBe(base);
    }
  });

  it('a perfect-foresight score has IC 1 and rank IC 1', () => {
    for (let trial = 0; trial < 10; trial++) {
      const y = rand(100);
      expect(ic(y, y)).toBeCloseTo(1, 12);
      expect(rankIc(y, y)).toBeCloseTo(1, 12);
      expect(
        rankIc(
          y.map((v) => -v),
          y,
        ),
      ).toBeCloseTo(-1, 12);
    }
  });

  it('constant non-negative excess returns have zero drawdown', () => {
    for (const c of [0, 1e-4, 0.001, 0.05]) {
      const x = new Float64Array(500).fill(c);
      expect(maxDrawdown(x)).toBe(0);
      expect(maxDrawdown(x, 'sum')).toBe(0);
      expect(annualizedRatio(x)).toBeNaN(); // std 0: undefined, not infinite
    }
  });
});

describe('comparator-free ordering (radix fast path and float64 fallback)', () => {
  const rng = makeRng(11);
  /** reference: ascending by value, ties -> later index first (the earlier stock ranks higher) */
  const reference = (x: ArrayLike<number>) => Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b] || b - a);

  it('matches a comparator sort on float32 panels (radix path) and float64 values (fallback), with ties', () => {
    const s = new SortScratch(300);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + rng.int(300);
      const f64 = Float64Array.from({ length: n }, () => (rng.uniform() < 0.2 ? 0.25 : rng.normal() * 10 ** rng.int(6)));
      const f32 = Float64Array.from(f64, (v) => Math.fround(v));
      // special values: both zeros (one tie), infinities, repeated negatives
      if (n > 6) {
        f32[0] = -0;
        f32[1] = 0;
        f32[2] = Infinity;
        f32[3] = -Infinity;
        f32[4] = -3;
        f32[5] = -3;
      }
      for (const x of [f32, f64]) {
        const got = Array.from(ascendingOrder(x, n, new Int32Array(n), s));
        expect(got).toEqual(reference(x));
      }
    }
  });

  it('average ranks agree between the two paths', () => {
    // all float32-exact -> radix path; -0 and 0 tie
    const x32 = [0.5, -1, 0.5, 2, -0, 0, 7];
    expect(Array.from(averageRanks(x32, 7, new Float64Array(7)))).toEqual([4.5, 1, 4.5, 6, 2.5, 2.5, 7]);
    // 0.1 is not a float32 -> fallback path; it slots in at rank 4 and shifts the ranks above it
    expect(Array.from(averageRanks([...x32, 0.1], 8, new Float64Array(8)))).toEqual([5.5, 1, 5.5, 7, 2.5, 2.5, 8, 4]);
  });
});
