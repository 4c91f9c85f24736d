/**
 * Sequence attention layers (layers/seq-attention.ts): worked values (positional encoding, layer norm), independent
 * plain-JS recomputations (temporal attention, multi-head self-attention), softmax rows summing to 1 with masked steps
 * exactly 0 and no NaN for an all-masked row, masked steps and other sequences not affecting an output, gradients
 * against central finite differences, shapes for a varying number of sequences, no tensor leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { ParamStore } from '../common';
import { directionalCheck } from '../gradcheck-util';
import {
  encoderLayerParams,
  layerNorm,
  mhsaParams,
  multiHeadSelfAttention,
  positionalEncoding,
  temporalAttention,
  temporalAttentionParams,
  transformerEncoderLayer,
} from './seq-attention';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const rand = (seed: number, shape: number[], scale = 1) => {
  const r = makeRng(seed);
  return tf.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * r.normal()),
    shape,
  );
};
/** row-major [K, J] matrix times vector v [K] plus b [J] */
const affine = (v: number[], w: ArrayLike<number>, b: ArrayLike<number> | null, J: number) =>
  Array.from({ length: J }, (_, j) => v.reduce((s, x, k) => s + x * w[k * J + j], b ? b[j] : 0));
const softmax = (v: number[], m: number[]) => {
  const mx = Math.max(...v.filter((_, i) => m[i]));
  const e = v.map((x, i) => (m[i] ? Math.exp(x - mx) : 0));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => (s > 0 ? x / s : 0));
};

describe('positional encoding and layer norm', () => {
  it('PE worked values (d 4): PE[1] = [sin 1, cos 1, sin 0.01, cos 0.01], PE[0] = [0, 1, 0, 1]', async () => {
    const pe = (await positionalEncoding(3, 4).array()) as number[][];
    // d = 4: frequency of columns 0,1 = 1/10000^0 = 1; of columns 2,3 = 1/10000^(2/4) = 0.01
    expect(pe[0]).toEqual([0, 1, 0, 1]);
    [Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)].forEach((v, j) => expect(pe[1][j]).toBeCloseTo(v, 6));
    expect(pe[2][2]).toBeCloseTo(Math.sin(0.02), 6);
  });
  it('layer norm of [1, 2, 3, 4]: mean 2.5, var 1.25 -> (x - 2.5) / sqrt(1.25 + 1e-5) * gamma + beta', async () => {
    const p = new ParamStore(1);
    const gamma = p.add('g', [4], Float32Array.from([1, 2, 1, 1]));
    const beta = p.add('b', [4], Float32Array.from([0, 0, 0, 0.5]));
    const y = (await layerNorm(tf.tensor2d([[1, 2, 3, 4]]), { gamma, beta }).data()) as Float32Array;
    const s = Math.sqrt(1.25 + 1e-5);
    [-1.5 / s, (2 * -0.5) / s, 0.5 / s, 1.5 / s + 0.5].forEach((v, j) => expect(y[j]).toBeCloseTo(v, 5));
    p.dispose();
  });
});

