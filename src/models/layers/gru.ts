/**
 * Gated recurrent unit (Cho et al. 2014; Chung et al. 2014) over a batch of sequences, built from tfjs ops so
 * gradients flow through every step (backpropagation through time by tfjs autodiff). Shared by FactorVAE's feature
 * extractor (FactorVAE eq. 4) and the sequence baselines (GRU, GAT over GRU features, ...).
 *
 * The cell is PyTorch's `nn.GRU` (the reset gate applied after the recurrent matmul, "reset_after"), which the
 * FactorVAE and Qlib reference implementations use:
 *   r_t = sigmoid(x_t W_xr + b_xr + h_{t-1} W_hr + b_hr)
 *   z_t = sigmoid(x_t W_xz + b_xz + h_{t-1} W_hz + b_hz)
 *   n_t = tanh(x_t W_xn + b_xn + r_t * (h_{t-1} W_hn + b_hn))
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}  =  n_t + z_t * (h_{t-1} - n_t),      h_0 = 0
 * Gate order in the packed weights is [r | z | n] (as PyTorch), so W_x is [I, 3H], W_h is [H, 3H], biases [3H].
 * Initialisation as PyTorch: every weight and bias U(-k, k), k = 1 / sqrt(H), drawn from the model's seeded stream.
 *
 * Mask-aware: with a step mask m [M, L] (1 = the step has data), a masked step carries the state over unchanged,
 *   h_t = h_{t-1} + m_t * (h'_t - h_{t-1}),
 * so the last hidden state is the state after the last valid step (the same as running the GRU on the valid steps
 * only), and a sequence with no valid step ends at h_0 = 0. Sequences are [M, L, I] with M = B * N (every stock of
 * every date), oldest step first.
 *
 * Cost: the input projection of all L steps is one matmul ([L * M, I] @ [I, 3H]); each step adds one [M, H] @ [H, 3H]
 * matmul and elementwise gates.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../common';
import { linear, linearOnData } from './ops';

/** the variables of one GRU layer (gate order r, z, n) */
export interface GruParams {
  /** [I, 3H] input weights */
  wx: tf.Variable;
  /** [H, 3H] recurrent weights */
  wh: tf.Variable;
  /** [3H] input bias */
  bx: tf.Variable;
  /** [3H] recurrent bias */
  bh: tf.Variable;
  /** input width I */
  inDim: number;
  /** hidden width H */
  hidden: number;
}

export interface GruOptions {
  /** [M, L] 1 = step has data; masked steps keep the previous state (default: every step valid) */
  mask?: tf.Tensor2D;
  /** also return every step's hidden state [M, L, H] (ALSTM-style attention over time); default false */
  returnSequences?: boolean;
  /**
   * true when x is data that needs no gradient (raw factors straight into the GRU): the input projection then skips
   * the input gradient. Default false (x is a layer output, e.g. FactorVAE's LeakyReLU projection).
   */
  inputIsData?: boolean;
}

export interface GruOutput {
  /** [M, H] hidden state after the last (valid) step */
  last: tf.Tensor2D;
  /** [M, L, H] hidden state after each step (only with returnSequences) */
  seq?: tf.Tensor3D;
}

/** U(-k, k), k = 1 / sqrt(hidden): PyTorch's nn.GRU initialisation */
function uniformInit(p: ParamStore, size: number, hidden: number): Float32Array {
  const k = 1 / Math.sqrt(hidden);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = (2 * p.rng.uniform() - 1) * k;
  return v;
}

/**
 * Creates a GRU layer's variables in `p`: `${name}/wx` [I, 3H], `${name}/wh` [H, 3H] (both L2-decayed),
 * `${name}/bx`, `${name}/bh` [3H] (checkpoints read these names).
 */
export function gruParams(p: ParamStore, name: string, inDim: number, hidden: number): GruParams {
  const G = 3 * hidden;
  const wx = p.add(`${name}/wx`, [inDim, G], uniformInit(p, inDim * G, hidden), true);
  const wh = p.add(`${name}/wh`, [hidden, G], uniformInit(p, hidden * G, hidden), true);
  const bx = p.add(`${name}/bx`, [G], uniformInit(p, G, hidden));
  const bh = p.add(`${name}/bh`, [G], uniformInit(p, G, hidden));
  return { wx, wh, bx, bh, inDim, hidden };
}

/**
 * Runs the GRU over x [M, L, I] (oldest step first) from h_0 = 0 and returns the last hidden state [M, H]
 * (mask-aware, see the file comment) and, when asked, every step's state [M, L, H]. Creates tensors, disposes none
 * of its inputs; differentiable w.r.t. the parameters and x.
 */
export function gru(x: tf.Tensor3D, p: GruParams, opts: GruOptions = {}): GruOutput {
  const [M, L, I] = x.shape;
  const Hd = p.hidden;
  if (I !== p.inDim) throw new Error(`gru: input width ${I} does not match the layer's ${p.inDim}.`);
  if (opts.mask && (opts.mask.shape[0] !== M || opts.mask.shape[1] !== L))
    throw new Error(`gru: mask shape [${opts.mask.shape.join(', ')}] does not match the sequences [${M}, ${L}].`);
  return tf.tidy(() => {
    // input projection of every step at once, time-major so each step is a contiguous [M, 3H] block
    const xT = x.transpose([1, 0, 2]).reshape([L * M, I]) as tf.Tensor2D; // [L*M, I]
    const wx = p.wx as tf.Tensor2D,
      bx = p.bx as tf.Tensor1D;
    const xp = (opts.inputIsData ? linearOnData(xT, wx, bx) : linear(xT, wx, bx)).reshape([L, M, 3 * Hd]); // [L, M, 3H]
    const xs = tf.unstack(xp, 0) as tf.Tensor2D[]; // L x [M, 3H]
    const ms = opts.mask ? (tf.unstack(opts.mask.transpose(), 0).map((m) => m.expandDims(1)) as tf.Tensor2D[]) : null; // L x [M, 1]
    let h: tf.Tensor2D = tf.zeros([M, Hd]); // h_0 = 0
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < L; t++) {
      const [xrz, xn] = tf.split(xs[t], [2 * Hd, Hd], 1) as tf.Tensor2D[]; // [M, 2H], [M, H]
      const hh = linear(h, p.wh as tf.Tensor2D, p.bh as tf.Tensor1D); // [M, 3H]  h W_h + b_h
      const [hrz, hn] = tf.split(hh, [2 * Hd, Hd], 1) as tf.Tensor2D[];
      const [r, z] = tf.split(tf.sigmoid(xrz.add(hrz)), 2, 1) as tf.Tensor2D[]; // [M, H] each
      const n = tf.tanh(xn.add(r.mul(hn))); // [M, H]
      const hNew = n.add(z.mul(h.sub(n))) as tf.Tensor2D; // (1 - z) n + z h
      h = ms ? (h.add(ms[t].mul(hNew.sub(h))) as tf.Tensor2D) : hNew; // masked step: keep h
      if (opts.returnSequences) states.push(h);
    }
    return opts.returnSequences ? { last: h, seq: tf.stack(states, 1) as tf.Tensor3D } : { last: h };
  });
}

/** floats of activations kept per sequence for the backward pass (memory estimate): ~ L * (3H input proj + 8H gates) */
export function gruActivations(L: number, hidden: number): number {
  return L * 11 * hidden;
}
