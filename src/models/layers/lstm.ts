/**
 * LSTM (Hochreiter & Schmidhuber 1997, with forget gate; the cell of ALSTM, Qin et al. 2017 and Qlib's ALSTM):
 * a stack of `layers` LSTM layers over sequences x [M, L, In] (M = B x N stock-days, oldest step first).
 * Per layer and step t, with gates in PyTorch's order [i, f, g, o]:
 *   a_t = x_t Wx + h_{t-1} Wh + b                 [M, 4H]
 *   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)       [M, H];   h_0 = c_0 = 0
 * The input projection x Wx + b of every step is one matMul over [M L, In] (layers/ops.ts `linear`, fast gradients on
 * wasm); only h_{t-1} Wh runs step by step. Gradients come from tfjs autodiff through the unrolled steps.
 * Initialisation (seeded in JS, identical on every backend): Wx Glorot-uniform, Wh orthogonal per gate block
 * (Saxe et al. 2014; Keras' default), b = 0 except the forget gate bias 1 (Jozefowicz et al. 2015; Keras'
 * unit_forget_bias), which keeps the memory open early in training.
 * Rows (stocks) never interact: each output row depends on its own input row only.
 */
import * as tf from '@tensorflow/tfjs';
import { glorotUniform, type ParamStore } from '../common';
import type { Rng } from '../../core/rng';
import { linear } from './ops';

export interface LstmLayerParams {
  /** [In, 4H] input kernel, gate blocks [i | f | g | o] */
  wx: tf.Variable;
  /** [H, 4H] recurrent kernel */
  wh: tf.Variable;
  /** [4H] bias */
  b: tf.Variable;
}

export interface LstmParams {
  hidden: number;
  layers: LstmLayerParams[];
}

/** an n x n orthogonal matrix (row-major) by Gram-Schmidt on a seeded Gaussian matrix */
export function orthogonal(rng: Rng, n: number): Float32Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += q[i * n + k] * q[j * n + k];
      for (let k = 0; k < n; k++) q[i * n + k] -= d * q[j * n + k];
    }
    let s = 0;
    for (let k = 0; k < n; k++) s += q[i * n + k] ** 2;
    s = Math.sqrt(s) || 1;
    for (let k = 0; k < n; k++) q[i * n + k] /= s;
  }
  return Float32Array.from(q);
}

/** recurrent kernel [H, G H]: G orthogonal H x H blocks side by side (one per gate) */
export function recurrentKernel(rng: Rng, H: number, G: number): Float32Array {
  const w = new Float32Array(H * G * H);
  for (let g = 0; g < G; g++) {
    const q = orthogonal(rng, H);
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) w[i * G * H + g * H + j] = q[i * H + j];
  }
  return w;
}

/** variables `${name}{l}/kernel` [in, 4H], `${name}{l}/recurrent` [H, 4H], `${name}{l}/bias` [4H] for l < layers */
export function lstmParams(p: ParamStore, name: string, inDim: number, hidden: number, layers: number): LstmParams {
  const out: LstmLayerParams[] = [];
  let fanIn = inDim;
  const H = hidden;
  for (let l = 0; l < layers; l++) {
    const wx = p.add(`${name}${l}/kernel`, [fanIn, 4 * H], glorotUniform(p.rng, fanIn, 4 * H), true);
    const wh = p.add(`${name}${l}/recurrent`, [H, 4 * H], recurrentKernel(p.rng, H, 4), true);
    const bias = new Float32Array(4 * H);
    bias.fill(1, H, 2 * H); // forget gate
    const b = p.add(`${name}${l}/bias`, [4 * H], bias);
    out.push({ wx, wh, b });
    fanIn = H;
  }
  return { hidden, layers: out };
}

/** one LSTM layer: x [M, L, In] -> h_t for every step, [M, L, H] */
function lstmLayer(x: tf.Tensor3D, p: LstmLayerParams, H: number): tf.Tensor3D {
  const [M, L, In] = x.shape;
  // input projections of all steps at once, time-major so each step is a contiguous slab
  const xt = x.transpose([1, 0, 2]).reshape([L * M, In]) as tf.Tensor2D; // [L M, In]
  const ax = tf.unstack(linear(xt, p.wx as tf.Tensor2D, p.b as tf.Tensor1D).reshape([L, M, 4 * H])) as tf.Tensor2D[]; // L x [M, 4H]
  let h = tf.zeros([M, H]) as tf.Tensor2D; // [M, H]
  let c = tf.zeros([M, H]) as tf.Tensor2D; // [M, H]
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < L; t++) {
    const a = t === 0 ? ax[t] : ax[t].add(linear(h, p.wh as tf.Tensor2D)); // [M, 4H]  a_t = x_t Wx + b + h_{t-1} Wh
    const [ai, af, ag, ao] = tf.split(a, 4, 1) as tf.Tensor2D[]; // 4 x [M, H]
    const i = tf.sigmoid(ai),
      f = tf.sigmoid(af),
      g = tf.tanh(ag),
      o = tf.sigmoid(ao);
    c = t === 0 ? i.mul(g) : f.mul(c).add(i.mul(g)); // c_t = f c_{t-1} + i g  (c_0 = 0)
    h = o.mul(tf.tanh(c)); // h_t = o tanh(c_t)
    hs.push(h);
  }
  return tf.stack(hs, 1) as tf.Tensor3D; // [M, L, H]
}

/** the LSTM stack: x [M, L, In] -> { seq [M, L, H] the last layer's h_t, last [M, H] = h_L } */
export function lstm(x: tf.Tensor3D, p: LstmParams): { seq: tf.Tensor3D; last: tf.Tensor2D } {
  return tf.tidy(() => {
    let h = x;
    for (const layer of p.layers) h = lstmLayer(h, layer, p.hidden); // [M, L, H]
    const [M, L, H] = h.shape;
    const last = h.slice([0, L - 1, 0], [M, 1, H]).reshape([M, H]) as tf.Tensor2D; // [M, H]
    return { seq: h, last };
  });
}
