/**
 * FactorVAE's fused attention scores (attention-wasm.ts, tfjs-wasm with the lab's kernels) against the op-based scores
 * of factorvae.ts (keys = e W_key through linear, cosineScores in tfjs ops): values and the gradients w.r.t. e, W_key
 * and q, with a zero feature row (a masked stock: e = 0, so every key is 0 and its score 0), and no tensor leak; with
 * H = 5 (the JS loops) and H = 8 (the wasm SIMD loops of kernels/cos-kernels.ts, and the JS loops switched in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { setWasmKernels } from '../kernels/tfjs-wasm';
import { linear } from '../layers/ops';
import { cosineScoresFused, cosineScoresFusedReady, setCosSimd } from './attention-wasm';
import { cosineScores } from './factorvae';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  setWasmKernels(true);
  setCosSimd(true);
  await tf.setBackend('cpu');
});

const R = 11,
  K = 3;
let H = 5;

function data(seed: number) {
  const r = makeRng(seed);
  const rnd = (n: number) => Array.from({ length: n }, () => r.normal());
  const ev = rnd(R * H);
  for (let j = 0; j < H; j++) ev[4 * H + j] = 0; // stock 4: e = 0 (masked)
  return {
    e: tf.variable(tf.tensor2d(ev, [R, H])),
    w: tf.variable(tf.tensor2d(rnd(H * K * H), [H, K * H])),
    q: tf.variable(tf.tensor2d(rnd(K * H), [K, H])),
    g: tf.tensor2d(rnd(R * K), [R, K]),
  };
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe.each([
  [5, true],
  [8, true],
  [8, false],
])('fused attention scores (wasm) vs the op-based scores, H = %i, SIMD loops %s', (h, simd) => {
  beforeAll(() => {
    H = h;
    setCosSimd(simd);
  });

  it('same scores and gradients w.r.t. e, W_key and q', () => {
    expect(cosineScoresFusedReady()).toBe(true);
    const { e, w, q, g } = data(3);
    const vars = [e, w, q];
    const run = (fused: boolean) => {
      let cos: Float32Array | null = null;
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const c = fused
              ? cosineScoresFused(e, w, q)
              : (cosineScores(linear(e, w).reshape([1, R, K, H]) as tf.Tensor4D, q).reshape([R, K]) as tf.Tensor2D);
            cos = c.dataSync() as Float32Array;
            return c.mul(g).sum() as tf.Scalar;
          }),
        vars,
      );
      const out = { cos: cos!, grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    setWasmKernels(false);
    expect(cosineScoresFusedReady()).toBe(false);
    const ref = run(false);
    setWasmKernels(true);
    const fused = run(true);
    // scores are cosines in [-1, 1]; the zero row scores exactly 0
    for (let i = 0; i < R * K; i++) expect(Math.abs(fused.cos[i] - ref.cos[i])).toBeLessThan(1e-6);
    for (let k = 0; k < K; k++) expect(fused.cos[4 * K + k]).toBe(0);
    expect(maxAbs(ref.cos)).toBeLessThanOrEqual(1 + 1e-6);
    fused.grads.forEach((gv, i) => {
      const scale = maxAbs(ref.grads[i]);
      expect(scale).toBeGreaterThan(1e-3);
      for (let j = 0; j < gv.length; j++) expect(Math.abs(gv[j] - ref.grads[i][j])).toBeLessThan(1e-5 * Math.max(1, scale));
    });
    tf.dispose([e, w, q, g]);
  });

  it('the score is the cosine computed by hand for one stock and head', () => {
    const { e, w, q, g } = data(5);
    const c = cosineScoresFused(e, w, q);
    const [ev, wv, qv] = [e.arraySync(), w.arraySync(), q.arraySync()];
    const i = 2,
      k = 1;
    const key = Array.from({ length: H }, (_, j) => ev[i].reduce((s, x, a) => s + x * wv[a][k * H + j], 0));
    const dot = key.reduce((s, x, j) => s + x * qv[k][j], 0);
    const cosRef = dot / Math.sqrt(key.reduce((s, x) => s + x * x, 0)) / Math.sqrt(qv[k].reduce((s, x) => s + x * x, 0));
    expect(c.arraySync()[i][k]).toBeCloseTo(cosRef, 5);
    tf.dispose([c, e, w, q, g]);
  });

  it('leaks no tensor (forward and gradient)', () => {
    const { e, w, q, g } = data(7);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => cosineScoresFused(e, w, q).mul(g).sum() as tf.Scalar), [e, w, q]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    step();
    tf.tidy(() => {
      cosineScoresFused(e, w, q);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([e, w, q, g]);
  });
});
