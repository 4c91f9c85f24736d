/**
 * Model contract v2 through the one loop and the runner, with a probe model defined here (not registered for users):
 * sequence windows [B, N, L, F] and the history mask, the raw forward returns in the loss target, named output channels
 * (sigma per horizon, weight per date) stitched over the test groups and read by evaluate, the epoch / step hooks in
 * order, and the portfolio / NLL validation metrics on worked fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultRun, type RunConfig } from '../core/run';
import { models } from '../models/registry';
import type { ChannelOutput, ForwardContext, LossTarget, Model, ModelSpec, StepBatch } from '../models/types';
import { evaluate } from '../eval/evaluate';
import type { SplitPlan } from '../data/splits';
import { disposeBatch, makeBatch, prepareData } from './data';
import { plantedPanel } from './fixtures';
import { predictAll, trainModel, validationValue, type Prediction } from './loop';
import { runOnPanel } from './runner';
import { explainRun } from '../explain/run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = 3;
/** what the probe saw, for the assertions */
const seen = {
  events: [] as string[],
  seqShapes: [] as number[][],
  rawOk: [] as boolean[],
  lastRaw: null as null | { raw: Float32Array; mask: Float32Array },
};

/**
 * score_h = (mean over the L window days of x) . w_h  (masked); sigma = 0.5 + 0 * score; weight = 1 / (stocks on the
 * date) for every stock in the cross-section. Loss: masked MSE of the score against the raw forward return.
 */
class Probe implements Model {
  readonly trainable = true;
  private readonly w: tf.Variable;
  constructor(F: number, H: number) {
    this.w = tf.variable(tf.fill([F, H], 0.01));
  }
  forward(_x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      if (!c.seq) throw new Error('probe: no sequence windows');
      seen.seqShapes.push(c.seq.shape.slice());
      const [B, N, , F] = c.seq.shape;
      const m = c.seq.mean(2) as tf.Tensor3D; // [B, N, F]
      const s = tf.matMul(m.reshape([B * N, F]), this.w as tf.Tensor2D).reshape([B, N, -1]) as tf.Tensor3D;
      return s.mul(c.mask.expandDims(2)) as tf.Tensor3D;
    });
  }
  forwardChannels(x: tf.Tensor3D, c: ForwardContext): ChannelOutput {
    const scores = this.forward(x, c);
    const sigma = tf.tidy(() => tf.onesLike(scores).mul(0.5).mul(c.mask.expandDims(2)));
    const weight = tf.tidy(() => c.mask.div(c.mask.sum(1, true).maximum(1))); // [B, N]
    return { scores, channels: { sigma, weight } };
  }
  loss(scores: tf.Tensor3D, t: LossTarget) {
    seen.rawOk.push(!!t.raw);
    const d = scores.sub(t.raw!).mul(t.mask);
    const total = d.square().sum().div(t.mask.sum().maximum(1)) as tf.Scalar;
    return { total, terms: { mse: total } };
  }
  onEpochStart(e: number) {
    seen.events.push(`start${e}`);
  }
  async afterStep(b: StepBatch) {
    seen.events.push('step');
    seen.lastRaw = { raw: (await b.target.raw!.data()) as Float32Array, mask: (await b.target.mask.data()) as Float32Array };
  }
  onEpochEnd(e: number) {
    seen.events.push(`end${e}`);
  }
  variables() {
    return [this.w];
  }
  async getWeights() {
    return [{ name: 'w', shape: this.w.shape, values: (await this.w.data()) as Float32Array }];
  }
  setWeights(ws: { values: Float32Array }[]) {
    this.w.assign(tf.tensor(ws[0].values, this.w.shape));
  }
  dispose() {
    this.w.dispose();
  }
}

const probeSpec: ModelSpec = {
  id: 'contract-probe',
  name: 'Contract probe',
  description: 'test only',
  family: 'neural',
  trainable: true,
  configSchema: [
    { key: 'epochs', label: 'epochs', default: 2, min: 1, max: 5, step: 1, help: '' },
    { key: 'batchDates', label: 'b', default: 4, min: 1, max: 8, step: 1, help: '' },
  ],
  lookback: () => L,
  channels: () => [
    { name: 'sigma', kind: 'sigma', label: 'risk', perHorizon: true },
    { name: 'weight', kind: 'weight', label: 'model weights', perHorizon: false },
  ],
  build: (ctx) => new Probe(ctx.F, ctx.horizons.length),
};

