import { describe, expect, it } from 'vitest';
import { backtest, resolveStrategy } from './backtest';
import { evaluate } from './evaluate';
import { bookIndexAt, icDecay, industryIc, neweyWestSe, quantileCurves, rankTurnover, returnDistribution } from './signal-views';
import { mulberry32 } from '../core/rng';

describe('neweyWestSe', () => {
  it('lag 0 is the plain standard error, lag 1 adds the Bartlett-weighted autocovariance', () => {
    // x = 1 2 3 4, m = 2.5, g0 = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, se = sqrt(1.25 / 4) = 0.559017
    expect(neweyWestSe([1, 2, 3, 4], 0)).toBeCloseTo(Math.sqrt(0.3125), 12);
    // g1 = ((-0.5)(-1.5) + (0.5)(-0.5) + (1.5)(0.5)) / 4 = 0.3125; var = 1.25 + 2 (1 - 1/2) 0.3125 = 1.5625
    // se = sqrt(1.5625 / 4) = 0.625
    expect(neweyWestSe([1, 2, NaN, 3, 4], 1)).toBeCloseTo(0.625, 12);
    expect(neweyWestSe([1], 0)).toBeNaN();
  });
});

describe('icDecay', () => {
  it('mean rank IC per horizon with Newey-West standard errors', () => {
    // N = 3, T = 2; scores row 0 = 1 2 3, row 1 = 3 2 1
    const score = [1, 2, 3, 3, 2, 1];
    // horizon 1: row 0 labels rise with the score (rank IC +1), row 1 too (+1): mean 1, no spread -> se 0
    // horizon 5: row 0 labels .3 .1 .2 -> label ranks 3 1 2 vs 1 2 3: d^2 = 4 + 1 + 1 = 6, rho = 1 - 6*6/(3*8) = -0.5
    //            row 1 labels .05 .01 .03 -> ranks 3 1 2 vs score ranks 3 2 1: d^2 = 0 + 1 + 1 = 2, rho = 1 - 12/24 = 0.5
    //            mean 0; lag = min(5 - 1, n - 1) = 1: g0 = (0.25 + 0.25)/2 = 0.25, g1 = (0.5)(-0.5)/2 = -0.125
    //            var = 0.25 + 2 (1/2)(-0.125) = 0.125, se = sqrt(0.125 / 2) = 0.25
    const fwd = Float32Array.from([0.01, 0.02, 0.03, 0.03, 0.02, 0.01, 0.3, 0.1, 0.2, 0.05, 0.01, 0.03]);
    const rows = icDecay(score, fwd, [1, 5], 3, [0, 1]);
    expect(rows.map((r) => r.horizon)).toEqual([1, 5]);
    expect(rows[0].mean).toBeCloseTo(1, 12);
    expect(rows[0].se).toBeCloseTo(0, 12);
    expect(rows[0].dates).toBe(2);
    expect(rows[1].mean).toBeCloseTo(0, 12);
    expect(rows[1].se).toBeCloseTo(0.25, 6);
    // a mask that drops date 1's third stock: 2 pairs (3, .05) (2, .01) -> rank IC +1 at horizon 5; mean (-0.5 + 1) / 2
    const mask = [1, 1, 1, 1, 1, 0];
    expect(icDecay(score, fwd, [1, 5], 3, [0, 1], mask)[1].mean).toBeCloseTo(0.25, 12);
  });
});

describe('industryIc', () => {
  it('rank IC within each industry, averaged over dates', () => {
    // date 0: industries A A B B, scores 1 2 3 4, labels .1 .2 .4 .3 -> A: +1, B: -1 (the pooled rank IC would be 0.8)
    // date 1: industries A A B -1, labels .2 .1 .3 .4 -> A: -1; B has one stock (no IC); the unknown industry is skipped
    const score = [1, 2, 3, 4, 1, 2, 3, 4];
    const label = [0.1, 0.2, 0.4, 0.3, 0.2, 0.1, 0.3, 0.4];
    const industry = [0, 0, 1, 1, 0, 0, 1, -1];
    const [a, b] = industryIc(score, label, industry, ['A', 'B'], 4, [0, 1]);
    // A: mean (1 - 1)/2 = 0, se = std(1, -1)/sqrt(2) = sqrt(2)/sqrt(2) = 1, 2 stocks per date
    expect(a).toMatchObject({ industry: 0, name: 'A', dates: 2, stocks: 2 });
    expect(a.mean).toBeCloseTo(0, 12);
    expect(a.se).toBeCloseTo(1, 12);
    // B: only date 0: mean -1, one date -> no se
    expect(b).toMatchObject({ name: 'B', dates: 1, stocks: 2 });
    expect(b.mean).toBeCloseTo(-1, 12);
    expect(b.se).toBeNaN();
  });
});

