import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { dmfmLoss, dmfmSpec, headPlan } from './dmfm';
import { mgatSpec } from './mgat';
import { factorAttention } from '../layers/factor-attention';
import type { ForwardContext, LossTarget, Model } from '../types';
import { directionalCheck } from '../gradcheck-util';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

describe('DMFM loss (eq. 13) on a worked fixture', () => {
  // 2 dates x 5 stocks, one head; stock 4 is padding (mask 0) with junk values that must not count.
  // date 0: f = [1, 2, 3, 4], y = [1, 3, 2, 4]: fc = yc-shape [-1.5, -.5, .5, 1.5] / [-1.5, .5, -.5, 1.5]
  //   sum fc*yc = 2.25 - .25 - .25 + 2.25 = 4, sum fc^2 = sum yc^2 = 5 -> IC_0 = 0.8
  // date 1: f = [1, 2, 3, 4], y = [2, 1, 4, 3]: yc = [-.5, -1.5, 1.5, .5], sum fc*yc = .75*4 = 3 -> IC_1 = 0.6
  // ICIR c = mean / sqrt(var + 1e-4) = 0.7 / sqrt(0.01 + 0.0001) = 6.965265
  // factor return (standardised exposure z = fc / sd(fc), sd = sqrt(5/4)): b_t = sum z y / n = sum fc yc / (n sd)
  //   b_0 = 4 / (4 * 1.118034) = 0.894427, b_1 = 3 / 4.472136 = 0.670820 (label-sd units)
  //   in percent with label scales 0.02 and 0.05: 1.788854 and 3.354102, mean 2.571478
  // d_t = RMS(f - fhat) over valid stocks: date 0 diff [1, 1, 1, 1] -> 1; date 1 diff [2, 2, 0, 0] -> sqrt(8/4) = 1.414214
  //   mean d = 1.207107
  // total (weights 1, 1, 1) = 1.207107 - 2.571478 - 6.965265 = -8.329636
  const fixture = () => ({
    f: tf.tensor3d([1, 2, 3, 4, 10, 1, 2, 3, 4, 10], [2, 5, 1]),
    fhat: tf.tensor3d([0, 1, 2, 3, -50, -1, 0, 3, 4, -50], [2, 5, 1]),
    mask: tf.tensor2d([1, 1, 1, 1, 0, 1, 1, 1, 1, 0], [2, 5]),
    target: {
      y: tf.tensor3d([1, 3, 2, 4, 10, 2, 1, 4, 3, 10], [2, 5, 1]),
      mask: tf.tensor3d([1, 1, 1, 1, 0, 1, 1, 1, 1, 0], [2, 5, 1]),
      scale: tf.tensor2d([0.02, 0.05], [2, 1]),
    } as LossTarget,
  });
  const o = { horizons: [5], labelIdx: [0], wIcir: 1, wReturn: 1, wEstimate: 1 };
  it('percent units: each term and the total', () => {
    const { f, fhat, mask, target } = fixture();
    const l = dmfmLoss(f, fhat, mask, target, { ...o, units: 'percent' });
    expect(l.terms.negicir_h5.dataSync()[0]).toBeCloseTo(-6.965265, 4);
    expect(l.terms.negret_h5.dataSync()[0]).toBeCloseTo(-2.571478, 4);
    expect(l.terms.est_h5.dataSync()[0]).toBeCloseTo(1.207107, 5);
    expect(l.total.dataSync()[0]).toBeCloseTo(-8.329636, 4);
  });
  it('z-score units and other weights', () => {
    const { f, fhat, mask, target } = fixture();
    const l = dmfmLoss(f, fhat, mask, target, { ...o, units: 'zscore', wIcir: 0.5, wReturn: 2, wEstimate: 0 });
    expect(l.terms.negret_h5.dataSync()[0]).toBeCloseTo(-0.782624, 5);
    // 0 * 1.207107 - 2 * 0.782624 - 0.5 * 6.965265 = -5.047880
    expect(l.total.dataSync()[0]).toBeCloseTo(-5.04788, 4);
  });
  it('picks the label columns of the trained heads', () => {
    const { f, fhat, mask, target } = fixture();
    // the same labels as column 1 of a 2-horizon target; column 0 is noise
    const y2 = tf.concat([tf.randomNormal([2, 5, 1], 0, 1, 'float32', 3), target.y], 2) as tf.Tensor3D;
    const m2 = tf.concat([target.mask, target.mask], 2) as tf.Tensor3D;
    const l = dmfmLoss(
      f,
      fhat,
      mask,
      { y: y2, mask: m2, scale: tf.concat([tf.ones([2, 1]), target.scale!], 1) as tf.Tensor2D },
      { ...o, labelIdx: [1], units: 'percent' },
    );
    expect(l.total.dataSync()[0]).toBeCloseTo(-8.329636, 4);
  });
});

