/**
 * DMFM factor attention (section 3.2, eq. 9-12): how much of each input factor flows into each deep factor.
 * For K heads (forward horizons) and m input factors, per date t:
 *   U_k = LeakyReLU(F_t W_{a,k} + b_{a,k})     [n, m]   (eq. 9)
 *   A_k = softmax(U_k) over the m factors        [n, m]   (eq. 10: each stock's attention sums to 1)
 *   a-bar_k = (1/n) sum_i A_k[i, :]              [m]      (eq. 11, over the date's valid stocks)
 *   f-hat_k = F_t a-bar_k                        [n]      (eq. 12, the "attention estimate" of f_k)
 * The paper writes W_{a,k} in R^{n x n}, which cannot produce the n x m matrix U_k that eq. 10 normalises over
 * factors (and n changes from date to date). We use W_{a,k} in R^{m x m} with a bias b_{a,k} in R^m: each stock's
 * factor vector is mapped to one logit per factor, so the attention depends on the stock's own exposures and is
 * trainable on any universe size. All K heads run as one [m, K m] matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { leakyRelu, linear3 } from './ops';

/** LeakyReLU slope of eq. 9 */
export const ATTN_SLOPE = 0.2;

export interface FactorAttentionOut {
  /** [B, K, m] a-bar per date and head (eq. 11); every row sums to 1 on dates with a valid stock */
  abar: tf.Tensor3D;
  /** [B, N, K] attention estimate f-hat = F a-bar (eq. 12); 0 for masked stocks */
  fhat: tf.Tensor3D;
}

/**
 * x [B, N, m] input factors, mask [B, N], w [m, K m], b [K m] -> a-bar [B, K, m] and f-hat [B, N, K].
 * With `perStock` also the per-stock attention A [B, N, K, m] (eq. 10).
 */
export function factorAttention(
  x: tf.Tensor3D,
  mask: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  K: number,
  perStock = false,
): FactorAttentionOut & { attention?: tf.Tensor4D } {
  return tf.tidy(() => {
    const [B, N, m] = x.shape;
    const u = leakyRelu(linear3(x, w, b, true), ATTN_SLOPE).reshape([B, N, K, m]); // [B, N, K, m]  eq. 9 (x is data: no input gradient)
    const a = tf.softmax(u) as tf.Tensor4D; // [B, N, K, m]  eq. 10, over factors
    const mk = mask.reshape([B, N, 1, 1]); // [B, N, 1, 1]
    const cnt = mask.sum(1).maximum(1).reshape([B, 1, 1]); // [B, 1, 1]
    const abar = a.mul(mk).sum(1).div(cnt) as tf.Tensor3D; // [B, K, m]  eq. 11
    const fhat = tf.matMul(x, abar.transpose([0, 2, 1])).mul(mask.expandDims(2)) as tf.Tensor3D; // [B, N, K]  eq. 12
    return perStock ? { abar, fhat, attention: a } : { abar, fhat };
  });
}