describe('quantileCurves', () => {
  it('worked fixture: equal-weighted halves with drift, and the long-short spread', () => {
    // N = 4, T = 4, formation dates 0 and 1, one rebalance (every 21), lag 1: trade at close 1, hold days 2 and 3
    const N = 4,
      T = 4;
    const score = Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN]);
    const ret = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0.01, 0.03, -0.02, 0.1, 0.02, 0, 0, 0.05]);
    const st = resolveStrategy({ kind: 'topquantile', rebalance: 21 });
    const q = quantileCurves({ T, N, score, ret }, st, [0, 1], 2);
    expect(Array.from(q.day)).toEqual([2, 3]);
    const D = 2;
    // bottom {0, 1}: 0.5 x 1.01 x 1.02 + 0.5 x 1.03 x 1.00 = 1.0301 -> day 2: 0.02, day 3: 0.0301
    expect(q.cum[0]).toBeCloseTo(0.02, 6);
    expect(q.cum[1]).toBeCloseTo(0.0301, 6);
    // top {2, 3}: 0.5 x 0.98 x 1.00 + 0.5 x 1.10 x 1.05 = 1.0675 -> day 2: 0.04, day 3: 0.0675
    expect(q.cum[D]).toBeCloseTo(0.04, 6);
    expect(q.cum[D + 1]).toBeCloseTo(0.0675, 6);
    // spread: +0.5 top, -0.5 bottom: day 2 0.04 - 0.02 = 0.02; day 3 (0.49 + 0.5775) - (0.505 + 0.5251) + ... = 0.0675 - 0.0301 = 0.0374
    expect(q.spread[0]).toBeCloseTo(0.02, 6);
    expect(q.spread[1]).toBeCloseTo(0.0374, 6);
  });

  it('the top quantile reproduces the top-quantile strategy at zero cost (suspensions, lag, monthly rebalance)', () => {
    const T = 90,
      N = 23,
      rng = mulberry32(7);
    const score = new Float32Array(T * N),
      ret = new Float32Array(T * N),
      tradable = new Uint8Array(T * N).fill(1),
      eligible = new Uint8Array(T * N).fill(1);
    for (let i = 0; i < T * N; i++) {
      score[i] = rng() - 0.5;
      ret[i] = (rng() - 0.5) * 0.04;
      if (rng() < 0.05) tradable[i] = 0;
      if (rng() < 0.1) eligible[i] = 0;
      if (rng() < 0.03) score[i] = NaN;
    }
    const formation = Array.from({ length: 70 }, (_, i) => i + 5);
    const st = resolveStrategy({ kind: 'topquantile', groups: 5, rebalance: 10, cost: 0.004 });
    const a = { T, N, score, ret, tradable, eligible };
    const q = quantileCurves(a, st, formation, 5);
    const ref = backtest(a, { ...st, openCost: 0, closeCost: 0 }, { formation });
    expect(Array.from(q.day)).toEqual(Array.from(ref.day));
    const D = ref.day.length;
    let v = 1;
    for (let k = 0; k < D; k++) {
      v *= 1 + ref.ret[k];
      expect(q.cum[4 * D + k]).toBeCloseTo(v - 1, 10);
    }
    const ls = backtest(a, { ...st, kind: 'longshort', openCost: 0, closeCost: 0 }, { formation });
    expect(q.spread[D - 1]).toBeCloseTo(ls.ret.reduce((p, r) => p * (1 + r), 1) - 1, 10);
  });
});

