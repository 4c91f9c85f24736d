/**
 * LSTM (Hochreiter & Schmidhuber 1997, with forget gate; the cell of ALSTM, Qin et al. 2017 and Qlib's ALSTM):
 * a stack of `layers` LSTM layers over sequences x [M, L, In] (M = B x N stock-days, oldest step first).
 * Per layer and step t, with gates in PyTorch's order [i, f, g, o]:
 *   a_t = x_t Wx + h_{t-1} Wh + b                 [M, 4H]
 *   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)       [M, H];   h_0 = c_0 = 0
 * Steps are time-major lists of [M, In] tensors (see `toSteps` for why), each gate one matMul on the step and one on
 * h_{t-1} (layers/ops.ts `linear`, fast gradients on wasm). Gradients come from tfjs autodiff through the unrolled steps.
 * Initialisation (seeded in JS, identical on every backend): Wx Glorot-uniform, Wh orthogonal per gate block
 * (Saxe et al. 2014; Keras' default), b = 0 except the forget gate bias 1 (Jozefowicz et al. 2015; Keras'
 * unit_forget_bias), which keeps the memory open early in training.
 * Rows (stocks) never interact: each output row depends on its own input row only.
 */
import * as tf from '@tensorflow/tfjs';
import { glorotUniform, type ParamStore } from '../common';
import type { Rng } from '../../core/rng';
import { sequenceSteps } from './gru';
import { linear, linearOnData } from './ops';

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

/**
 * tanh(v) = 2 sigmoid(2 v) - 1: tfjs-wasm's tanh kernel is ~7-20x slower than its sigmoid (measured on [6400, 64]:
 * tanh 29.6 ms, sigmoid 1.6 ms, this form 4.4 ms; the GRU layer's author measured the same); same values and gradient.
 */
export function fastTanh<T extends tf.Tensor>(v: T): T {
  return tf.sigmoid(v.mul(2)).mul(2).sub(1) as T;
}

/**
 * x [M, L, In] as L time-major steps [M, In] (layers/gru.ts `sequenceSteps`: on wasm / cpu copied out in JS, since there
 * a slice, split or unstack costs time in proportion to the whole source tensor: measured here, one [1600, 128] slice of
 * a [32000, 128] tensor 55 ms, of a [3200, 128] one 3 ms, an add of the block 0.2 ms); a list passes through.
 */
export function toSteps(x: tf.Tensor3D | tf.Tensor2D[]): tf.Tensor2D[] {
  return Array.isArray(x) ? x : sequenceSteps(x);
}

/** one LSTM layer over L steps [M, In] -> L steps h_t [M, H] */
function lstmLayer(xs: tf.Tensor2D[], p: LstmLayerParams, H: number, inputIsData: boolean): tf.Tensor2D[] {
  const M = xs[0].shape[0],
    In = xs[0].shape[1];
  // the packed weights split once per call into gate blocks [i, f, g, o]: each step is matMuls and elementwise ops, no
  // column slices of [M, 4H] activations; gradients flow back into the packed wx, wh, b
  const wx = [0, 1, 2, 3].map((g) => p.wx.slice([0, g * H], [In, H]) as tf.Tensor2D); // 4 x [In, H]
  const wh = [0, 1, 2, 3].map((g) => p.wh.slice([0, g * H], [H, H]) as tf.Tensor2D); // 4 x [H, H]
  const b = [0, 1, 2, 3].map((g) => p.b.slice([g * H], [H]) as tf.Tensor1D); // 4 x [H]
  const proj = (xt: tf.Tensor2D, g: number) => (inputIsData ? linearOnData(xt, wx[g], b[g]) : linear(xt, wx[g], b[g]));
  const gate = (xt: tf.Tensor2D, h: tf.Tensor2D | null, g: number) => (h ? proj(xt, g).add(linear(h, wh[g])) : proj(xt, g)); // [M, H]
  let h: tf.Tensor2D | null = null; // h_0 = 0
  let c: tf.Tensor2D | null = null; // c_0 = 0
  const hs: tf.Tensor2D[] = [];
  for (const xt of xs) {
    if (xt.shape[0] !== M || xt.shape[1] !== In) throw new Error(`lstm: step shape [${xt.shape.join(', ')}] differs from [${M}, ${In}].`);
    const i = tf.sigmoid(gate(xt, h, 0)); // [M, H]  input gate
    const f = tf.sigmoid(gate(xt, h, 1)); // [M, H]  forget gate
    const g = fastTanh(gate(xt, h, 2)); // [M, H]  candidate
    const o = tf.sigmoid(gate(xt, h, 3)); // [M, H]  output gate
    c = c ? (f.mul(c).add(i.mul(g)) as tf.Tensor2D) : (i.mul(g) as tf.Tensor2D); // c_t = f c_{t-1} + i g
    h = o.mul(fastTanh(c)) as tf.Tensor2D; // h_t = o tanh(c_t)
    hs.push(h);
  }
  return hs;
}

export interface LstmOutput {
  /** the last layer's h_t per step, L x [M, H] (time-major) */
  steps: tf.Tensor2D[];
  /** h_L [M, H] */
  last: tf.Tensor2D;
}

/**
 * The LSTM stack over x: [M, L, In] or L time-major steps [M, In] (see `toSteps`). `inputIsData`: x is data needing no
 * gradient (raw factor windows), so the first layer's projection skips the input gradient. Creates tensors, disposes none
 * of its inputs.
 */
export function lstm(x: tf.Tensor3D | tf.Tensor2D[], p: LstmParams, opts: { inputIsData?: boolean } = {}): LstmOutput {
  return tf.tidy(() => {
    let hs = toSteps(x);
    p.layers.forEach((layer, l) => {
      hs = lstmLayer(hs, layer, p.hidden, l === 0 && !!opts.inputIsData);
    });
    // tidy keeps only tensors it returns: hand back an object of tensors
    return { steps: hs, last: hs[hs.length - 1] } as unknown as tf.TensorContainer;
  }) as unknown as LstmOutput;
}
