/**
 * Attention over a stock's own sequence (time steps), for the sequence baselines of FactorVAE's Table 1:
 *  - Additive temporal attention (ALSTM, Qin et al. 2017, as in Qlib's ALSTMModel.att_net):
 *      u_t = tanh(h_t W1 + b1)   [M, L, A];   s_t = u_t w2   [M, L];   alpha = softmax_t(s) over valid steps;
 *      pooled = sum_t alpha_t h_t   [M, H]
 *  - Sinusoidal positional encoding (Vaswani et al. 2017, section 3.5):
 *      PE[t, 2i] = sin(t / 10000^(2i/d)),  PE[t, 2i+1] = cos(t / 10000^(2i/d))
 *  - Multi-head scaled dot-product self-attention (Vaswani et al. eq. 1 and section 3.2.2):
 *      head_k = softmax(Q_k K_k^T / sqrt(d_k)) V_k,  Q = x Wq + bq, K = x Wk + bk, V = x Wv + bv, out = [head_1..] Wo + bo
 *  - A post-norm Transformer encoder layer (Vaswani et al. section 3.1; PyTorch's TransformerEncoderLayer as Qlib uses
 *    it, norm_first false, ReLU, no dropout):  x = LN(x + MHSA(x));  x = LN(x + W2 ReLU(W1 x + b1) + b2)
 * Shapes: M = B x N sequences (one per stock and date), L steps, d features. Sequences never interact. An optional
 * step mask [M, L] (1 = valid) keeps padded steps out of every softmax (their weight is exactly 0); a row with no valid
 * step gets all-zero weights (no NaN). The lab's history mask already requires L valid days, so the models pass none.
 */
import * as tf from '@tensorflow/tfjs';
import { glorotUniform, type ParamStore } from '../common';
import { maskedSoftmax } from './gat';
import { fastTanh, toSteps } from './lstm';
import { batchMatMul, linear } from './ops';

/** x [M, L, K] @ w [K, J] (+ b) -> [M, L, J] */
function dense3(x: tf.Tensor3D, w: tf.Variable, b?: tf.Variable): tf.Tensor3D {
  const [M, L, K] = x.shape;
  return linear(x.reshape([M * L, K]) as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D | undefined).reshape([M, L, w.shape[1] as number]);
}

// ---------------------------------------------------------------------------------------------------------------
// additive temporal attention (ALSTM)

export interface TemporalAttentionParams {
  /** [H, A] */
  w1: tf.Variable;
  /** [A] */
  b1: tf.Variable;
  /** [A, 1] (no bias: a constant shift of every score cancels in the softmax) */
  w2: tf.Variable;
}

/** variables `${name}/dense/kernel|bias` [H, A], `${name}/score/kernel` [A, 1] */
export function temporalAttentionParams(p: ParamStore, name: string, hidden: number, attHidden: number): TemporalAttentionParams {
  const { w: w1, b: b1 } = p.dense(`${name}/dense`, hidden, attHidden);
  const w2 = p.add(`${name}/score/kernel`, [attHidden, 1], glorotUniform(p.rng, attHidden, 1), true);
  return { w1, b1, w2 };
}

/**
 * h [M, L, H] or L time-major steps [M, H] -> { pooled [M, H] = sum_t alpha_t h_t, alpha [M, L] } (ALSTM's temporal
 * attention). Computed step by step (no slices of [M, L, H] tensors: slow on wasm, layers/lstm.ts `toSteps`):
 *   s_t = tanh(h_t W1 + b1) w2   [M, 1];   alpha_t = m_t exp(s_t - max_valid s) / sum_t (...)   (0 where no step is valid)
 */
