/**
 * FactorVAE Table 2 (robustness): a holdout run is evaluated on its held-out stocks only, so its default benchmark is
 * the equal weight of those stocks, not of the whole universe (issue 12). A worked 5-stock fixture.
 */
import { describe, expect, it } from 'vitest';
import type { Panel } from '../core/panel';
import { defaultRun, type RunConfig } from '../core/run';
import { evaluateScores, evaluateUniverses, holdoutMember, type RunScores } from './reevaluate';
import { strategyTableOf } from './paper-tables';

// 8 dates, 5 stocks A..E, one factor. Every stock earns the same daily return on every date, so each holding day is
// the same arithmetic whatever the backtest's timing:
//   A +10%, B +2%, C -4%, D +6%, E +1%
//   whole universe, equal weight: (10 + 2 - 4 + 6 + 1) / 5 = 15 / 5 = 3%
//   held-out stocks B and D:      (2 + 6) / 2              = 8 / 2  = 4%
// The model scored only B and D on the test dates 4..7 (the runner NaNs every other stock in a holdout run): D 0.9 >
// B 0.1, so TopK-Drop with k = 1 and no costs holds D every day: +6% a day.
//   excess over the held-out benchmark: 6 - 4 = 2% a day (the fix); over the whole universe it was 6 - 3 = 3%.
const T = 8,
  N = 5;
const R = [0.1, 0.02, -0.04, 0.06, 0.01];
const dates = Array.from({ length: T }, (_, t) => `2020-01-${String(t + 1).padStart(2, '0')}`);
const ret = Float32Array.from({ length: T * N }, (_, i) => R[i % N]);
const panel: Panel = {
  dates,
  tickers: ['A', 'B', 'C', 'D', 'E'],
  factorNames: ['f'],
  factorGroups: ['g'],
  x: new Float32Array(T * N),
  valid: new Uint8Array(T * N).fill(1),
  industry: new Int32Array(T * N).fill(-1),
  industryNames: [],
  horizons: [1],
  fwd: Float32Array.from(ret), // any finite label: the IC is not what this test is about
  ret,
  tradable: new Uint8Array(T * N).fill(1),
  universes: [
    { name: 'all', description: 'every stock', member: new Uint8Array(T * N).fill(1) },
    // A, B, C only: of the held-out stocks only B is in it
    { name: 'abc', description: 'A, B, C', member: Uint8Array.from({ length: T * N }, (_, i) => (i % N < 3 ? 1 : 0)) },
  ],
  source: { name: 'fixture', kind: 'synthetic' },
};
const testIndex = Int32Array.from([4, 5, 6, 7]);
const D = testIndex.length;
const scoresByHorizon = new Float32Array(D * N).fill(NaN);
for (let j = 0; j < D; j++) {
  scoresByHorizon[j * N + 1] = 0.1; // B
  scoresByHorizon[j * N + 3] = 0.9; // D
}
const run: RunConfig = {
  ...defaultRun,
  dataset: { kind: 'synthetic', name: 'fixture' },
  model: 'linear',
  split: { kind: 'fixed' } as RunConfig['split'],
  strategy: { kind: 'topkdrop', k: 1, n: 1, rebalance: 1, horizon: 1, cost: 0, openCost: 0, closeCost: 0, lag: 1 },
  holdout: { count: 2 },
};
const scores: RunScores = { scoresByHorizon, testIndex, horizons: [1] };

describe('holdout benchmark (issue 12)', () => {
  it('the held-out stocks are the ones the run scored; the runner may pass them explicitly', () => {
    expect(Array.from(holdoutMember(run, scores, N)!)).toEqual([0, 1, 0, 1, 0]);
    expect(holdoutMember({ ...run, holdout: undefined }, scores, N)).toBeUndefined();
    const explicit = Uint8Array.from([0, 1, 0, 1, 0]);
    expect(holdoutMember(run, { ...scores, holdout: explicit }, N)).toBe(explicit);
    expect(() => holdoutMember(run, { ...scores, holdout: new Uint8Array(3) }, N)).toThrow(/marks 3 stocks; this panel has 5/);
  });

  it('measures the excess against the equal weight of the held-out stocks', () => {
    const e = evaluateScores(panel, run, scores);
    expect(e.settings.benchmark).toBe('equal-weighted held-out stocks (2)');
    const days = e.series.day.length;
    expect(days).toBeGreaterThan(0);
    for (let k = 0; k < days; k++) {
      expect(e.series.portfolio[k]).toBeCloseTo(0.06, 6); // holds D
      expect(e.series.benchmark[k]).toBeCloseTo(0.04, 6); // (B + D) / 2
      expect(e.series.excess[k]).toBeCloseTo(0.02, 6);
    }
    // alpha = mean excess x 252 = 0.02 x 252 = 5.04
    expect(e.metrics.alpha).toBeCloseTo(5.04, 4);
    expect(e.metrics.benchReturn).toBeCloseTo(0.04 * 252, 4);
    // the same scores with an explicit holdout (the runner's path) give the same evaluation
    const ex = evaluateScores(panel, run, { ...scores, holdout: Uint8Array.from([0, 1, 0, 1, 0]) });
    expect(Array.from(ex.series.excess)).toEqual(Array.from(e.series.excess));
  });

  it('without a holdout the same scores are measured against the whole universe (3% a day)', () => {
    const e = evaluateScores(panel, { ...run, holdout: undefined }, scores);
    expect(e.settings.benchmark).toBe('equal-weighted universe');
    for (let k = 0; k < e.series.day.length; k++) {
      expect(e.series.benchmark[k]).toBeCloseTo(0.03, 6); // (10 + 2 - 4 + 6 + 1) / 5
      expect(e.series.excess[k]).toBeCloseTo(0.03, 6);
    }
  });

  it('on a universe, the benchmark is the held-out stocks in that universe', () => {
    const u = evaluateUniverses(panel, run, scores);
    const abc = u.find((x) => x.universe === 'abc')!;
    // only B is both held out and in A, B, C: the benchmark is B alone, +2% a day = 0.02 x 252 a year
    // (the whole universe would give 3%, A, B, C (10 + 2 - 4) / 3 = 2.67%)
    expect(abc.metrics.benchReturn).toBeCloseTo(0.02 * 252, 4);
    const all = u.find((x) => x.universe === 'all')!;
    expect(all.metrics.alpha).toBeCloseTo(5.04, 4);
  });

  it('a loaded benchmark series is kept and the evaluation says it is not the held-out stocks', () => {
    const bench = { dates, ret: new Array(T).fill(0.01), name: 'index' };
    const e = evaluateScores(panel, run, scores, bench);
    expect(e.settings.benchmark).toBe('index');
    for (let k = 0; k < e.series.day.length; k++) expect(e.series.excess[k]).toBeCloseTo(0.05, 6); // 6 - 1
    expect(e.warnings.some((w) => /not the 2 held-out stocks/.test(w))).toBe(true);
  });

  it('Table 3 of a holdout run trades against the held-out benchmark too', () => {
    const t = strategyTableOf(panel, run, scores);
    expect(t.benchmark).toBe('equal-weighted held-out stocks (2)');
    // the benchmark compounds the held-out 4% a day: after d days 1.04^d - 1
    const d = t.cumBenchmark.length;
    expect(d).toBeGreaterThan(0);
    expect(t.cumBenchmark[d - 1]).toBeCloseTo(1.04 ** d - 1, 5);
    expect(strategyTableOf(panel, { ...run, holdout: undefined }, scores).cumBenchmark[d - 1]).toBeCloseTo(1.03 ** d - 1, 5);
  });
});
