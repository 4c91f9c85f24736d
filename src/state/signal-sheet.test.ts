import { describe, expect, it } from 'vitest';
import type { SignalViews } from '../eval/signal-views';
import { bookOn, evalDateOf, toSignalSheet } from './signal-sheet';

// a hand-made engine result: 2 quantiles x 3 holding days, 2 rebalances (one autocorrelation), books at days 4 and 6
const views: SignalViews = {
  icDecay: [{ horizon: 1, mean: 0.05, se: 0.01, dates: 10 }],
  industryIc: [{ industry: 0, name: 'Energy', mean: 0.1, se: 0.02, dates: 9, stocks: 3 }],
  quantiles: {
    groups: 2,
    day: Int32Array.from([4, 5, 6]),
    cum: Float64Array.from([-0.01, -0.02, -0.03, 0.01, 0.02, 0.04]), // [G, D]: row 0 = Q1, row 1 = Q2
    spread: Float64Array.from([0.02, 0.04, 0.07]),
    annual: Float64Array.from([-0.5, 0.9]),
    warnings: [],
  },
  rank: {
    groups: 2,
    formation: Int32Array.from([5]),
    autocorr: Float64Array.from([0.8]),
    turnover: Float64Array.from([0.25, 0.5]), // [R, G]
    meanTurnover: Float64Array.from([0.25, 0.5]),
    meanAutocorr: 0.8,
  },
  distribution: {
    edges: Float64Array.from([-0.01, 0, 0.01]),
    counts: Int32Array.from([1, 2]),
    n: 3,
    mean: 0.001,
    std: 0.01,
    skew: 0,
    kurtosis: -1.5,
    var5: -0.009,
    cvar5: -0.01,
  },
  // rebalance 0 (day 4): stocks 2 (+0.3), 0 (+0.7); rebalance 1 (day 6): stock 1 (-0.5), stock 3 (+0.5)
  book: {
    day: Int32Array.from([4, 6]),
    start: Int32Array.from([0, 2, 4]),
    stock: Int32Array.from([2, 0, 1, 3]),
    weight: Float64Array.from([0.3, 0.7, -0.5, 0.5]),
  },
};
const dates = ['d0', 'd1', 'd2', 'd3', '2020-01-06', '2020-01-07', '2020-01-08'];

describe('toSignalSheet', () => {
  const s = toSignalSheet(views, (t) => dates[t], ['AAA', 'BBB', 'CCC', 'DDD']);

  it('splits [G, D] and [R, G] arrays into per-quantile rows with ISO dates', () => {
    expect(s.quantiles.dates).toEqual(['2020-01-06', '2020-01-07', '2020-01-08']);
    expect(s.quantiles.cum).toEqual([
      [-0.01, -0.02, -0.03],
      [0.01, 0.02, 0.04],
    ]);
    expect(s.rank.dates).toEqual(['2020-01-07']);
    expect(s.rank.turnover).toEqual([[0.25], [0.5]]);
    expect(s.distribution.counts).toEqual([1, 2]);
    expect(s.industryIc[0]).toEqual({ name: 'Energy', mean: 0.1, se: 0.02, dates: 9, stocks: 3 });
  });

  it('names the book by ticker, largest weight first, and finds the book in force on a date', () => {
    expect(s.book.holdings[0]).toEqual([
      { ticker: 'AAA', weight: 0.7 },
      { ticker: 'CCC', weight: 0.3 },
    ]);
    // equal |weight|: by ticker
    expect(s.book.holdings[1].map((h) => h.ticker)).toEqual(['BBB', 'DDD']);
    expect(bookOn(s, '2020-01-05')).toBeNull();
    expect(bookOn(s, '2020-01-07')?.date).toBe('2020-01-06');
    expect(bookOn(s, '2020-01-08')?.holdings[0]).toEqual({ ticker: 'BBB', weight: -0.5 });
    // without tickers: '#<index>'
    expect(toSignalSheet(views, (t) => dates[t]).book.holdings[0][0].ticker).toBe('#0');
  });
});

describe('evalDateOf', () => {
  it('maps every date index an evaluation names to its ISO date', () => {
    const f = evalDateOf({
      evalDates: [3, 4],
      evalIso: ['d3', 'd4'],
      series: { day: [5], iso: ['d5'] },
      rebalances: { day: [4], iso: ['d4'] },
    });
    expect([3, 4, 5].map(f)).toEqual(['d3', 'd4', 'd5']);
    expect(f(9)).toBe('#9');
  });
});
