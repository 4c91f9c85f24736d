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
 * Cost per step: three [M, I] @ [I, H] and three [M, H] @ [H, H] matmuls and elementwise gates (tfjs autodiff for the
 * backward pass). On tfjs-wasm with the lab's kernels, gru() runs the fused op of gru-fused.ts instead (one input
 * matmul for all steps, one recurrent matmul and a SIMD gates kernel per step, backpropagation through time by hand);
 * this op-based path stays the reference (gru-fused.test.ts) and runs on every other backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../common';
import { linear, linearOnData } from './ops';
import { gruFused, gruFusedReady } from './gru-fused';

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
 * The steps of a sequence as a time-major list of [M, F] tensors (M = B * N): seq [B, N, L, F] or [M, L, F] -> L x [M, F],
 * differentiable w.r.t. seq (gradient x input over the window works). On wasm and cpu the values are copied out in JS
 * (a sliced or unstacked tensor there costs time in proportion to the whole input: measured 4.7 ms per [400, 192]
 * block of a [8000, 192] tensor, tf.unstack of [20, 400, 192] 69 ms, vs 0.1 ms for an add of the block); elsewhere
 * (webgl, webgpu) it is one slice per step. Use it to feed raw factor windows (data) to `gru` step by step.
 */
export function sequenceSteps(seq: tf.Tensor4D | tf.Tensor3D): tf.Tensor2D[] {
  const steps = sequenceStepsOf(seq);
  stepsSource.set(steps, seq);
  return steps;
}

/** the window each list of sequenceSteps came from (the fused GRU reads the window itself, not the per-step copies) */
const stepsSource = new WeakMap<tf.Tensor2D[], tf.Tensor4D | tf.Tensor3D>();

function sequenceStepsOf(seq: tf.Tensor4D | tf.Tensor3D): tf.Tensor2D[] {
  const sh = seq.shape;
  const F = sh[sh.length - 1],
    L = sh[sh.length - 2];
  const M = seq.size / (L * F);
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    const s2 = seq.reshape([M, L * F]) as tf.Tensor2D;
    return Array.from({ length: L }, (_, t) => s2.slice([0, t * F], [M, F]));
  }
  const vals = seq.dataSync() as Float32Array; // [M, L, F] row-major
  return Array.from({ length: L }, (_, t) => {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const si = args[0] as tf.Tensor;
      const v = new Float32Array(M * F);
      for (let m = 0; m < M; m++) v.set(vals.subarray((m * L + t) * F, (m * L + t + 1) * F), m * F);
      return {
        value: tf.tensor2d(v, [M, F]),
        // d seq = dy placed at step t (zeros elsewhere); only called when a gradient w.r.t. seq is asked for
        gradFunc: (dy: tf.Tensor) => [
          tf
            .pad(dy.reshape([M, 1, F]), [
              [0, 0],
              [t, L - 1 - t],
              [0, 0],
            ])
            .reshape(si.shape),
        ],
      };
    }) as (s: tf.Tensor) => tf.Tensor2D;
    return op(seq);
  });
}

/** tanh(v) = 2 sigmoid(2 v) - 1 (tfjs-wasm's sigmoid is ~9x faster than its tanh: 0.2 vs 1.9 ms on [400, 192]) */
const tanh = (v: tf.Tensor) => tf.sigmoid(v.mul(2)).mul(2).sub(1);

/**
 * Runs the GRU over x [M, L, I] (oldest step first), or over a time-major list of L steps [M, I] (`sequenceSteps`, or
 * per-step layer outputs), from h_0 = 0 and returns the last hidden state [M, H] (mask-aware, see the file comment)
 * and, when asked, every step's state [M, L, H]. Creates tensors, disposes none of its inputs; differentiable w.r.t.
 * the parameters and x.
 */
export function gru(x: tf.Tensor3D | tf.Tensor2D[], p: GruParams, opts: GruOptions = {}): GruOutput {
  const steps = Array.isArray(x);
  const M = steps ? x[0].shape[0] : x.shape[0];
  const L = steps ? x.length : x.shape[1];
  const I = steps ? x[0].shape[1] : x.shape[2];
  const Hd = p.hidden;
  if (I !== p.inDim) throw new Error(`gru: input width ${I} does not match the layer's ${p.inDim}.`);
  if (opts.mask && (opts.mask.shape[0] !== M || opts.mask.shape[1] !== L))
    throw new Error(`gru: mask shape [${opts.mask.shape.join(', ')}] does not match the sequences [${M}, ${L}].`);
  if (gruFusedReady()) {
    // wasm with the lab's kernels: one fused op over the whole sequence (gru-fused.ts); input as [M, L, I]
    const src = steps ? stepsSource.get(x) : x;
    return tf.tidy(() => {
      const x3 = (src && !src.isDisposed ? src.reshape([M, L, I]) : tf.stack(x as tf.Tensor2D[], 1)) as tf.Tensor3D;
      const out = gruFused(x3, p, opts);
      return out.seq ? { last: out.last, seq: out.seq } : { last: out.last };
    });
  }
  return tf.tidy(() => {
    // the packed weights split once per call into per-gate blocks (gate order r, z, n), so each step is matMuls and
    // elementwise ops with no column slices; gradients flow back into the packed W_x, W_h, b_x, b_h
    const col = (w: tf.Variable, rows: number, g: number) => w.slice([0, g * Hd], [rows, Hd]) as tf.Tensor2D;
    const seg = (b: tf.Variable, g: number) => b.slice([g * Hd], [Hd]) as tf.Tensor1D;
    const [wxr, wxz, wxn] = [0, 1, 2].map((g) => col(p.wx, I, g));
    const [whr, whz, whn] = [0, 1, 2].map((g) => col(p.wh, Hd, g));
    const br = seg(p.bx, 0).add(seg(p.bh, 0)) as tf.Tensor1D,
      bz = seg(p.bx, 1).add(seg(p.bh, 1)) as tf.Tensor1D,
      bxn = seg(p.bx, 2),
      bhn = seg(p.bh, 2);
    const xs = steps ? x : sequenceSteps(x); // L x [M, I]
    const proj = (xt: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => (opts.inputIsData ? linearOnData(xt, w, b) : linear(xt, w, b));
    const ms = opts.mask ? sequenceSteps(opts.mask.reshape([M, L, 1]) as tf.Tensor3D) : null; // L x [M, 1]
    let h: tf.Tensor2D = tf.zeros([M, Hd]); // h_0 = 0
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < L; t++) {
      const r = tf.sigmoid(proj(xs[t], wxr, br).add(linear(h, whr))); // [M, H]
      const z = tf.sigmoid(proj(xs[t], wxz, bz).add(linear(h, whz))); // [M, H]
      const n = tanh(proj(xs[t], wxn, bxn).add(r.mul(linear(h, whn, bhn)))); // [M, H]
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
