import { describe, expect, it } from 'vitest';
import type { DmfmPeriod, TrainResult } from './lab-api';
import { estimateComparison, explainedResult, explainedTickers, groupSharesOverTime, meanAttention, stockContribution } from './explain-views';

// a hand-made explanation: panel tickers A, B, C; on 2019-01-31 the cross-section is stocks [2, 0] = C, A
// (positions 0, 1); factors m1 (momentum), v1 (volatility), v2 (volatility)
const date0 = {
  date: '2019-01-31', t: 10, stocks: Int32Array.from([2, 0]),
  prediction: Float64Array.from([0.5, -0.2]),
  // C: 0.3 + 0.1 + 0.05 = 0.45, bias 0.04, eps 0.01 -> 0.5;  A: -0.1 - 0.05 + 0 = -0.15, bias -0.05, eps 0 -> -0.2
  relevance: Float32Array.from([0.3, 0.1, 0.05, -0.1, -0.05, 0]),
  bias: Float64Array.from([0.04, -0.05]), eps: Float64Array.from([0.01, 0]), residual: Float64Array.from([0, 0]),
  top: Int32Array.from([0]), portfolio: Float64Array.from([0.3, 0.1, 0.05]),
  // momentum |0.3|, volatility |0.15|: 0.3 / 0.45 = 66.67%, 33.33%
  portfolioGroups: { groups: ['momentum', 'volatility'], relevance: Float64Array.from([0.3, 0.15]), share: Float64Array.from([200 / 3, 100 / 3]), signedShare: Float64Array.from([200 / 3, 100 / 3]) },
  correlations: [],
};
const result = {
  model: 'dfm', label: 'Deep Factor Model', tickers: ['A', 'B', 'C'],
  explanation: { model: 'dfm', method: 'lrp-epsilon', methodLabel: 'LRP, epsilon rule', epsilon: 1e-6, head: 0, horizon: 20, quantiles: 5, note: '', factorNames: ['m1', 'v1', 'v2'], factorGroups: ['momentum', 'volatility', 'volatility'], groups: ['momentum', 'volatility'], dates: [date0], table5: [] },
} as unknown as TrainResult;

describe('explain views', () => {
  it('finds the last explained result', () => {
    const plain = { model: 'linear' } as TrainResult;
    expect(explainedResult([result, plain])).toBe(result);
    expect(explainedResult([plain])).toBeNull();
    expect(explainedResult([result], 'mlp')).toBeNull();
  });

  it('maps cross-section positions to panel tickers and adds up to the prediction', () => {
    expect(explainedTickers(result, '2019-01-31')).toEqual(['C', 'A']);
    const a = stockContribution(result, '2019-01-31', 'A')!;
    expect(a.relevances.m1).toBeCloseTo(-0.1, 7);
    expect(a.relevances.v1).toBeCloseTo(-0.05, 7);
    expect(a.top).toBe(false);
    const c = stockContribution(result, '2019-01-31', 'C')!;
    expect(c.top).toBe(true);
    const sum = Object.values(c.relevances).reduce((s, v) => s + v, 0);
    expect(sum + c.bias + c.eps).toBeCloseTo(c.prediction, 7); // 0.45 + 0.04 + 0.01 = 0.5
    expect(stockContribution(result, '2019-01-31', 'B')).toBeNull(); // not in the cross-section
    expect(stockContribution(result, '2019-02-28', 'A')).toBeNull(); // not an explained date
  });

  it('group shares over time are the per-date portfolio shares', () => {
    const g = groupSharesOverTime(result)!;
    expect(g.dates).toEqual(['2019-01-31']);
    expect(g.share[0][0]).toBeCloseTo(66.6667, 3);
    expect(g.share[0][0] + g.share[0][1]).toBeCloseTo(100, 9);
  });

  it('mean attention averages the test periods cell by cell', () => {
    const p = (w: number[][], corr: number): DmfmPeriod => ({ label: 'g', start: '2019-01-02', end: '2019-06-28', horizons: [5, 20], factors: ['m1', 'v1'], factorGroups: ['momentum', 'volatility'], groups: ['momentum', 'volatility'], weights: w, groupWeights: w, faithfulness: [{ horizon: 5, corr, corrSd: 0, dates: 10 }, { horizon: 20, corr: NaN, corrSd: NaN, dates: 0 }] });
    const m = meanAttention([p([[0.2, 0.8], [0.5, 0.5]], 0.9), p([[0.4, 0.6], [0.7, 0.3]], 0.7)]);
    expect(m.weights[0][0]).toBeCloseTo(0.3, 9); // (0.2 + 0.4) / 2
    expect(m.weights[1][1]).toBeCloseTo(0.4, 9); // (0.5 + 0.3) / 2
    expect(m.faithfulness[0]).toEqual({ horizon: 5, corr: expect.closeTo(0.8, 9), periods: 2 });
    expect(m.faithfulness[1].periods).toBe(0);
    expect(Number.isNaN(m.faithfulness[1].corr)).toBe(true);
  });
});

describe('DMFM f vs f-hat comparison', () => {
  const series = (method: string, cum: number[]) => ({ method, label: method, dates: ['2019-01-03', '2019-01-04'], cumReturn: cum, cumExcess: cum, icDates: [], ic: [] });
  const dmfm = {
    model: 'dmfm', label: 'DMFM', benchmark: { label: 'equal-weighted universe', dates: [], cumReturn: [] },
    series: [series('dmfm', [0.01, 0.03])],
    allMetrics: { ic: 0.05, rankIc: 0.06, icir: 0.4, alpha: 0.12, ir: 1.1, turnover: 0.5, sharpe: 2 },
    estimate: { horizon: 20, head: 20, headOf: [20, 20], metrics: { ic: 0.02, rankIc: 0.01, icir: 0.1, alpha: -0.03, ir: -0.2, turnover: 0.4 }, series: series('dmfm:fhat', [-0.01, -0.02]), scoresByHorizon: new Float32Array(0) },
  } as unknown as TrainResult;

  it('two rows (f then f-hat) with the six metrics, METRICS labels and definitions, and both cumExcess series', () => {
    const c = estimateComparison(dmfm)!;
    expect(c.columns.map((x) => x.key)).toEqual(['ic', 'rankIc', 'icir', 'alpha', 'ir', 'turnover']);
    expect(c.columns.find((x) => x.key === 'alpha')).toMatchObject({ label: 'α (%)', format: 'pct' });
    expect(c.columns.find((x) => x.key === 'alpha')!.help).toMatch(/annualised excess return/);
    expect(c.rows.map((r) => r.key)).toEqual(['f', 'fhat']);
    expect(c.rows[0].values).toEqual({ ic: 0.05, rankIc: 0.06, icir: 0.4, alpha: 0.12, ir: 1.1, turnover: 0.5 }); // sharpe not a column
    expect(c.rows[1].values.alpha).toBe(-0.03);
    expect(c.rows[1].method).toBe('dmfm:fhat');
    expect(c.series[0].cumExcess).toEqual([0.01, 0.03]);
    expect(c.series[1].cumExcess).toEqual([-0.01, -0.02]);
    expect(c.head).toBe(20);
    expect(c.benchmark).toBe('equal-weighted universe');
    expect(estimateComparison({ ...dmfm, estimate: undefined })).toBeNull();
  });
});