describe('model contract v2: sequence input, raw target, hooks', () => {
  const panel = plantedPanel({ T: 40, N: 10, F: 3, horizons: [1, 5], seed: 5, noise: 0.5, missing: 0.15 });

  it('the history mask keeps a stock only after L valid days; batches carry the windows, raw returns and hooks fire in order', async () => {
    const d = prepareData(panel, { lookback: L });
    const { T, N } = d;
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        let full = t >= L - 1;
        for (let s = t - L + 1; s <= t && full; s++) full = panel.valid[s * N + n] === 1;
        expect(d.mask[t * N + n]).toBe(full ? 1 : 0);
      }
    }
    // the window of batch date 10 for stock 2: days 8, 9, 10; its last day is x itself
    const b = makeBatch(d, [10, 11]);
    const seq = (await b.seq!.data()) as Float32Array,
      x = (await b.x.data()) as Float32Array;
    const F = d.F;
    expect(b.seq!.shape).toEqual([2, N, L, F]);
    for (let l = 0; l < L; l++)
      for (let f = 0; f < F; f++) expect(seq[((0 * N + 2) * L + l) * F + f]).toBe(panel.x[((8 + l) * N + 2) * F + f]);
    for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) expect(seq[((1 * N + n) * L + L - 1) * F + f]).toBe(x[(N + n) * F + f]);
    disposeBatch(b);

    seen.events = [];
    const m = probeSpec.build({ F, horizons: d.horizons, seed: 1, config: {} });
    const h = await trainModel(
      m,
      d,
      { train: Array.from({ length: 9 }, (_, i) => 5 + i), valid: [20, 21, 22] },
      { epochs: 2, lr: 0.01, batchDates: 4, patience: 5, weightDecay: 0, valMetric: 'nll', evalHorizonIndex: 1, seed: 1 },
    );
    const steps = h.steps / 2;
    expect(seen.events).toEqual(['start0', ...Array(steps).fill('step'), 'end0', 'start1', ...Array(steps).fill('step'), 'end1']);
    expect(seen.rawOk.every(Boolean)).toBe(true);
    // the last step's raw target is Panel.fwd where the label mask is 1, else 0
    const { raw, mask } = seen.lastRaw!;
    expect(raw.length).toBe(mask.length);
    expect(mask.some((v) => v === 1)).toBe(true);
    for (let k = 0; k < raw.length; k++) if (mask[k] === 0) expect(raw[k]).toBe(0);
    expect(Number.isFinite(h.bestValMetric!)).toBe(true);
    m.dispose();
  });
});

