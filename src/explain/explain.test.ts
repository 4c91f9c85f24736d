import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { dfmSpec } from '../models/dfm/dfm';
import { linearSpec } from '../models/baselines/linear';
import { mlpSpec } from '../models/baselines/mlp';
import { ridgeSpec } from '../models/dfm/ridge';
import { getModel } from '../models/registry';
import type { Model, ModelSpec, NamedWeight } from '../models/types';
import { gradientTimesInput } from './grad-input';
import { lrpDense, outputDense } from './lrp';
import { lrpNetwork } from './networks';
import { groupCorrelations, groupShares, kendallTauB, meanRelevance, topQuantile } from './relevance';
import { explainMethodFor, explainRun } from './run';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

/** random values for every weight (biases and normalisation included), so parity covers every parameter */
async function randomise(m: Model, seed: number): Promise<NamedWeight[]> {
  const rng = makeRng(seed);
  const w = (await m.getWeights()).map((x) => ({ ...x, values: Float32Array.from(x.values, () => 0.5 * rng.normal()) }));
  m.setWeights(w);
  return w;
}

/** one date: x [N, F] with some stocks masked out */
function crossSection(seed: number, N: number, F: number) {
  const rng = makeRng(seed);
  const x = Float32Array.from({ length: N * F }, () => rng.normal());
  const mask = Float32Array.from({ length: N }, (_, n) => (n % 4 === 3 ? 0 : 1));
  return { x, mask, N, F };
}

async function scoresOf(m: Model, cs: ReturnType<typeof crossSection>): Promise<Float32Array> {
  const xt = tf.tensor3d(cs.x, [1, cs.N, cs.F]),
    mt = tf.tensor2d(cs.mask, [1, cs.N]);
  const s = m.forward(xt, { mask: mt });
  const v = (await s.data()) as Float32Array; // [1, N, H]
  tf.dispose([xt, mt, s]);
  return v;
}

describe('networks: the extracted Dense nets reproduce the tfjs models (parity 1e-5)', () => {
  const N = 12,
    F = 5,
    horizons = [5, 20];
  const cases: [string, ModelSpec, Record<string, number | string | boolean>][] = [
    ['dfm model1', dfmSpec, { arch: 'model1' }],
    ['dfm model2', dfmSpec, { arch: 'model2' }],
    ['mlp (normalisation as a diagonal layer, LeakyReLU)', mlpSpec, { hidden: 7, layers: 2 }],
    ['ridge', ridgeSpec, {}],
    ['linear', linearSpec, {}],
  ];
  for (const [label, spec, config] of cases) {
    it(label, async () => {
      const m = spec.build({ F, horizons, seed: 3, config });
      const w = await randomise(m, 11);
      const cs = crossSection(5, N, F);
      const sc = await scoresOf(m, cs);
      const H = horizons.length;
      for (let h = 0; h < H; h++) {
        const en = lrpNetwork(spec, w, cs, h)!;
        for (let n = 0; n < N; n++) {
          if (!cs.mask[n]) continue;
          const xn = cs.x.subarray(n * F, (n + 1) * F);
          expect(Math.abs(outputDense(en.net, xn, en.output) - sc[n * H + h])).toBeLessThan(1e-5);
          // and LRP conserves it on the real architecture
          const r = lrpDense(en.net, xn, { rule: 'epsilon', epsilon: 1e-6, output: en.output });
          const sum = r.relevance.reduce((s, v) => s + v, 0);
          expect(Math.abs(sum + r.bias + r.eps + r.dropped - r.output)).toBeLessThan(1e-9);
        }
      }
      m.dispose();
    });
  }

  it('models with cross-stock layers have no LRP network; RF / SVR are not explainable', () => {
    expect(lrpNetwork(getModel('mgat'), [], crossSection(1, 2, 2), 0)).toBeNull();
    expect(explainMethodFor('dmfm')).toBe('grad-input');
    expect(explainMethodFor('mgat')).toBe('grad-input');
    expect(explainMethodFor('dfm')).toBe('lrp');
    expect(explainMethodFor('mlp')).toBe('lrp');
    expect(explainMethodFor('rf')).toBeNull();
  });
});