describe('rankTurnover', () => {
  it('Spearman of consecutive rebalance scores and the share of new names per quantile', () => {
    // t0 = 1 2 3 4, t1 = 2 1 4 3, t2 = 4 3 2 1 (N = 4, G = 2)
    const score = [1, 2, 3, 4, 2, 1, 4, 3, 4, 3, 2, 1];
    const r = rankTurnover(score, 4, [0, 1, 2], 2);
    expect(Array.from(r.formation)).toEqual([1, 2]);
    // t0 -> t1: d^2 = 1 + 1 + 1 + 1 = 4, rho = 1 - 6*4/(4*15) = 0.6; t1 -> t2: d = -2 -2 2 2, rho = 1 - 96/60 = -0.6
    expect(r.autocorr[0]).toBeCloseTo(0.6, 12);
    expect(r.autocorr[1]).toBeCloseTo(-0.6, 12);
    // groups: t0 and t1 both bottom {0, 1}, top {2, 3}: turnover 0; t2 bottom {2, 3}, top {0, 1}: all new, 1
    expect(Array.from(r.turnover)).toEqual([0, 0, 1, 1]);
    expect(Array.from(r.meanTurnover)).toEqual([0.5, 0.5]);
    expect(r.meanAutocorr).toBeCloseTo(0, 12);
    // a stock unscored at t1 leaves the correlation and the groups: t1 = 4 1 2 NaN
    const s2 = [1, 2, 3, 4, 4, 1, 2, NaN, 4, 3, 2, 1];
    const r2 = rankTurnover(s2, 4, [0, 1, 2], 2);
    // t0 -> t1 over stocks 0..2: ranks 1 2 3 vs 3 1 2: d^2 = 4 + 1 + 1 = 6, rho = 1 - 36/24 = -0.5
    // t1 -> t2 over stocks 0..2: ranks 3 1 2 vs 3 2 1: d^2 = 0 + 1 + 1 = 2, rho = 1 - 12/24 = 0.5
    expect(r2.autocorr[0]).toBeCloseTo(-0.5, 12);
    expect(r2.autocorr[1]).toBeCloseTo(0.5, 12);
    // t1 groups over m = 3 scored: ascending 1 (stock 1), 2 (stock 2), 4 (stock 0); group floor(2r/3) = 0, 0, 1
    // bottom {1, 2}: stock 2 was top at t0 -> 1 new of 2 = 0.5; top {0}: stock 0 was bottom -> 1
    expect(r2.turnover[0]).toBe(0.5);
    expect(r2.turnover[1]).toBe(1);
    // t2 (all 4 scored): bottom {3, 2}: stock 3 had no group at t1, stock 2 was bottom -> 0.5; top {1, 0}: stock 1 was bottom -> 0.5
    expect(r2.turnover[2]).toBe(0.5);
    expect(r2.turnover[3]).toBe(0.5);
  });
});

describe('returnDistribution', () => {
  it('histogram, moments, VaR and CVaR of daily returns', () => {
    const u = 1 / 64; // exact in binary
    const d = returnDistribution(
      [-2, -1, 0, 1, 2, 3, NaN].map((v) => v * u),
      5,
    );
    expect(d.n).toBe(6);
    // edges from -2u to 3u in steps of u; the highest value goes into the last bin
    expect(Array.from(d.edges)).toEqual([-2, -1, 0, 1, 2, 3].map((v) => v * u));
    expect(Array.from(d.counts)).toEqual([1, 1, 1, 1, 2]);
    // mean 0.5u; deviations +-2.5 +-1.5 +-0.5: m2 = 17.5/6 u^2, std (ddof 1) = sqrt(17.5 / 5) u = sqrt(3.5) u
    expect(d.mean).toBeCloseTo(0.5 * u, 14);
    expect(d.std).toBeCloseTo(Math.sqrt(3.5) * u, 14);
    // symmetric -> skew 0; m4 = 2 (39.0625 + 5.0625 + 0.0625)/6 = 14.729167; kurt = 14.729167 / (17.5/6)^2 - 3 = -1.268571
    expect(d.skew).toBeCloseTo(0, 12);
    expect(d.kurtosis).toBeCloseTo(14.729166666 / (17.5 / 6) ** 2 - 3, 8);
    // 5% quantile: position 0.05 x 5 = 0.25 -> -2u + 0.25 (1u) = -1.75u; CVaR = mean of {-2u} = -2u
    expect(d.var5).toBeCloseTo(-1.75 * u, 14);
    expect(d.cvar5).toBeCloseTo(-2 * u, 14);
  });
});

