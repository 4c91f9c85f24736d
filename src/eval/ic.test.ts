import { describe, expect, it } from 'vitest';
import { dailyIc, icSeries, monthlyMatrix, quantileOf, quantileReturns, rollingMean } from './ic';

describe('per-date IC series over a [T, N] panel', () => {
  // 3 dates x 5 stocks (row-major)
  const score = new Float32Array([
    1,
    2,
    3,
    4,
    5, // t0: the IC fixture of metrics.test -> 0.8
    5,
    4,
    3,
    2,
    1, // t1: reversed -> -0.8
    1,
    1,
    1,
    1,
    1, // t2: constant score -> NaN
  ]);
  const label = new Float32Array([0.01, 0.03, 0.02, 0.05, 0.04, 0.01, 0.03, 0.02, 0.05, 0.04, 0.01, 0.03, 0.02, 0.05, 0.04]);

  it('IC per date, evaluated only on the requested dates', () => {
    const s = icSeries(score, label, 5, [0, 1, 2]);
    // float32 labels: 1e-7 relative error, so 6 digits
    expect(s.ic[0]).toBeCloseTo(0.8, 6);
    expect(s.ic[1]).toBeCloseTo(-0.8, 6);
    expect(s.ic[2]).toBeNaN();
    expect(s.rankIc[0]).toBeCloseTo(0.8, 12); // ranks are exact
    expect(Array.from(s.count)).toEqual([5, 5, 5]);
    const only1 = icSeries(score, label, 5, [1]);
    expect(only1.ic.length).toBe(1);
    expect(only1.rankIc[0]).toBeCloseTo(-0.8, 12);
  });

  it('dailyIc (the early-stopping metric) is icSeries over every date, one kind at a time', () => {
    const s = icSeries(score, label, 5, [0, 1, 2]);
    expect(Array.from(dailyIc(score, label, 3, 5, false))).toEqual(Array.from(s.ic));
    expect(Array.from(dailyIc(score, label, 3, 5, true))).toEqual(Array.from(s.rankIc));
    const mask = new Uint8Array([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(dailyIc(score, label, 3, 5, true, mask))).toEqual(Array.from(icSeries(score, label, 5, [0, 1, 2], mask).rankIc));
  });

  it('the mask removes stocks (here the two best on t0)', () => {
    const mask = new Uint8Array(15).fill(1);
    mask[3] = 0;
    mask[4] = 0;
    // t0 left with scores 1, 2, 3 and labels .01, .03, .02: ranks [1, 3, 2] vs [1, 2, 3] -> rho = 0.5
    const s = icSeries(score, label, 5, [0], mask);
    expect(s.count[0]).toBe(3);
    expect(s.rankIc[0]).toBeCloseTo(0.5, 12);
  });
});

describe('quantile groups', () => {
  it('group of ascending position r among n is floor(r G / n)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => quantileOf(r, 10, 5))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect([0, 1, 2, 3, 4, 5, 6].map((r) => quantileOf(r, 7, 3))).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });

  it('mean forward return per quintile, per date and over dates; spread; monotonicity', () => {
    // 2 dates x 10 stocks, 5 groups of 2 by score. Labels chosen so group means are easy:
    // t0: score = n, label = n / 100 -> group g holds stocks 2g, 2g+1 -> mean (4g + 1) / 200
    // t1: score = n, label = -n / 100 except a NaN for stock 9 (dropped -> 9 stocks: groups floor(r x 5 / 9))
    const N = 10;
    const score = new Float64Array(20),
      label = new Float64Array(20);
    for (let n = 0; n < N; n++) {
      score[n] = n;
      label[n] = n / 100;
      score[N + n] = n;
      label[N + n] = -n / 100;
    }
    label[N + 9] = NaN;
    const q = quantileReturns(score, label, N, [0, 1], 5);
    for (let g = 0; g < 5; g++) expect(q.perDate[g]).toBeCloseTo((4 * g + 1) / 200, 15);
    // t1 groups over r = 0..8: [0,0,1,1,2,2,3,3,4]? floor(r x 5 / 9): 0,0,1,1,2,2,3,3,4 -> last group = stock 8 only
    expect(Array.from(q.count.subarray(5, 10))).toEqual([2, 2, 2, 2, 1]);
    expect(q.perDate[5 + 4]).toBeCloseTo(-0.08, 15);
    expect(q.perDate[5 + 0]).toBeCloseTo(-0.005, 15);
    // mean over dates of group 4: (.085 + -.08) / 2 = .0025
    expect(q.mean[4]).toBeCloseTo(0.0025, 15);
    expect(q.spread[0]).toBeCloseTo(0.085 - 0.005, 15);
    // group means: g0 (.005 - .005)/2 = 0, g1 (.025 - .025)/2 = 0, ... all 0 except g4 (.0025) -> ties in ranks
    // a single-date version is perfectly monotone
    expect(quantileReturns(score, label, N, [0], 5).monotonicity).toBeCloseTo(1, 14);
    expect(quantileReturns(score, label, N, [1], 5).monotonicity).toBeCloseTo(-1, 14);
  });
});

describe('rolling and monthly views', () => {
  it('rolling mean over the trailing window, skipping NaN', () => {
    const r = rollingMean([1, 2, NaN, 4, 5], 3);
    expect(r[0]).toBeNaN();
    expect(r[1]).toBeNaN();
    expect(r[2]).toBeCloseTo(1.5, 15); // (1 + 2) / 2
    expect(r[3]).toBeCloseTo(3, 15); // (2 + 4) / 2
    expect(r[4]).toBeCloseTo(4.5, 15); // (4 + 5) / 2
  });

  it('monthly heat map: mean per (year, month)', () => {
    const m = monthlyMatrix([0.1, 0.3, -0.2, NaN, 0.05], ['2019-12-30', '2019-12-31', '2020-01-02', '2020-01-03', '2020-03-02']);
    expect(m.years).toEqual([2019, 2020]);
    expect(m.values[11]).toBeCloseTo(0.2, 15); // Dec 2019
    expect(m.values[12 + 0]).toBeCloseTo(-0.2, 15); // Jan 2020 (NaN skipped)
    expect(m.count[12 + 0]).toBe(1);
    expect(m.values[12 + 2]).toBeCloseTo(0.05, 15);
    expect(m.values[12 + 1]).toBeNaN();
  });
});
