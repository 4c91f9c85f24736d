import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { makeRng } from '../core/rng';
import { equalWeightBenchmark, evaluate, evaluateStrategies, type EvalInput } from './evaluate';
import { annualizedMean, annualizedRatio, ic as icOne } from './metrics';

const isoDays = (T: number) => Array.from({ length: T }, (_, t) => new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10));

describe('evaluate: a hand-made top-quintile run against the equal-weighted universe (lag 0)', () => {
  // lag 0 (trade at the close that formed the score) keeps the arithmetic short; lag 1: backtest.test.ts.
  // 11 stocks; stock 0 is outside the universe (member 0) and jumps 50% a day (must not enter anything).
  // score = n -> 10 eligible candidates, 5 groups -> top 2 = {9, 10}. ret[d][n] = 0.001 n d for n >= 1.
  const T = 4,
    N = 11;
  const dates = isoDays(T);
  const scores = new Float32Array(T * N),
    ret = new Float32Array(T * N),
    member = new Uint8Array(T * N);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      scores[t * N + n] = n;
      ret[t * N + n] = n === 0 ? 0.5 : 0.001 * n * t;
      member[t * N + n] = n === 0 ? 0 : 1;
    }
  const input: EvalInput = { dates, scores, ret, member, labels: ret, testMask: new Uint8Array([1, 1, 1, 0]) };
  const res = evaluate(input, { kind: 'topquantile', groups: 5, rebalance: 21, cost: 0.004, lag: 0 });

  it('benchmark = mean return of the 10 members = 0.001 x 5.5 x d', () => {
    expect(Array.from(res.series.day)).toEqual([1, 2, 3]);
    for (let k = 0; k < 3; k++) expect(res.series.benchmark[k]).toBeCloseTo(0.0055 * (k + 1), 9);
  });

  it('portfolio: {9, 10} bought once at close 0 with 0.4% cost, then drifting', () => {
    const r = (n: number, d: number) => Math.fround(0.001 * n * d); // the float32 panel values
    // day 1: R = .5 (r9 + r10); net = .996 (1 + R) - 1
    const v9 = [0.5],
      v10 = [0.5];
    const expected: number[] = [];
    for (let d = 1; d <= 3; d++) {
      const before = v9[d - 1] + v10[d - 1];
      v9.push(v9[d - 1] * (1 + r(9, d)));
      v10.push(v10[d - 1] * (1 + r(10, d)));
      const R = (v9[d] + v10[d]) / before - 1;
      expected.push(d === 1 ? 0.996 * (1 + R) - 1 : R);
    }
    for (let k = 0; k < 3; k++) expect(res.series.portfolio[k]).toBeCloseTo(expected[k], 14);
    for (let k = 0; k < 3; k++) expect(res.series.excess[k]).toBeCloseTo(res.series.portfolio[k] - res.series.benchmark[k], 15);
    expect(res.series.nav[2]).toBeCloseTo((1 + expected[0]) * (1 + expected[1]) * (1 + expected[2]), 14);
  });

  it('headline metrics are the metric functions of the series', () => {
    expect(res.metrics.alpha).toBeCloseTo(annualizedMean(res.series.excess), 13);
    expect(res.metrics.ir).toBeCloseTo(annualizedRatio(res.series.excess), 12);
    expect(res.metrics.sharpe).toBeCloseTo(annualizedRatio(res.series.portfolio), 12);
    expect(res.metrics.holdings).toBe(2);
    expect(res.metrics.turnover).toBeNaN(); // a single rebalance: no turnover after the build
    expect(res.rebalances.turnover[0]).toBeCloseTo(0.5, 15);
    // the label is the same-day return here, so the IC of score n vs 0.001 n t is 1 on t = 1, 2 (t = 0 is constant)
    expect(res.ic[0]).toBeNaN();
    expect(res.ic[1]).toBeCloseTo(1, 6);
    expect(res.metrics.ic).toBeCloseTo(1, 6);
  });

  it('a user benchmark replaces the equal-weighted one and must cover every holding day', () => {
    const b = evaluate({ ...input, benchmark: { dates, ret: [0, 0.01, 0.02, 0.03] } }, { kind: 'topquantile', groups: 5, lag: 0 });
    expect(Array.from(b.series.benchmark)).toEqual([0.01, 0.02, 0.03]);
    expect(() =>
      evaluate({ ...input, benchmark: { dates: dates.slice(0, 3), ret: [0, 0.01, 0.02] } }, { kind: 'topquantile', groups: 5, lag: 0 }),
    ).toThrow(LabError);
  });

  it('long-short is judged against zero: excess = portfolio', () => {
    const ls = evaluate(input, { kind: 'longshort', groups: 5, lag: 0 });
    expect(Array.from(ls.series.benchmark)).toEqual([0, 0, 0]);
    expect(Array.from(ls.series.excess)).toEqual(Array.from(ls.series.portfolio));
    // day 1: long {9, 10}, short {1, 2}: (.009 + .010)/2 - (.001 + .002)/2 = .008
    expect(ls.series.portfolio[0]).toBeCloseTo(0.008, 9);
  });
});