describe('validation metrics: portfolio return and NLL (worked)', () => {
  // one date, N = 3 stocks, H = 1; fwd = [0.02, -0.01, NaN] (the third stock has no label)
  const d = { T: 1, N: 3, H: 1, fwd: Float32Array.from([0.02, -0.01, NaN]), mask: Uint8Array.from([1, 1, 1]) } as unknown as Parameters<
    typeof validationValue
  >[2];
  it('portfolio: sum_n w_n y_n with a missing label earning 0', () => {
    const p: Prediction = { scores: Float32Array.from([1, 0, 0]), channels: { weight: Float32Array.from([0.5, 0.25, 0.25]) } };
    // 0.5 * 0.02 + 0.25 * (-0.01) + 0.25 * 0 = 0.0075
    expect(validationValue('portfolio', p, d, [0], 0)).toBeCloseTo(0.0075, 8); // float32 labels
    expect(() => validationValue('portfolio', { ...p, channels: {} }, d, [0], 0)).toThrow(/needs the model's "weight" channel/);
  });
  it('nll: minus the mean Gaussian NLL over stocks with a label', () => {
    // stock 0: mu 0.01, sigma 0.1 -> 0.5 ln(2 pi 0.01) + (0.01)^2 / 0.02 = -1.38297... + 0.005
    // stock 1: mu 0, sigma 0.2    -> 0.5 ln(2 pi 0.04) + (0.01)^2 / 0.08 = -0.68982... + 0.00125
    const p: Prediction = { scores: Float32Array.from([0.01, 0, 5]), channels: { sigma: Float32Array.from([0.1, 0.2, 0.3]) } };
    const nll0 = 0.5 * Math.log(2 * Math.PI * 0.1 * 0.1) + 0.01 ** 2 / (2 * 0.01);
    const nll1 = 0.5 * Math.log(2 * Math.PI * 0.2 * 0.2) + 0.01 ** 2 / (2 * 0.04);
    expect(validationValue('nll', p, d, [0], 0)).toBeCloseTo(-(nll0 + nll1) / 2, 5); // float32 inputs
    expect(() => validationValue('nll', { ...p, channels: {} }, d, [0], 0)).toThrow(/needs the model's "sigma" channel/);
  });
});

describe('runner: channels stitched over the groups and read by evaluate', () => {
  beforeAll(() => {
    models.push(probeSpec);
  });
  afterAll(() => {
    models.splice(models.indexOf(probeSpec), 1);
  });
  const panel = plantedPanel({ T: 60, N: 12, F: 3, horizons: [1, 5], seed: 9, noise: 0.5, missing: 0.1 });
  const plan: SplitPlan = {
    kind: 'fixed',
    maxHorizon: 5,
    warnings: [],
    groups: [
      {
        index: 0,
        label: 'g0',
        train: { start: 3, end: 25 },
        valid: { start: 25, end: 30 },
        gap: { start: 30, end: 35 },
        test: { start: 35, end: 45 },
      },
      {
        index: 1,
        label: 'g1',
        train: { start: 3, end: 35 },
        valid: { start: 35, end: 40 },
        gap: { start: 40, end: 45 },
        test: { start: 45, end: 54 },
      },
    ],
  };
  const run: RunConfig = {
    ...defaultRun,
    dataset: { kind: 'synthetic', name: 'planted' },
    model: 'contract-probe',
    config: {},
    seed: 2,
    strategy: { kind: 'modelweight', horizon: 5, rebalance: 5, cost: 0 },
  };

  it('sigma [H, D, N] and weight [1, D, N] are stitched like the scores; the model-weighted strategy uses the weights', async () => {
    const r = await runOnPanel(panel, run, { plan });
    const D = r.testIndex.length,
      N = 12,
      H = 2;
    expect(D).toBe(19);
    expect(r.channels.map((c) => [c.spec.name, c.values.length])).toEqual([
      ['sigma', H * D * N],
      ['weight', D * N],
    ]);
    const d = prepareData(panel, { lookback: L });
    const sigma = r.channels[0].values,
      weight = r.channels[1].values;
    for (let j = 0; j < D; j++) {
      const t = r.testIndex[j];
      let cnt = 0;
      for (let n = 0; n < N; n++) cnt += d.mask[t * N + n];
      for (let n = 0; n < N; n++) {
        if (d.mask[t * N + n]) {
          expect(sigma[(1 * D + j) * N + n]).toBe(0.5);
          expect(weight[j * N + n]).toBeCloseTo(1 / cnt, 6);
        } else {
          expect(weight[j * N + n]).toBeNaN();
          expect(r.scores[j * N + n]).toBeNaN();
        }
      }
    }
    // independent: the same evaluate() call with the weight channel as [T, N] weights
    const T = panel.dates.length;
    const grid = (v: Float32Array, c: number) => {
      const g = new Float32Array(T * N).fill(NaN);
      for (let j = 0; j < D; j++) g.set(v.subarray((c * D + j) * N, (c * D + j + 1) * N), r.testIndex[j] * N);
      return g;
    };
    const testMask = new Uint8Array(T);
    for (const t of r.testIndex) testMask[t] = 1;
    const e = evaluate(
      {
        dates: panel.dates,
        scores: grid(r.scoresByHorizon, 1),
        fwd: panel.fwd,
        horizons: panel.horizons,
        ret: panel.ret,
        tradable: panel.tradable,
        valid: panel.valid,
        testMask,
        weights: grid(weight, 0),
        sigma: grid(sigma, 1),
      },
      run.strategy,
      {},
    );
    expect(r.eval.metrics).toEqual(e.metrics);
    // equal model weights over the cross-section: the book holds every scored stock
    expect(r.eval.rebalances.holdings[0]).toBeGreaterThan(5);
    // predictAll on its own gives the same channels for one group
    const m = probeSpec.build({ F: 3, horizons: [1, 5], seed: 2, config: {} });
    m.setWeights(r.groups[0].weights!);
    const p = await predictAll(
      m,
      d,
      Array.from({ length: 10 }, (_, i) => 35 + i),
      4,
    );
    m.dispose();
    expect(Array.from(p.channels.weight)).toEqual(Array.from(weight.subarray(0, 10 * N)));
  });

  it('gradient x input of a sequence model sums over the window: relevance = mean_l seq[n, l, f] * w_f, residual 0', async () => {
    const d = prepareData(panel, { lookback: L });
    // w [F = 3, H = 2] row-major; the probe scores mean_l(seq) . w_h, so d score / d seq[n, l, f] = w[f, h] / L
    const w = Float32Array.from([0.5, -1, 0.25, 2, -0.75, 0.1]);
    const t = 40,
      h = 1;
    const ex = await explainRun(
      { ...d, lookback: L },
      { id: 'contract-probe', config: {}, seed: 2 },
      [{ t, weights: [{ name: 'w', shape: [3, 2], values: w }] }],
      h,
      { method: 'grad-input' },
    );
    const day = ex.dates[0];
    expect(ex.method).toBe('grad-input');
    expect(day.stocks.length).toBeGreaterThan(5);
    day.stocks.forEach((n, m) => {
      for (let f = 0; f < 3; f++) {
        let mean = 0;
        for (let l = 0; l < L; l++) mean += panel.x[((t - L + 1 + l) * 12 + n) * 3 + f] / L;
        expect(day.relevance[m * 3 + f]).toBeCloseTo(mean * w[f * 2 + h], 5);
      }
      expect(Math.abs(day.residual[m])).toBeLessThan(1e-5); // a bias-free linear model: gradient x input conserves
    });
  });
});