describe('temporal attention (ALSTM)', () => {
  it('matches a plain-JS recomputation; weights sum to 1, masked steps exactly 0, an all-masked row is 0 (no NaN)', async () => {
    const M = 3,
      L = 5,
      H = 4,
      A = 2;
    const p = new ParamStore(2);
    const prm = temporalAttentionParams(p, 'att', H, A);
    prm.b1.assign(tf.tensor1d([0.3, -0.2]));
    const h = rand(3, [M, L, H]) as tf.Tensor3D;
    const maskArr = [1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0];
    const { pooled, alpha } = temporalAttention(h, prm, tf.tensor2d(maskArr, [M, L]));
    const hv = (await h.array()) as number[][][];
    const [w1, b1, w2] = await Promise.all([prm.w1.data(), prm.b1.data(), prm.w2.data()]);
    const av = (await alpha.array()) as number[][];
    const pv = (await pooled.array()) as number[][];
    for (let m = 0; m < M; m++) {
      const s = hv[m].map((ht) => affine(affine(ht, w1, b1, A).map(Math.tanh), w2, null, 1)[0]); // s_t = tanh(h_t W1 + b1) w2
      const mk = maskArr.slice(m * L, (m + 1) * L);
      const ref = softmax(s, mk);
      for (let t = 0; t < L; t++) expect(av[m][t]).toBeCloseTo(ref[t], 6);
      for (let j = 0; j < H; j++)
        expect(pv[m][j]).toBeCloseTo(
          ref.reduce((acc, a, t) => acc + a * hv[m][t][j], 0),
          5,
        );
    }
    expect(av[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(av[1].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(av[1][0]).toBe(0);
    expect(av[1][3]).toBe(0);
    expect(av[2]).toEqual([0, 0, 0, 0, 0]);
    expect(pv[2]).toEqual([0, 0, 0, 0]);
    p.dispose();
  });
  it('gradient matches finite differences (weights and the hidden states)', () => {
    const p = new ParamStore(4);
    const prm = temporalAttentionParams(p, 'att', 4, 3);
    const h = tf.variable(rand(5, [3, 6, 4]));
    const w = rand(6, [3, 4]);
    const lossFn = () =>
      tf.tidy(
        () =>
          temporalAttention(h as tf.Tensor3D, prm)
            .pooled.mul(w)
            .sum() as tf.Scalar,
      );
    for (const e of directionalCheck([...p.variables(), h], lossFn, 7, 3)) expect(e).toBeLessThan(5e-3);
    tf.dispose([h, w]);
    p.dispose();
  });
});

describe('multi-head self-attention and the encoder layer', () => {
  it('matches a plain-JS recomputation (2 heads, d 4); rows sum to 1; masked keys get weight 0', async () => {
    const M = 2,
      L = 3,
      d = 4,
      heads = 2,
      dk = 2;
    const p = new ParamStore(8);
    const prm = mhsaParams(p, 'mha', d);
    for (const b of [prm.bq, prm.bk, prm.bv, prm.bo]) b.assign(tf.randomNormal([d], 0, 0.3, 'float32', 9));
    const x = rand(10, [M, L, d]) as tf.Tensor3D;
    const maskArr = [1, 1, 1, 1, 0, 1];
    const { out, attn } = multiHeadSelfAttention(x, prm, heads, tf.tensor2d(maskArr, [M, L]));
    const xv = (await x.array()) as number[][][];
    const W = await Promise.all([prm.wq, prm.bq, prm.wk, prm.bk, prm.wv, prm.bv, prm.wo, prm.bo].map((v) => v.data()));
    const ov = (await out.array()) as number[][][];
    const av = (await attn.array()) as number[][][][];
    for (let m = 0; m < M; m++) {
      const Q = xv[m].map((r) => affine(r, W[0], W[1], d));
      const K = xv[m].map((r) => affine(r, W[2], W[3], d));
      const V = xv[m].map((r) => affine(r, W[4], W[5], d));
      const mk = maskArr.slice(m * L, (m + 1) * L);
      for (let i = 0; i < L; i++) {
        const concat: number[] = [];
        for (let hd = 0; hd < heads; hd++) {
          const sl = (v: number[]) => v.slice(hd * dk, (hd + 1) * dk);
          const logits = K.map((k) => sl(Q[i]).reduce((s, q, j) => s + q * sl(k)[j], 0) / Math.sqrt(dk));
          const a = softmax(logits, mk);
          a.forEach((v, j) => expect(av[m][hd][i][j]).toBeCloseTo(v, 6));
          expect(av[m][hd][i].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
          for (let j = 0; j < dk; j++) concat.push(a.reduce((s, w, t) => s + w * sl(V[t])[j], 0));
        }
        affine(concat, W[6], W[7], d).forEach((v, j) => expect(ov[m][i][j]).toBeCloseTo(v, 5));
      }
    }
    expect(av[1][0][0][1]).toBe(0);
    expect(av[1][1][2][1]).toBe(0);
    p.dispose();
  });

  it('a masked step and another sequence never change an output at a valid step', async () => {
    const p = new ParamStore(11);
    const prm = encoderLayerParams(p, 'enc', 4, 8);
    const xs = (await rand(12, [3, 5, 4]).array()) as number[][][];
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1], [3, 5]);
    const a = (await transformerEncoderLayer(tf.tensor3d(xs), prm, 2, mask).out.array()) as number[][][];
    const xs2 = xs.map((r, m) => r.map((s, t) => (m === 1 && t === 2 ? s.map((v) => v * 7 - 3) : m === 2 ? s.map((v) => -v) : s)));
    const b = (await transformerEncoderLayer(tf.tensor3d(xs2), prm, 2, mask).out.array()) as number[][][];
    expect(b[0]).toEqual(a[0]); // other sequences changed: sequence 0 unchanged
    for (const t of [0, 1, 3, 4]) b[1][t].forEach((v, j) => expect(v).toBeCloseTo(a[1][t][j], 6)); // masked step 2 changed
    expect(b[1][2]).not.toEqual(a[1][2]);
    p.dispose();
  });

  it('encoder layer gradient matches finite differences (all weights and the input)', () => {
    const p = new ParamStore(13);
    const prm = encoderLayerParams(p, 'enc', 4, 6);
    const x = tf.variable(rand(14, [3, 5, 4]));
    const w = rand(15, [3, 5, 4]);
    const lossFn = () =>
      tf.tidy(
        () =>
          transformerEncoderLayer(x as tf.Tensor3D, prm, 2)
            .out.mul(w)
            .sum() as tf.Scalar,
      );
    for (const e of directionalCheck([...p.variables(), x], lossFn, 16, 3)) expect(e).toBeLessThan(5e-3);
    tf.dispose([x, w]);
    p.dispose();
  });

  it('shapes follow the number of sequences; no tensor leak', () => {
    const p = new ParamStore(17);
    const enc = encoderLayerParams(p, 'enc', 8, 16);
    const att = temporalAttentionParams(p, 'att', 8, 4);
    const before = tf.memory().numTensors;
    for (const M of [1, 9, 30]) {
      const x = tf.randomNormal([M, 20, 8]) as tf.Tensor3D;
      const e = transformerEncoderLayer(x, enc, 4);
      const t = temporalAttention(x, att);
      expect(e.out.shape).toEqual([M, 20, 8]);
      expect(e.attn.shape).toEqual([M, 4, 20, 20]);
      expect(t.pooled.shape).toEqual([M, 8]);
      expect(t.alpha.shape).toEqual([M, 20]);
      tf.dispose([x, e.out, e.attn, t.pooled, t.alpha]);
    }
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });
});