describe('evaluate: inputs', () => {
  const rng = makeRng(3);
  const T = 60,
    N = 30;
  const dates = isoDays(T);
  const ret = Float32Array.from({ length: T * N }, () => 0.02 * rng.normal());
  const lab5 = Float32Array.from({ length: T * N }, () => rng.normal());
  const lab20 = Float32Array.from({ length: T * N }, () => rng.normal());
  const fwd = new Float32Array(2 * T * N);
  fwd.set(lab5, 0);
  fwd.set(lab20, T * N);

  it('picks the strategy horizon out of fwd [H, T, N]', () => {
    const r = evaluate({ dates, scores: lab20, ret, fwd, horizons: [5, 20] }, { kind: 'topquantile', horizon: 20 });
    // perfect foresight on the 20-day label
    for (let e = 0; e < T; e++) expect(r.ic[e]).toBeCloseTo(1, 6);
    const r5 = evaluate({ dates, scores: lab20, ret, fwd, horizons: [5, 20] }, { kind: 'topquantile', horizon: 5 });
    expect(r5.ic[7]).toBeCloseTo(icOne(lab20, lab5, 7 * N, N), 12);
    expect(() => evaluate({ dates, scores: lab20, ret, fwd, horizons: [5, 20] }, { kind: 'topquantile', horizon: 10 })).toThrow(
      /horizon 10/,
    );
  });

  it('a perfect-foresight score: IC = rank IC = 1 and monotone quantiles', () => {
    const r = evaluate({ dates, scores: lab5, labels: lab5, ret }, { kind: 'topquantile' }, { quantiles: 5 });
    expect(r.metrics.ic).toBeCloseTo(1, 6);
    expect(r.metrics.rankIc).toBeCloseTo(1, 12);
    expect(r.quantiles.monotonicity).toBeCloseTo(1, 12);
    // every rank IC is exactly 1 (identical rank vectors), so their std is 0 and the ICIR is undefined (NaN), not Infinity
    expect(r.metrics.rankIcir).toBeNaN();
  });

  it('test mask and date range select the evaluation dates; the default lag 1 trades a day later', () => {
    const mask = new Uint8Array(T);
    mask.fill(1, 20, 50);
    const r = evaluate({ dates, scores: lab5, labels: lab5, ret, testMask: mask, range: { start: dates[30] } }, { kind: 'topquantile' });
    expect(r.evalDates[0]).toBe(30);
    expect(r.evalDates[r.evalDates.length - 1]).toBe(49);
    // formation 30 is traded at close 31 and first earns day 32; the last formation (49) is held through day 51
    expect(r.settings.lag).toBe(1);
    expect(r.strategy.lag).toBe(1);
    expect(r.rebalances.day[0]).toBe(31);
    expect(r.series.day[0]).toBe(32);
    expect(r.series.day[r.series.day.length - 1]).toBe(51);
    const r0 = evaluate(
      { dates, scores: lab5, labels: lab5, ret, testMask: mask, range: { start: dates[30] } },
      { kind: 'topquantile', lag: 0 },
    );
    expect(r0.series.day[0]).toBe(31);
    expect(r0.series.day[r0.series.day.length - 1]).toBe(50);
  });

  it('TDrisk: ranking by mu - eta sigma changes the selection, IC still uses mu', () => {
    // 10 stocks, top quintile (2). mu: 9 > 8 > 7 ...; sigma penalises 9 heavily -> {8, 7}
    const T2 = 2,
      N2 = 10;
    const mu = new Float32Array(T2 * N2),
      sigma = new Float32Array(T2 * N2),
      r2 = new Float32Array(T2 * N2);
    for (let n = 0; n < N2; n++) {
      mu[n] = n;
      mu[N2 + n] = n;
      sigma[9] = 5;
      r2[N2 + n] = n === 9 ? 0.1 : n === 7 ? 0.02 : 0;
    }
    const base = evaluate(
      { dates: isoDays(2), scores: mu, ret: r2, testMask: new Uint8Array([1, 0]) },
      { kind: 'topquantile', groups: 5, cost: 0, lag: 0 },
    );
    expect(base.series.gross[0]).toBeCloseTo(0.05, 7); // {9, 8}: .5 x .1
    const risk = evaluate(
      { dates: isoDays(2), scores: mu, sigma, ret: r2, testMask: new Uint8Array([1, 0]) },
      { kind: 'topquantile', groups: 5, cost: 0, eta: 1, lag: 0 },
    );
    expect(risk.series.gross[0]).toBeCloseTo(0.01, 7); // {8, 7}: .5 x .02
  });

  it('MAE / RMSE when the model predicts returns', () => {
    const pred = Float32Array.from(lab5, (v) => v + 0.5);
    const r = evaluate({ dates, scores: pred, labels: lab5, ret }, { kind: 'topquantile' }, { predictsReturns: true });
    expect(r.metrics.mae).toBeCloseTo(0.5, 6);
    expect(r.metrics.rmse).toBeCloseTo(0.5, 6);
    expect(evaluate({ dates, scores: pred, labels: lab5, ret }, { kind: 'topquantile' }).metrics.mae).toBeNaN();
  });

  it('evaluateStrategies shares the IC family and equals separate evaluate() calls', () => {
    const input = { dates, scores: lab5, labels: lab5, ret };
    const strategies = [{ kind: 'topquantile' as const }, { kind: 'longshort' as const }, { kind: 'topkdrop' as const, k: 5, n: 1 }];
    const many = evaluateStrategies(input, strategies);
    strategies.forEach((s, i) => {
      const one = evaluate(input, s);
      expect(many[i].metrics).toEqual(one.metrics);
      expect(Array.from(many[i].series.excess)).toEqual(Array.from(one.series.excess));
    });
    expect(many[0].ic).toBe(many[2].ic); // the same array, computed once
  });

  it('shape errors are LabErrors naming the array and the expected size', () => {
    expect(() => evaluate({ dates, scores: lab5, ret: ret.subarray(1) }, { kind: 'topquantile' })).toThrow(
      /ret has 1799 entries; expected T x N = 60 x 30 = 1800/,
    );
  });
});

