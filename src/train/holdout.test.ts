import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { disposeBatch, makeBatch, prepareData } from './data';
import { plantedPanel } from './fixtures';
import { pickHoldout, withoutHoldout } from './holdout';
import { runOnPanel } from './runner';
import { runKey } from './run-key';
import { evaluateScores } from './reevaluate';
import { defaultRun, type RunConfig } from '../core/run';
import type { SplitPlan } from '../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const T = 90,
  N = 40;
const panel = plantedPanel({ T, N, F: 6, horizons: [1, 5], seed: 5, noise: 1.5, missing: 0.1 });
const plan: SplitPlan = {
  kind: 'fixed',
  maxHorizon: 5,
  warnings: [],
  groups: [
    {
      index: 0,
      label: 'g0',
      train: { start: 0, end: 50 },
      valid: { start: 50, end: 60 },
      gap: { start: 60, end: 65 },
      test: { start: 65, end: 85 },
    },
  ],
};
const test = Array.from({ length: 20 }, (_, j) => 65 + j);
const run = (over: Partial<RunConfig>): RunConfig => ({
  ...defaultRun,
  dataset: { kind: 'synthetic', name: 'planted' },
  model: 'linear',
  strategy: { kind: 'topkdrop', k: 5, n: 1, rebalance: 1, horizon: 1 },
  ...over,
});

describe('holdout (FactorVAE Table 2 robustness)', () => {
  const d = prepareData(panel, {});

  it('picks m stocks by a seeded RNG: by count or by fraction of the test cross-section', () => {
    const a = pickHoldout(d, test, { count: 8 }, 1);
    expect(a.stocks.length).toBe(8);
    expect(new Set(a.stocks).size).toBe(8);
    expect(Array.from(pickHoldout(d, test, { count: 8 }, 1).stocks)).toEqual(Array.from(a.stocks)); // same seed
    expect(Array.from(pickHoldout(d, test, { count: 8, seed: 2 }, 1).stocks)).not.toEqual(Array.from(a.stocks));
    // all 40 stocks appear on some test date (10% missing per cell): fraction 1/4 -> round(10) = 10
    const f = pickHoldout(d, test, { fraction: 0.25 }, 1);
    expect(f.candidates).toBe(40);
    expect(f.stocks.length).toBe(10);
    // default fraction 1/6 (50 of 300): round(40 / 6) = 7
    expect(pickHoldout(d, test, {}, 1).stocks.length).toBe(7);
    expect(() => pickHoldout(d, test, { count: 40 }, 1)).toThrow(/only 40 stocks are in the test cross-section/);
    expect(() => pickHoldout(d, test, { count: 1 }, 1)).toThrow(/at least 2/);
    expect(() => pickHoldout(d, test, { fraction: 1.5 }, 1)).toThrow(/fraction = 1.5/);
    expect(() => pickHoldout(d, test, { count: 5, fraction: 0.1 }, 1)).toThrow(/either count or fraction/);
  });

  it('no held-out stock is in any training or validation batch; on the test dates they are', () => {
    const hold = pickHoldout(d, test, { count: 8 }, 3);
    const fit = withoutHoldout(d, hold, test);
    const b = makeBatch(
      fit,
      Array.from({ length: 60 }, (_, t) => t),
    ); // every train and validation date
    const m = b.mask.dataSync(),
      ym = b.ymask.dataSync();
    let heldInTrain = 0,
      othersInTrain = 0;
    for (let t = 0; t < 60; t++)
      for (let n = 0; n < N; n++) {
        if (hold.member[n]) {
          heldInTrain += m[t * N + n];
          for (let h = 0; h < d.H; h++) heldInTrain += ym[(t * N + n) * d.H + h];
        } else othersInTrain += m[t * N + n];
      }
    disposeBatch(b);
    expect(heldInTrain).toBe(0);
    // the other stocks are untouched: their mask equals the original one
    let orig = 0;
    for (let t = 0; t < 60; t++) for (let n = 0; n < N; n++) if (!hold.member[n]) orig += d.mask[t * N + n];
    expect(othersInTrain).toBe(orig);
    expect(orig).toBeGreaterThan(0);
    // test dates: the mask is the original one for every stock (the model predicts the held-out stocks there)
    for (const t of test)
      expect(Array.from(fit.mask.subarray(t * N, (t + 1) * N))).toEqual(Array.from(d.mask.subarray(t * N, (t + 1) * N)));
  });

  it('a holdout run trains without them and evaluates only them', async () => {
    const full = await runOnPanel(panel, run({}), { plan });
    const r = await runOnPanel(panel, run({ holdout: { count: 10 } }), { plan });
    const hold = pickHoldout(d, test, { count: 10 }, defaultRun.seed);
    expect(r.holdout?.stocks).toEqual(Array.from(hold.stocks, (n) => panel.tickers[n]));
    expect(r.warnings.some((w) => /holdout: 10 of 40 stocks/.test(w))).toBe(true);
    // the excess return is measured against the held-out stocks' own equal weight (holdout-benchmark.test.ts)
    expect(r.eval.settings.benchmark).toBe('equal-weighted held-out stocks (10)');
    expect(full.eval.settings.benchmark).toBe('equal-weighted universe');
    // a re-evaluation of the stored scores (no explicit holdout: derived from the scored stocks) reproduces it exactly
    const again = evaluateScores(panel, r.run, { scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons });
    expect(again.settings.benchmark).toBe('equal-weighted held-out stocks (10)');
    expect(Array.from(again.series.benchmark)).toEqual(Array.from(r.eval.series.benchmark));
    expect(again.metrics).toEqual(r.eval.metrics);
    // scores: finite only for held-out stocks (in the cross-section); every other stock NaN
    let finite = 0;
    for (let j = 0; j < r.testIndex.length; j++)
      for (let n = 0; n < N; n++) {
        const s = r.scores[j * N + n];
        if (!hold.member[n]) expect(s).toBeNaN();
        else if (Number.isFinite(s)) finite++;
      }
    expect(finite).toBeGreaterThan(0);
    // the IC is over the held-out stocks only: at most 10 per date
    expect(Math.max(...r.eval.icCount)).toBeLessThanOrEqual(10);
    expect(Math.max(...full.eval.icCount)).toBeGreaterThan(10);
    // the model was fitted without them: the linear coefficients differ from the full run's
    expect(Array.from(r.scoresByHorizon).some((v, i) => Number.isFinite(v) && Math.abs(v - full.scoresByHorizon[i]) > 1e-6)).toBe(true);
  });

  it('a holdout changes the run key (checkpoints of the full run are not resumed), no holdout keeps it', () => {
    expect(runKey(run({ holdout: { count: 10 } }))).not.toBe(runKey(run({})));
    expect(runKey(run({ holdout: { count: 10 } }))).not.toBe(runKey(run({ holdout: { count: 20 } })));
    expect(runKey(run({ holdout: undefined }))).toBe(runKey(run({})));
  });
});
