/**
 * FactorVAE risk-view data: the date-weighted rank correlation over periods, the stocks with exposures, and a stock's
 * beta series across groups with its factors ordered by mean |beta|, on a hand-made result.
 */
import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../../../state/lab-api';
import { betaSeries, betaStocks, riskSummary } from './data';

const bins = [
  { sigma: 0.01, absReturn: 0.008, count: 5 },
  { sigma: 0.02, absReturn: 0.015, count: 5 },
];
const result = {
  model: 'factorvae',
  groupExtras: [
    {
      label: 'g1',
      extras: {
        risk: { start: 'a', end: 'b', pairs: 10, bins, rankCorr: 0.2, rankCorrSd: 0.1, rankCorrDates: 3, pooledRankCorr: 0.25 },
        // N = 3 stocks, K = 2 factors; stock 2 never in the cross-section
        beta: {
          dates: ['2019-01-02', '2019-01-09'],
          N: 3,
          K: 2,
          values: [
            [1, -2, 0.5, 0.1, null, null],
            [3, -2, null, null, null, null],
          ],
        },
      },
    },
    {
      label: 'g2',
      extras: {
        risk: { start: 'c', end: 'd', pairs: 6, bins, rankCorr: 0.4, rankCorrSd: 0.1, rankCorrDates: 1, pooledRankCorr: 0.3 },
        beta: { dates: ['2019-07-01'], N: 3, K: 2, values: [[-1, -8, 0, 0, null, null]] },
      },
    },
  ],
} as unknown as TrainResult;

describe('FactorVAE risk-view data', () => {
  it('rank correlation: mean over all test dates (0.2 x 3 + 0.4 x 1) / 4 = 0.25; pairs add up', () => {
    const s = riskSummary(result)!;
    expect(s.periods.map((p) => p.label)).toEqual(['g1', 'g2']);
    expect(s.rankCorr).toBeCloseTo(0.25, 12);
    expect(s.rankCorrDates).toBe(4);
    expect(s.pairs).toBe(16);
    expect(riskSummary({ model: 'factorvae', groupExtras: [] } as unknown as TrainResult)).toBeNull();
  });

  it('exposures: stocks present, a stock across groups, factors by mean |beta| (k2: 4, k1: 5/3)', () => {
    expect(betaStocks(result)).toEqual([0, 1]);
    const b = betaSeries(result, 0)!;
    expect(b.dates).toEqual(['2019-01-02', '2019-01-09', '2019-07-01']);
    expect(b.beta).toEqual([
      [1, 3, -1],
      [-2, -2, -8],
    ]);
    expect(b.order).toEqual([1, 0]);
    const b1 = betaSeries(result, 1)!;
    expect(b1.beta[0]).toEqual([0.5, NaN, 0]);
  });
});