describe('one stock set for the portfolio and the equal-weighted benchmark', () => {
  // 5 stocks. member = {1, 2, 3, 4}; valid = {0, 1, 2, 3}: stock 4 has a price (a row) but too little history
  // (valid 0), stock 0 is valid but outside the universe. Eligible = member AND valid = {1, 2, 3} every day.
  // Both 0 and 4 gain 100% a day: neither may enter the portfolio or the benchmark.
  const T = 3,
    N = 5;
  const ret = new Float64Array([
    0,
    0,
    0,
    0,
    0,
    1,
    0.01,
    0.02,
    0.03,
    1, // day 1
    1,
    0.04,
    0.05,
    NaN,
    1, // day 2: stock 3 has no return
  ]);
  const member = new Uint8Array([0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
  const valid = new Uint8Array([1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0]);
  const scores = new Float64Array(T * N).map((_, i) => i % N); // score = n: 4 > 3 > ... but 4 is not eligible

  it('the benchmark averages the eligible stocks of the previous day, a missing return counting as 0', () => {
    const eligible = member.map((m, i) => m & valid[i]);
    const b = equalWeightBenchmark(ret, T, N, eligible);
    expect(b[0]).toBe(0);
    expect(b[1]).toBeCloseTo((0.01 + 0.02 + 0.03) / 3, 15); // .02
    expect(b[2]).toBeCloseTo((0.04 + 0.05 + 0) / 3, 15); // .03 (stock 3: NaN -> 0, still counted)
    // without eligibility every stock counts: day 1 (1 + .01 + .02 + .03 + 1) / 5 = .412
    expect(equalWeightBenchmark(ret, T, N)[1]).toBeCloseTo(0.412, 15);
  });

  it('evaluate: the portfolio picks from the same set and its missing return is 0 too', () => {
    // 3 groups over the 3 eligible candidates -> top = {3}; formation 0, traded at close 1 (lag 1), held on day 2,
    // where 3 has no return: portfolio 0 - cost 0, benchmark .03, excess -.03
    const r = evaluate(
      { dates: isoDays(T), scores, ret, member, valid, testMask: new Uint8Array([1, 0, 0]) },
      { kind: 'topquantile', groups: 3, cost: 0 },
    );
    expect(Array.from(r.series.day)).toEqual([2]);
    expect(r.rebalances.holdings[0]).toBe(1);
    expect(r.series.portfolio[0]).toBe(0);
    expect(r.series.benchmark[0]).toBeCloseTo(0.03, 15);
    expect(r.series.excess[0]).toBeCloseTo(-0.03, 15);
    expect(r.settings.benchmark).toBe('equal-weighted universe');
  });
});