describe('head plan', () => {
  it("'paper': k in 3, 5, 10, 15, 20 that the panel has; other horizons use the nearest head", () => {
    expect(headPlan([1, 3, 5, 10, 15, 20], 'paper')).toEqual({
      trained: [3, 5, 10, 15, 20],
      trainedIdx: [1, 2, 3, 4, 5],
      headOf: [0, 0, 1, 2, 3, 4],
    });
    expect(headPlan([1, 5, 10, 20], 'paper')).toEqual({ trained: [5, 10, 20], trainedIdx: [1, 2, 3], headOf: [0, 0, 1, 2] });
    expect(headPlan([1, 2], 'paper').trained).toEqual([1, 2]); // none of the paper's: every horizon
    expect(headPlan([1, 5], 'panel')).toEqual({ trained: [1, 5], trainedIdx: [0, 1], headOf: [0, 1] });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// a small batch: 3 dates x 8 stocks x 4 factors, horizons [1, 5], 3 industries, padding, an unknown industry

const B = 3,
  N = 8,
  F = 4,
  horizons = [1, 5];
function batch(seed: number) {
  const r = makeRng(seed);
  const maskArr = Array.from({ length: B * N }, (_, k) => (k % N === 6 ? 0 : 1));
  const indArr = Array.from({ length: B * N }, (_, k) => (k % N === 7 ? -1 : (k % N) % 3));
  const H = horizons.length;
  const x = tf.tensor3d(
    Array.from({ length: B * N * F }, (_, k) => maskArr[Math.floor(k / F)] * r.normal()),
    [B, N, F],
  );
  const ctx: ForwardContext = { mask: tf.tensor2d(maskArr, [B, N]), industry: tf.tensor2d(indArr, [B, N]), training: true };
  const ym = Array.from({ length: B * N * H }, (_, i) => maskArr[Math.floor(i / H)] * (i % 13 === 5 ? 0 : 1));
  const target: LossTarget = {
    y: tf.tensor3d(
      Array.from({ length: B * N * H }, (_, i) => ym[i] * r.normal()),
      [B, N, H],
    ),
    mask: tf.tensor3d(ym, [B, N, H]),
    scale: tf.tensor2d(
      Array.from({ length: B * H }, () => 0.01 + 0.02 * r.uniform()),
      [B, H],
    ),
  };
  return { x, ctx, target, dispose: () => tf.dispose([x, ctx.mask, ctx.industry!, target.y, target.mask, target.scale!]) };
}

const lossOf = (m: Model, b: ReturnType<typeof batch>) => () => {
  const o = m.forwardAux!(b.x, b.ctx);
  return m.loss(o.scores, b.target, o.aux).total;
};

describe('gradient check of the full DMFM loss (directional, float32)', () => {
  for (const gatKernel of ['dense', 'sorted'] as const) {
    it(`GAT kernel '${gatKernel}': encoder, both GATs, heads and factor attention`, () => {
      const m = dmfmSpec.build({
        F,
        horizons,
        seed: 3,
        config: { hidden: 5, layers: 2, horizonSet: 'panel', gatInit: 'glorot', gatKernel },
      });
      const b = batch(10);
      const errs = directionalCheck(m.variables(), lossOf(m, b), 11);
      for (const e of errs) expect(e).toBeLessThan(5e-3);
      b.dispose();
      m.dispose();
    });
  }
  it('the two kernels give the same loss and gradients', () => {
    const cfg = { hidden: 6, layers: 1, horizonSet: 'panel', gatInit: 'glorot' };
    const md = dmfmSpec.build({ F, horizons, seed: 5, config: { ...cfg, gatKernel: 'dense' } });
    const ms = dmfmSpec.build({ F, horizons, seed: 5, config: { ...cfg, gatKernel: 'sorted' } });
    const b = batch(12);
    const gd = tf.variableGrads(lossOf(md, b), md.variables()),
      gs = tf.variableGrads(lossOf(ms, b), ms.variables());
    expect(gs.value.dataSync()[0]).toBeCloseTo(gd.value.dataSync()[0], 5);
    md.variables().forEach((v, i) => {
      const a = gd.grads[v.name].dataSync(),
        c = gs.grads[ms.variables()[i].name].dataSync();
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - c[k])).toBeLessThan(1e-5 * Math.max(1, Math.abs(a[k])));
    });
    tf.dispose([gd.value, gs.value, ...Object.values(gd.grads), ...Object.values(gs.grads)]);
    b.dispose();
    md.dispose();
    ms.dispose();
  });
  it('MGAT (context encoder, universe GAT, decoder) with MSE loss', () => {
    const m = mgatSpec.build({ F, horizons, seed: 4, config: { hidden: 5, layers: 1, gatKernel: 'sorted' } });
    const b = batch(20);
    const errs = directionalCheck(m.variables(), () => m.loss(m.forward(b.x, b.ctx), b.target).total, 21);
    for (const e of errs) expect(e).toBeLessThan(5e-3);
    b.dispose();
    m.dispose();
  });
});

describe('factor attention (eq. 9-12)', () => {
  it('per-stock attention sums to 1 over factors, a-bar is its mean over valid stocks, and f-hat = F a-bar', () => {
    const b = batch(30);
    const K = 2;
    const r = makeRng(31);
    const w = tf.tensor2d(
      Array.from({ length: F * K * F }, () => r.normal()),
      [F, K * F],
    );
    const bias = tf.tensor1d(Array.from({ length: K * F }, () => r.normal()));
    const out = factorAttention(b.x, b.ctx.mask, w, bias, K, true);
    const A = out.attention!.arraySync(),
      abar = out.abar.arraySync(),
      fhat = out.fhat.arraySync();
    const x = b.x.arraySync(),
      mk = b.ctx.mask.arraySync();
    for (let d = 0; d < B; d++) {
      const valid = mk[d].map((v, n) => (v ? n : -1)).filter((n) => n >= 0);
      for (let k = 0; k < K; k++) {
        for (let n = 0; n < N; n++) expect(A[d][n][k].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        expect(abar[d][k].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        for (let f = 0; f < F; f++) expect(abar[d][k][f]).toBeCloseTo(valid.reduce((s, n) => s + A[d][n][k][f], 0) / valid.length, 5);
        for (let n = 0; n < N; n++) {
          const want = mk[d][n] ? x[d][n].reduce((s, v, f) => s + v * abar[d][k][f], 0) : 0; // eq. 12
          expect(fhat[d][n][k]).toBeCloseTo(want, 5);
        }
      }
    }
    tf.dispose([w, bias, out.abar, out.fhat, out.attention!]);
    b.dispose();
  });
  it('the paper-size case: W_a of a 44-factor panel is 44 x 44 per head (trainable on any universe size)', () => {
    const m = dmfmSpec.build({ F: 44, horizons: [1, 3, 5, 10, 15, 20], seed: 1, config: { hidden: 8 } });
    const shapes = Object.fromEntries(m.variables().map((v, i) => [i, v.shape]));
    expect(Object.values(shapes)).toContainEqual([44, 5 * 44]);
    m.dispose();
  });
});