export function temporalAttention(
  h: tf.Tensor3D | tf.Tensor2D[],
  p: TemporalAttentionParams,
  stepMask?: tf.Tensor2D,
): { pooled: tf.Tensor2D; alpha: tf.Tensor2D } {
  return tf.tidy(() => {
    const hs = toSteps(h); // L x [M, H]
    const L = hs.length;
    const s = hs.map((ht) => linear(fastTanh(linear(ht, p.w1 as tf.Tensor2D, p.b1 as tf.Tensor1D)), p.w2 as tf.Tensor2D)); // L x [M, 1]
    const ms = stepMask ? (tf.split(stepMask, L, 1) as tf.Tensor2D[]) : null; // L x [M, 1]
    const shifted = ms ? s.map((st, t) => st.add(ms[t].sub(1).mul(1e9))) : s; // masked steps pushed to -1e9
    const mx = shifted.reduce((a, b) => tf.maximum(a, b)); // [M, 1]
    const e = shifted.map((st, t) => (ms ? tf.exp(st.sub(mx)).mul(ms[t]) : tf.exp(st.sub(mx)))); // L x [M, 1]
    const z = tf.addN(e); // [M, 1]
    // z >= 1 where a step is valid (its max term is exp(0)); a row with no valid step gets weights 0, not NaN
    const zs = ms ? z.add(tf.addN(ms).equal(0).toFloat()) : z;
    const alpha = e.map((et) => et.div(zs) as tf.Tensor2D); // L x [M, 1]
    const pooled = tf.addN(alpha.map((at, t) => hs[t].mul(at))) as tf.Tensor2D; // [M, H]
    return { pooled, alpha: tf.concat(alpha, 1) as tf.Tensor2D }; // alpha [M, L]
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Transformer

/** sinusoidal positional encoding [L, d] (Vaswani et al. section 3.5); constant data, no gradient */
export function positionalEncoding(L: number, d: number): tf.Tensor2D {
  const pe = new Float32Array(L * d);
  for (let t = 0; t < L; t++)
    for (let j = 0; j < d; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / d);
      pe[t * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return tf.tensor2d(pe, [L, d]);
}

export interface LayerNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
}

/** layer normalisation over the last axis (Ba et al. 2016): gamma (x - mean) / sqrt(var + eps) + beta; any shape [..., d] */
export function layerNorm<T extends tf.Tensor>(x: T, p: LayerNormParams, eps = 1e-5): T {
  return tf.tidy(() => {
    const mean = x.mean(-1, true);
    const c = x.sub(mean);
    const v = c.square().mean(-1, true); // population variance, as PyTorch's LayerNorm
    return c.div(v.add(eps).sqrt()).mul(p.gamma).add(p.beta) as T;
  });
}

export interface MhsaParams {
  wq: tf.Variable;
  bq: tf.Variable;
  wk: tf.Variable;
  bk: tf.Variable;
  wv: tf.Variable;
  bv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}

/** variables `${name}/{query,key,value,out}/kernel|bias`, each [d, d] / [d] */
export function mhsaParams(p: ParamStore, name: string, d: number): MhsaParams {
  const q = p.dense(`${name}/query`, d, d),
    k = p.dense(`${name}/key`, d, d),
    v = p.dense(`${name}/value`, d, d),
    o = p.dense(`${name}/out`, d, d);
  return { wq: q.w, bq: q.b, wk: k.w, bk: k.b, wv: v.w, bv: v.b, wo: o.w, bo: o.b };
}

/**
 * Multi-head self-attention: x [M, L, d] -> { out [M, L, d], attn [M, heads, L, L] (rows sum to 1 over valid keys) }.
 * stepMask [M, L]: keys with 0 get weight exactly 0. d must be divisible by heads.
 */
export function multiHeadSelfAttention(
  x: tf.Tensor3D,
  p: MhsaParams,
  heads: number,
  stepMask?: tf.Tensor2D,
): { out: tf.Tensor3D; attn: tf.Tensor4D } {
  return tf.tidy(() => {
    const [M, L, d] = x.shape;
    if (d % heads !== 0) throw new Error(`multiHeadSelfAttention: width ${d} is not divisible by ${heads} heads.`);
    const dk = d / heads;
    const split = (t: tf.Tensor3D) =>
      t
        .reshape([M, L, heads, dk])
        .transpose([0, 2, 1, 3])
        .reshape([M * heads, L, dk]) as tf.Tensor3D;
    const q = split(dense3(x, p.wq, p.bq)); // [M heads, L, dk]
    const k = split(dense3(x, p.wk, p.bk)); // [M heads, L, dk]
    const v = split(dense3(x, p.wv, p.bv)); // [M heads, L, dk]
    // [M heads, L, L]  Q K^T / sqrt(d_k) (batchMatMul: many small matrices, ops.ts)
    const logits = batchMatMul(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D).div(Math.sqrt(dk));
    // [M heads, L, L]; without a step mask a plain softmax (the tiled key mask cost a third of a wasm step, measured)
    const attn = (
      stepMask
        ? maskedSoftmax(
            logits,
            stepMask
              .reshape([M, 1, 1, L])
              .tile([1, heads, L, 1])
              .reshape([M * heads, L, L]), // [M heads, L, L] key mask
          )
        : tf.softmax(logits)
    ) as tf.Tensor3D;
    const ctx = batchMatMul(attn, v) // [M heads, L, dk]
      .reshape([M, heads, L, dk])
      .transpose([0, 2, 1, 3])
      .reshape([M, L, d]) as tf.Tensor3D; // [M, L, d]  heads concatenated
    return { out: dense3(ctx, p.wo, p.bo), attn: attn.reshape([M, heads, L, L]) as tf.Tensor4D };
  });
}

export interface EncoderLayerParams {
  attn: MhsaParams;
  norm1: LayerNormParams;
  ff1: { w: tf.Variable; b: tf.Variable };
  ff2: { w: tf.Variable; b: tf.Variable };
  norm2: LayerNormParams;
}

/** variables of one encoder layer: `${name}/attn/...`, `${name}/norm1|norm2/gamma|beta`, `${name}/ff1|ff2/kernel|bias` */
export function encoderLayerParams(p: ParamStore, name: string, d: number, ff: number): EncoderLayerParams {
  const norm = (n: string): LayerNormParams => ({
    gamma: p.add(`${name}/${n}/gamma`, [d], new Float32Array(d).fill(1)),
    beta: p.add(`${name}/${n}/beta`, [d], new Float32Array(d)),
  });
  const attn = mhsaParams(p, `${name}/attn`, d);
  const norm1 = norm('norm1');
  const ff1 = p.dense(`${name}/ff1`, d, ff);
  const ff2 = p.dense(`${name}/ff2`, ff, d);
  return { attn, norm1, ff1, ff2, norm2: norm('norm2') };
}

/** post-norm encoder layer: x [M, L, d] -> [M, L, d] (and the attention weights [M, heads, L, L]) */
export function transformerEncoderLayer(
  x: tf.Tensor3D,
  p: EncoderLayerParams,
  heads: number,
  stepMask?: tf.Tensor2D,
): { out: tf.Tensor3D; attn: tf.Tensor4D } {
  return tf.tidy(() => {
    const a = multiHeadSelfAttention(x, p.attn, heads, stepMask);
    const h1 = layerNorm(x.add(a.out) as tf.Tensor3D, p.norm1); // [M, L, d]  LN(x + MHSA(x))
    const f = dense3(tf.relu(dense3(h1, p.ff1.w, p.ff1.b)), p.ff2.w, p.ff2.b); // [M, L, d]  W2 ReLU(W1 h + b1) + b2
    return { out: layerNorm(h1.add(f) as tf.Tensor3D, p.norm2), attn: a.attn };
  });
}
