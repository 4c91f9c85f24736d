import { describe, expect, it } from 'vitest';
import type { TrainResult } from './lab-api';
import { explainedResult, explainedTickers, groupSharesOverTime, stockContribution, tickerStatus } from './explain-views';

// a hand-made explanation: panel tickers A, B, C; on 2019-01-31 the cross-section is stocks [2, 0] = C, A
// (positions 0, 1); factors m1 (momentum), v1 (volatility), v2 (volatility)
const date0 = {
  date: '2019-01-31',
  t: 10,
  stocks: Int32Array.from([2, 0]),
  prediction: Float64Array.from([0.5, -0.2]),
  // C: 0.3 + 0.1 + 0.05 = 0.45, bias 0.04, eps 0.01 -> 0.5;  A: -0.1 - 0.05 + 0 = -0.15, bias -0.05, eps 0 -> -0.2
  relevance: Float32Array.from([0.3, 0.1, 0.05, -0.1, -0.05, 0]),
  bias: Float64Array.from([0.04, -0.05]),
  eps: Float64Array.from([0.01, 0]),
  residual: Float64Array.from([0, 0]),
  top: Int32Array.from([0]),
  portfolio: Float64Array.from([0.3, 0.1, 0.05]),
  // momentum |0.3|, volatility |0.15|: 0.3 / 0.45 = 66.67%, 33.33%
  portfolioGroups: {
    groups: ['momentum', 'volatility'],
    relevance: Float64Array.from([0.3, 0.15]),
    share: Float64Array.from([200 / 3, 100 / 3]),
    signedShare: Float64Array.from([200 / 3, 100 / 3]),
  },
  correlations: [],
};
const result = {
  model: 'dfm',
  label: 'Deep Factor Model',
  tickers: ['A', 'B', 'C'],
  explanation: {
    model: 'dfm',
    method: 'lrp-epsilon',
    methodLabel: 'LRP, epsilon rule',
    epsilon: 1e-6,
    head: 0,
    horizon: 20,
    quantiles: 5,
    note: '',
    factorNames: ['m1', 'v1', 'v2'],
    factorGroups: ['momentum', 'volatility', 'volatility'],
    groups: ['momentum', 'volatility'],
    dates: [date0],
    table5: [],
  },
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
});

describe('LRP stock box (issue 14, defect 9)', () => {
  it('says whether a typed ticker is explained, not in the date, or unknown (never another stock silently)', () => {
    expect(tickerStatus(result, '2019-01-31', '')).toBe('');
    expect(tickerStatus(result, '2019-01-31', 'C')).toBe('ok');
    expect(tickerStatus(result, '2019-01-31', 'B')).toBe('absent'); // in the panel, not in that day's cross-section
    expect(tickerStatus(result, '2019-01-31', 'ZZZZ')).toBe('unknown');
  });
});