describe('gradient x input (fallback)', () => {
  it('a bias-free linear model: gradient x input = w * x exactly, residual 0; the per-stock and cross-stock modes agree', async () => {
    const F = 3,
      N = 6;
    const m = linearSpec.build({ F, horizons: [1], seed: 0, config: {} });
    // w = (0.5, -2, 0.25), b = 0
    m.setWeights([
      { name: 'linear/kernel', shape: [3, 1], values: Float32Array.from([0.5, -2, 0.25]) },
      { name: 'linear/bias', shape: [1], values: new Float32Array(1) },
    ]);
    const cs = crossSection(9, N, F);
    const a = await gradientTimesInput(m, cs, { head: 0, crossStock: false });
    const b = await gradientTimesInput(m, cs, { head: 0, crossStock: true });
    expect(Array.from(a.stocks)).toEqual([0, 1, 2, 4, 5]);
    a.stocks.forEach((n, k) => {
      [0.5, -2, 0.25].forEach((w, f) => expect(a.relevance[k * F + f]).toBeCloseTo(w * cs.x[n * F + f], 6));
      expect(Math.abs(a.residual[k])).toBeLessThan(1e-6);
    });
    for (let i = 0; i < a.relevance.length; i++) expect(b.relevance[i]).toBeCloseTo(a.relevance[i], 6);
    m.dispose();
  });

  it('the cross-stock mode runs on wasm (no gather gradient there) and equals w * x', async () => {
    await tf.setBackend('wasm');
    try {
      const F = 3,
        N = 6;
      const m = linearSpec.build({ F, horizons: [1], seed: 0, config: {} });
      m.setWeights([
        { name: 'linear/kernel', shape: [3, 1], values: Float32Array.from([0.5, -2, 0.25]) },
        { name: 'linear/bias', shape: [1], values: new Float32Array(1) },
      ]);
      const cs = crossSection(9, N, F);
      const b = await gradientTimesInput(m, cs, { head: 0, crossStock: true });
      b.stocks.forEach((n, k) => [0.5, -2, 0.25].forEach((w, f) => expect(b.relevance[k * F + f]).toBeCloseTo(w * cs.x[n * F + f], 5)));
      m.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('a bias-free ReLU network (DFM at initialisation) is positively homogeneous: sum of gradient x input = f(x)', async () => {
    const m = dfmSpec.build({ F: 4, horizons: [20], seed: 2, config: { arch: 'model1' } });
    const cs = crossSection(4, 8, 4);
    const g = await gradientTimesInput(m, cs, { head: 0, crossStock: false });
    for (let k = 0; k < g.stocks.length; k++) expect(Math.abs(g.residual[k])).toBeLessThan(1e-5 * Math.max(1, Math.abs(g.output[k])));
    expect(g.output.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    m.dispose();
  });
});

describe('relevance summaries (worked examples)', () => {
  it('group shares: signed sums per group, percent of absolute group relevance', () => {
    // R = (1, 2, -0.5, -2.5) for groups (a, a, b, b): R_a = 3, R_b = -3; |.| shares 50 / 50; signed total 0 -> NaN
    const s = groupShares([1, 2, -0.5, -2.5], ['a', 'a', 'b', 'b']);
    expect(s.groups).toEqual(['a', 'b']);
    expect(Array.from(s.relevance)).toEqual([3, -3]);
    expect(Array.from(s.share)).toEqual([50, 50]);
    expect(s.signedShare.every(Number.isNaN)).toBe(true);
    // R = (1, 1, 2, c:-1): R_a = 2, R_b = 2, R_c = -1 -> abs shares 40 / 40 / 20; signed 2/3 = 66.67, 66.67, -33.33
    const t = groupShares([1, 1, 2, -1], ['a', 'a', 'b', 'c']);
    expect(Array.from(t.share)).toEqual([40, 40, 20]);
    t.signedShare.forEach((v, i) => expect(v).toBeCloseTo([200 / 3, 200 / 3, -100 / 3][i], 10));
  });

  it('top quintile uses the backtest rule floor(r * G / n) and skips NaN; portfolio = mean relevance', () => {
    // 11 predictions, one NaN -> n = 10; ascending positions 8, 9 are group 4 (floor(8 * 5 / 10) = 4)
    const pred = [0.3, NaN, 0.9, 0.1, 0.5, 0.8, 0.2, 0.7, 0.4, 0.6, 0.0];
    expect(Array.from(topQuantile(pred, 5))).toEqual([2, 5]);
    const rel = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [6, 2]
    expect(Array.from(meanRelevance(rel, 2, [0, 2]))).toEqual([3, 4]); // rows (1, 2) and (5, 6)
  });

  it("Kendall's tau-b by hand, with and without ties", () => {
    // x = (1,2,3,4), y = (2,1,4,3): pairs (0,1) and (2,3) discordant, the other 4 concordant -> (4 - 2) / 6 = 1/3
    expect(kendallTauB([1, 2, 3, 4], [2, 1, 4, 3])).toBeCloseTo(1 / 3, 15);
    // x = (1,2,2,3), y = (1,3,2,4): 5 concordant, 0 discordant, 1 pair tied in x -> 5 / sqrt((6 - 1)(6 - 0)) = 5 / sqrt(30)
    expect(kendallTauB([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(5 / Math.sqrt(30), 15);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('Table 5 on one date: per-factor correlations averaged by group, and the composite', () => {
    // rows 0..3 (stock 4 is outside the portfolio and must be ignored); pred = (1, 2, 3, 4)
    // group a: f0 = (1,2,3,4) -> spearman 1, kendall 1;  f1 = (8,6,4,2) -> -1, -1;  means 0, 0
    //          composite (f0 + f1) / 2 = (4.5, 4, 3.5, 3) -> -1, -1
    // group b: f2 = (2,1,4,3) -> spearman 1 - 6 * 4 / (4 * 15) = 0.6, kendall 1/3
    const x = [1, 8, 2, 2, 6, 1, 3, 4, 4, 4, 2, 3, 100, -100, -5]; // [5, 3]
    const pred = [1, 2, 3, 4, -7];
    const rows = groupCorrelations(x, pred, 3, [0, 1, 2, 3], ['a', 'a', 'b']);
    expect(rows.map((r) => r.group)).toEqual(['a', 'b']);
    expect(rows[0].spearman).toBeCloseTo(0, 12);
    expect(rows[0].kendall).toBeCloseTo(0, 12);
    expect(rows[0].spearmanComposite).toBeCloseTo(-1, 12);
    expect(rows[0].kendallComposite).toBeCloseTo(-1, 12);
    expect(rows[1].spearman).toBeCloseTo(0.6, 12);
    expect(rows[1].kendall).toBeCloseTo(1 / 3, 12);
    expect(rows[1].n).toBe(4);
  });
});

describe('explainRun', () => {
  // 2 dates x 20 stocks x 4 factors in groups (mom, mom, val, size); a DFM with random weights
  const N = 20,
    F = 4,
    T = 2;
  const rng = makeRng(21);
  const data = {
    N,
    F,
    x: Float32Array.from({ length: T * N * F }, () => rng.normal()),
    mask: Uint8Array.from({ length: T * N }, (_, k) => (k % 7 === 6 ? 0 : 1)),
    dates: ['2020-01-31', '2020-02-28'],
    tickers: Array.from({ length: N }, (_, n) => `S${n}`),
    factorNames: ['m1', 'm2', 'v1', 's1'],
    factorGroups: ['mom', 'mom', 'val', 'size'],
    horizons: [5, 20],
  };

  it('LRP epsilon: contributions + bias + eps add up to each prediction, which equals the model score; top quintile and shares', async () => {
    const m = dfmSpec.build({ F, horizons: data.horizons, seed: 1, config: { arch: 'model1' } });
    const w = await randomise(m, 4);
    const ex = await explainRun(
      data,
      { id: 'dfm', config: { arch: 'model1' }, seed: 1 },
      [
        { t: 0, weights: w },
        { t: 1, weights: w },
      ],
      1,
      { rule: 'epsilon', epsilon: 1e-4 },
    );
    expect(ex.method).toBe('lrp-epsilon');
    expect(ex.methodLabel).toMatch(/epsilon 0\.0001/);
    expect(ex.groups).toEqual(['mom', 'val', 'size']);
    for (const d of ex.dates) {
      const sc = await scoresOf(m, {
        x: data.x.subarray(d.t * N * F, (d.t + 1) * N * F),
        mask: Float32Array.from(data.mask.subarray(d.t * N, (d.t + 1) * N)),
        N,
        F,
      });
      expect(d.stocks.length).toBe(Array.from(data.mask.subarray(d.t * N, (d.t + 1) * N)).filter((v) => v).length);
      d.stocks.forEach((n, k) => {
        expect(Math.abs(d.prediction[k] - sc[n * 2 + 1])).toBeLessThan(1e-5);
        let s = 0;
        for (let f = 0; f < F; f++) s += d.relevance[k * F + f];
        expect(Math.abs(s + d.bias[k] + d.eps[k] - d.prediction[k])).toBeLessThan(1e-5); // float32 storage of relevance
        expect(Math.abs(d.residual[k])).toBeLessThan(1e-9);
      });
      // top quintile of the M predictions: ceil-ish M / 5 stocks, all predicted at least as high as any other
      expect(d.top.length).toBe(d.stocks.length - Math.ceil((4 * d.stocks.length) / 5));
      const minTop = Math.min(...Array.from(d.top, (k) => d.prediction[k]));
      const rest = Array.from(d.prediction).filter((_, k) => !d.top.includes(k));
      expect(Math.max(...rest)).toBeLessThanOrEqual(minTop);
      expect(d.portfolioGroups.share.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 9);
      expect(d.portfolioGroups.relevance[0]).toBeCloseTo(d.portfolio[0] + d.portfolio[1], 12);
    }
    expect(ex.table5.map((r) => r.group)).toEqual(['mom', 'val', 'size']);
    expect(ex.table5[1].lrpShare).toBeCloseTo((ex.dates[0].portfolioGroups.share[1] + ex.dates[1].portfolioGroups.share[1]) / 2, 12);
    m.dispose();
  });

  it('gradient x input is labelled as the fallback; RF cannot be explained', async () => {
    const m = dfmSpec.build({ F, horizons: data.horizons, seed: 1, config: {} });
    const w = await m.getWeights(); // zero biases: gradient x input conserves (homogeneous network)
    const ex = await explainRun(data, { id: 'dfm', config: {}, seed: 1 }, [{ t: 1, weights: w }], 1, { method: 'grad-input' });
    expect(ex.method).toBe('grad-input');
    expect(ex.methodLabel).toMatch(/^gradient x input \(fallback/);
    for (const r of ex.dates[0].residual) expect(Math.abs(r)).toBeLessThan(1e-5);
    await expect(explainRun(data, { id: 'rf', config: {}, seed: 1 }, [], 0)).rejects.toThrow(/predicts outside tfjs/);
    m.dispose();
  });
});