describe('evaluate with signal views', () => {
  const T = 60,
    N = 12,
    rng = mulberry32(3);
  const dates = Array.from(
    { length: T },
    (_, t) => `2020-${String(1 + Math.floor(t / 20)).padStart(2, '0')}-${String(1 + (t % 20)).padStart(2, '0')}`,
  );
  const scores = new Float32Array(T * N),
    ret = new Float32Array(T * N),
    fwd = new Float32Array(2 * T * N),
    industry = new Int32Array(T * N);
  for (let i = 0; i < T * N; i++) {
    scores[i] = rng();
    ret[i] = (rng() - 0.5) * 0.02 + scores[i] * 0.001;
    fwd[i] = ret[i];
    fwd[T * N + i] = ret[i] * 3;
    industry[i] = i % 3;
  }
  const input = { dates, scores, ret, fwd, horizons: [1, 5], industry, industryNames: ['a', 'b', 'c'] };

  it('is off by default (no cost for the headless runner)', () => {
    expect(evaluate(input, { kind: 'topquantile', horizon: 5 }).signal).toBeUndefined();
  });

  it('the book is what the strategy holds, and the views agree with the main evaluation', () => {
    const e = evaluate(input, { kind: 'topquantile', horizon: 5, groups: 4, rebalance: 10 }, { signal: true });
    const s = e.signal!;
    // one book per rebalance: each the top quarter of the 12 scored stocks (3 names) at 1/3 each, the same days as e.rebalances
    expect(Array.from(s.book.day)).toEqual(Array.from(e.rebalances.day));
    for (let r = 0; r < s.book.day.length; r++) {
      const names = Array.from(s.book.stock.subarray(s.book.start[r], s.book.start[r + 1]));
      const tf = s.book.day[r] - 1; // lag 1
      const top = Array.from({ length: N }, (_, n) => n)
        .sort((x, y) => scores[tf * N + y] - scores[tf * N + x])
        .slice(0, 3)
        .sort((x, y) => x - y);
      expect(names).toEqual(top);
      for (let k = s.book.start[r]; k < s.book.start[r + 1]; k++) expect(s.book.weight[k]).toBeCloseTo(1 / 3, 12);
    }
    expect(bookIndexAt(s.book, s.book.day[1])).toBe(1);
    expect(bookIndexAt(s.book, s.book.day[1] - 1)).toBe(0);
    expect(bookIndexAt(s.book, 0)).toBe(-1);
    // IC decay at the strategy horizon equals the main rank IC mean; horizon 5's labels are 3x horizon 1's: same ranks
    expect(s.icDecay[1].mean).toBeCloseTo(e.metrics.rankIc, 12);
    expect(s.icDecay[0].mean).toBeCloseTo(s.icDecay[1].mean, 12);
    expect(s.industryIc.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(s.industryIc.every((r) => r.dates === e.evalDates.length && r.stocks === 4)).toBe(true);
    // the distribution counts every holding day's net return
    expect(s.distribution.n).toBe(e.series.portfolio.length);
    expect(s.distribution.mean).toBeCloseTo(e.series.portfolio.reduce((a, b) => a + b, 0) / e.series.portfolio.length, 12);
    // quintiles by default; rank autocorrelation between consecutive rebalances (every 10th evaluation date)
    expect(s.quantiles.groups).toBe(5);
    expect(Array.from(s.quantiles.day)).toEqual(Array.from(e.series.day));
    expect(Array.from(s.rank.formation)).toEqual(
      Array.from(e.evalDates)
        .filter((_, i) => i % 10 === 0)
        .slice(1),
    );
  });
});
