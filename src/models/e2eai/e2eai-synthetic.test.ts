/**
 * E2EAI on the seeded synthetic market (src/data/synthetic.ts), out of sample: the learned weights (E2E_auto, through
 * the model-weighted strategy with a 10% cap) beat the equal-weighted universe, and the factor gate keeps the planted
 * linear factors. The market is set to a linear planted score (linear 1, no interaction, no industry-relative part),
 * 100 stocks x 360 days, 12 factors (3 planted linear, the rest noise or the unused interaction / industry factors),
 * one walk-forward group (test = the last half-year), seed 42. Measured when this test was written: see the bounds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../train/tf';
import { defaultPreprocessing, defaultRun, type RunConfig } from '../../core/run';
import { syntheticPanel } from '../../data/synthetic';
import { runOnPanel } from '../../train/runner';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('E2EAI on the synthetic market (out of sample)', () => {
  it('E2E_auto beats the equal-weighted universe and the gate keeps the planted factors', async () => {
    const { panel, truth } = syntheticPanel(
      { seed: 42, nStocks: 100, nDays: 360, nFactors: 12, horizons: [1, 5, 10, 20], linear: 1, interaction: 0, industryRelative: 0 },
      { ...defaultPreprocessing, minHistory: 20 },
    );
    const run: RunConfig = {
      ...defaultRun,
      dataset: { kind: 'synthetic', name: 'synthetic' },
      model: 'e2eai',
      config: { hidden: 16, layers: 2, epochs: 8, lr: 0.005, patience: 8, batchDates: 16 },
      seed: 42,
      split: { kind: 'walkforward', groups: 1, gap: 21 },
      strategy: { kind: 'modelweight', cap: 0.1, rebalance: 5, cost: 0, horizon: 5, lag: 1 },
    };
    const r = await runOnPanel(panel, run);
    const m = r.eval.metrics;
    // the gate's selections over the test dates (extras of the group)
    const ex = r.groups[0].extras as { factors: string[]; perDate: { selected: number[][]; selAttention: number[][] } };
    const D = ex.perDate.selected.length;
    const share = ex.factors.map((_, f) => ex.perDate.selected.reduce((s, row) => s + row[f], 0) / D);
    const att = ex.factors.map((_, f) => ex.perDate.selAttention.reduce((s, row) => s + row[f], 0) / D);
    expect(panel.factorNames.length).toBe(12); // the panel keeps the generator's factor order
    const planted = truth.linearFactors; // panel factor index = generator index
    if (process.env.E2EAI_VERBOSE)
      console.log(JSON.stringify({ alpha: m.alpha, ir: m.ir, turnover: m.turnover, names: ex.factors, planted, share, att }));
    expect(D).toBeGreaterThan(90);
    expect(m.alpha).toBeGreaterThan(0.05); // annualised excess return over the equal-weighted universe
    expect(m.ir).toBeGreaterThan(0.5);
    for (const f of planted) expect(share[f]).toBeGreaterThan(0.9); // kept on (almost) every test date
    // and the selection attention ranks them above the factors without a planted effect
    const noise = truth.noiseFactors;
    const meanOf = (idx: number[]) => idx.reduce((s, f) => s + att[f], 0) / idx.length;
    expect(meanOf(planted)).toBeGreaterThan(meanOf(noise));
  }, 120_000);
});
