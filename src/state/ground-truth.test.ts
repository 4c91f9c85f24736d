import { describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../core/run';
import { panelFromSynthetic, syntheticFactorRoles } from '../data/synthetic';
import { groundTruthView, syntheticTruth } from './ground-truth';
import type { TrainResult } from './lab-api';

const opts = { seed: 7, nStocks: 40, nDays: 300, nIndustries: 4, nFactors: 8 };
const spec = { kind: 'synthetic' as const, name: 'synthetic', synthetic: opts };

describe('ground-truth view (synthetic market)', () => {
  it('a score equal to the planted linear part correlates 1 with it and c_L / ||c|| with the oracle', () => {
    const truth = syntheticTruth(spec)!;
    const panel = panelFromSynthetic(opts, defaultPreprocessing);
    // the view relies on the panel having the truth's date axis (no start / end) and tickers S00..S39
    expect(panel.dates.length).toBe(300);
    const N = panel.tickers.length,
      Nt = truth.listStart.length;
    const testIndex = Int32Array.from({ length: 50 }, (_, d) => 240 + d); // the last 50 dates, horizons [1]
    const scores = new Float32Array(50 * N).fill(NaN);
    for (let d = 0; d < 50; d++)
      for (let n = 0; n < N; n++) scores[d * N + n] = truth.linear[testIndex[d] * Nt + Number(panel.tickers[n].slice(1))];
    const r = { model: 'oracle-lin', label: 'lin', tickers: panel.tickers, scores: { scoresByHorizon: scores, testIndex, horizons: [1] } };
    const rows = groundTruthView([r as unknown as TrainResult], spec)!;
    expect(rows).toHaveLength(1);
    expect(rows[0].corr.lin).toBeCloseTo(1, 6);
    // score = (1 lin + 0.8 int + 0.8 rel) / sqrt(1 + 0.64 + 0.64): corr(lin, score) = 1 / 1.51 = 0.662 when the parts are
    // uncorrelated; they are independent by construction, so on 40 stocks the sample value lands near it
    expect(rows[0].corr.oracle).toBeGreaterThan(0.5);
    expect(rows[0].corr.oracle).toBeLessThan(0.8);
    // independent in expectation; 50 persistent (AR 0.95) dates on 40 stocks leave sampling noise of about 0.1-0.2
    expect(Math.abs(rows[0].corr.inter)).toBeLessThan(0.3);
    // not synthetic: no view
    expect(groundTruthView([], { kind: 'bundled', name: 'x' })).toBeNull();
  });

  it('every factor has a planted role with a short role name', () => {
    const roles = syntheticFactorRoles(8);
    expect(roles.map((r) => r.short)).toEqual(['lin_1', 'lin_2', 'lin_3', 'inter_a', 'inter_b', 'ind_rel', 'noise_1', 'noise_2']);
    expect(roles[0]).toMatchObject({ name: 'momentum_1', role: 'linear (weight 0.6)' });
    expect(roles[5].name).toBe('quality_1');
  });
});
