/**
 * LSTM layer (layers/lstm.ts): an independent plain-JS recomputation of a 2-layer stack, the gradient against central
 * finite differences, row independence (a padded or changed stock never moves another stock's output), shapes for a
 * varying number of stocks, the initialisation (orthogonal recurrent blocks, forget bias 1) and no tensor leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { ParamStore } from '../common';
import { directionalCheck } from '../gradcheck-util';
import { lstm, lstmParams, orthogonal } from './lstm';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** plain-JS LSTM stack: x [M][L][In], weights as row-major arrays -> h [M][L][H] of the last layer */
function refLstm(x: number[][][], layers: { wx: Float32Array; wh: Float32Array; b: Float32Array; inDim: number }[], H: number) {
  let seq = x;
  for (const { wx, wh, b, inDim } of layers) {
    seq = seq.map((rows) => {
      const h = new Array(H).fill(0),
        c = new Array(H).fill(0);
      return rows.map((xt) => {
        const a = Array.from({ length: 4 * H }, (_, j) => {
          let s = b[j];
          for (let k = 0; k < inDim; k++) s += xt[k] * wx[k * 4 * H + j];
          for (let k = 0; k < H; k++) s += h[k] * wh[k * 4 * H + j];
          return s;
        });
        for (let j = 0; j < H; j++) {
          const i = sig(a[j]),
            f = sig(a[H + j]),
            g = Math.tanh(a[2 * H + j]),
            o = sig(a[3 * H + j]);
          c[j] = f * c[j] + i * g;
          h[j] = o * Math.tanh(c[j]);
        }
        return h.slice();
      });
    });
  }
  return seq;
}

function randomSeq(seed: number, M: number, L: number, In: number): number[][][] {
  const r = makeRng(seed);
  return Array.from({ length: M }, () => Array.from({ length: L }, () => Array.from({ length: In }, () => r.normal())));
}

describe('LSTM layer', () => {
  it('matches a plain-JS recomputation (2 layers, 3 sequences x 5 steps, In 4, H 3)', async () => {
    const p = new ParamStore(11);
    const prm = lstmParams(p, 'lstm', 4, 3, 2);
    // random (non-init) biases so every gate term is exercised
    prm.layers.forEach((l, i) => l.b.assign(tf.randomNormal([12], 0, 0.5, 'float32', 5 + i)));
    const xs = randomSeq(1, 3, 5, 4);
    const x = tf.tensor3d(xs);
    const { steps, last } = lstm(x, prm);
    const seq = tf.stack(steps, 1);
    expect(seq.shape).toEqual([3, 5, 3]);
    expect(last.shape).toEqual([3, 3]);
    const w = await Promise.all(
      prm.layers.map(async (l, i) => ({
        wx: (await l.wx.data()) as Float32Array,
        wh: (await l.wh.data()) as Float32Array,
        b: (await l.b.data()) as Float32Array,
        inDim: i === 0 ? 4 : 3,
      })),
    );
    const ref = refLstm(xs, w, 3);
    const got = (await seq.array()) as number[][][];
    for (let m = 0; m < 3; m++) for (let t = 0; t < 5; t++) for (let j = 0; j < 3; j++) expect(got[m][t][j]).toBeCloseTo(ref[m][t][j], 5);
    const lastV = (await last.array()) as number[][];
    for (let m = 0; m < 3; m++) expect(lastV[m]).toEqual(got[m][4]);
    tf.dispose([x, seq, last, ...steps]);
    p.dispose();
  });

  it('gradient of a weighted sum of all hidden states matches finite differences (weights and input)', () => {
    const p = new ParamStore(12);
    const prm = lstmParams(p, 'lstm', 3, 4, 2);
    const x = tf.variable(tf.tensor3d(randomSeq(2, 4, 6, 3)));
    const wOut = tf.tensor3d(randomSeq(3, 4, 6, 4));
    const lossFn = () => tf.tidy(() => tf.stack(lstm(x, prm).steps, 1).mul(wOut).sum() as tf.Scalar);
    for (const e of directionalCheck([...p.variables(), x], lossFn, 21, 3)) expect(e).toBeLessThan(5e-3);
    tf.dispose([x, wOut]);
    p.dispose();
  });

  it('rows are independent: changing one stock (or zeroing it as padding) leaves the others exactly unchanged', async () => {
    const p = new ParamStore(13);
    const prm = lstmParams(p, 'lstm', 3, 4, 2);
    const xs = randomSeq(4, 5, 7, 3);
    const a = lstm(tf.tensor3d(xs), prm).last;
    const xs2 = xs.map((r, m) => (m === 2 ? r.map((s) => s.map((v) => 10 * v + 1)) : r));
    const xs3 = xs.map((r, m) => (m === 4 ? r.map((s) => s.map(() => 0)) : r));
    const b = lstm(tf.tensor3d(xs2), prm).last;
    const c = lstm(tf.tensor3d(xs3), prm).last;
    const [av, bv, cv] = (await Promise.all([a.array(), b.array(), c.array()])) as number[][][];
    for (const m of [0, 1, 3, 4]) expect(bv[m]).toEqual(av[m]);
    expect(bv[2]).not.toEqual(av[2]);
    for (const m of [0, 1, 2, 3]) expect(cv[m]).toEqual(av[m]);
    expect(cv[4].every(Number.isFinite)).toBe(true);
    p.dispose();
  });

  it('shapes follow the number of sequences (dates x stocks varies); no tensor leak', () => {
    const p = new ParamStore(14);
    const prm = lstmParams(p, 'lstm', 2, 5, 1);
    const before = tf.memory().numTensors;
    for (const M of [1, 7, 23]) {
      const x = tf.randomNormal([M, 20, 2]) as tf.Tensor3D;
      const { steps, last } = lstm(x, prm);
      expect(steps.length).toBe(20);
      for (const s of steps) expect(s.shape).toEqual([M, 5]);
      expect(last.shape).toEqual([M, 5]);
      tf.dispose([x, last, ...steps]);
    }
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('initialisation: orthogonal recurrent blocks, forget-gate bias 1, other biases 0', async () => {
    const q = orthogonal(makeRng(1), 6);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        let d = 0;
        for (let k = 0; k < 6; k++) d += q[i * 6 + k] * q[j * 6 + k];
        expect(d).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    const p = new ParamStore(15);
    const prm = lstmParams(p, 'lstm', 2, 3, 1);
    expect(Array.from(await prm.layers[0].b.data())).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const wh = await prm.layers[0].wh.data(); // [3, 12]: block g = columns 3g..3g+2
    for (let g = 0; g < 4; g++)
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += wh[i * 12 + g * 3 + k] ** 2;
        expect(s).toBeCloseTo(1, 5);
      }
    p.dispose();
  });
});
