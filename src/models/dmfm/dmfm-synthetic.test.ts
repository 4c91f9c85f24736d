/**
 * DMFM on the seeded synthetic market (src/data/synthetic.ts), out of sample, against Linear and MLP.
 * The market is set so that most of the planted score is the industry-relative part (linear 0.5, industry-relative 1,
 * interaction 0): a stock's factor value relative to its industry's mean, with industry levels that cancel the raw
 * factor's correlation -- invisible to any model that scores each stock from its own factors (Linear, MLP), visible
 * to a model with the industry graph (C - H_I, eq. 4). Numbers measured when this test was written (wasm, seed 42,
 * 100 stocks x 360 days, test = 2016H1, 101 dates):
 *   h5 IC:                                   Linear 0.129   MLP 0.072   DMFM 0.204
 *   corr with the planted industry-relative:  Linear 0.127   MLP 0.084   DMFM 0.643
 *   corr with the whole planted score:        Linear 0.445   MLP 0.289   DMFM 0.746
 * On the default mix (linear 1, interaction 0.8, industry-relative 0.8) at this size DMFM's h5 Pearson IC was below
 * Linear's (0.13 vs 0.18; rank IC 0.18 vs 0.17): the linear part is what OLS fits best with this little data.
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

describe('DMFM recovers the planted industry-relative signal (synthetic market, out of sample)', () => {
  it('beats Linear on IC and on correlation with the planted score; Linear and MLP cannot see the industry-relative part', async () => {
    const { panel, truth, tOffset } = syntheticPanel(
      { seed: 42, nStocks: 100, nDays: 360, nFactors: 12, horizons: [1, 5, 10, 20], linear: 0.5, interaction: 0, industryRelative: 1 },
      { ...defaultPreprocessing, minHistory: 20 },
    );
    const N = panel.tickers.length;
    const run = (model: string, config: RunConfig['config']): RunConfig => ({
      ...defaultRun,
      dataset: { kind: 'synthetic', name: 'synthetic' },
      model,
      config,
      seed: 42,
      split: { kind: 'walkforward', groups: 1, gap: 21 },
      strategy: { ...defaultRun.strategy, horizon: 5, rebalance: 5 },
    });
    /** mean over test dates of the Pearson correlation of the h5 scores with a planted component [T, N] */
    const corrWith = (scores: Float32Array, idx: Int32Array, comp: Float32Array) => {
      let s = 0,
        n = 0;
      idx.forEach((t, j) => {
        const a: number[] = [],
          b: number[] = [];
        for (let i = 0; i < N; i++) {
          const x = scores[j * N + i],
            y = comp[(t + tOffset) * N + i];
          if (Number.isFinite(x) && Number.isFinite(y)) {
            a.push(x);
            b.push(y);
          }
        }
        if (a.length < 3) return;
        const ma = a.reduce((p, q) => p + q, 0) / a.length,
          mb = b.reduce((p, q) => p + q, 0) / b.length;
        let ab = 0,
          aa = 0,
          bb = 0;
        for (let k = 0; k < a.length; k++) {
          ab += (a[k] - ma) * (b[k] - mb);
          aa += (a[k] - ma) ** 2;
          bb += (b[k] - mb) ** 2;
        }
        s += ab / Math.sqrt(aa * bb);
        n++;
      });
      return s / n;
    };
    const nn = { hidden: 16, layers: 2, epochs: 12, lr: 0.005, patience: 12, batchDates: 16 };
    const evalRun = async (m: string, c: RunConfig['config']) => {
      const r = await runOnPanel(panel, run(m, c));
      const h5 = r.horizonMetrics.find((h) => h.horizon === 5)!;
      return {
        ic: h5.ic,
        rel: corrWith(r.scores, r.testIndex, truth.industryRelative),
        score: corrWith(r.scores, r.testIndex, truth.score),
        dates: r.testIndex.length,
      };
    };
    const linear = await evalRun('linear', {});
    const mlp = await evalRun('mlp', nn);
    const dmfm = await evalRun('dmfm', nn);
    if (process.env.DMFM_VERBOSE) console.log(JSON.stringify({ linear, mlp, dmfm }));
    expect(dmfm.dates).toBeGreaterThan(90);
    expect(dmfm.ic).toBeGreaterThan(linear.ic + 0.03);
    expect(dmfm.score).toBeGreaterThan(linear.score + 0.1);
    expect(dmfm.rel).toBeGreaterThan(0.4);
    expect(dmfm.rel).toBeGreaterThan(linear.rel + 0.3);
    expect(dmfm.rel).toBeGreaterThan(mlp.rel + 0.3);
  }, 60_000);
});
