/**
 * Cross-sectional losses shared by the models. Every loss is masked: padding stocks and missing labels
 * contribute nothing. Terms are reported per horizon (`mse_h5`, `negic_h20`) so a non-finite value names
 * the head that broke.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossResult, LossTarget } from './types';

export type LossKind = 'mse' | 'ic';

/** term name for horizon k */
export const termName = (kind: LossKind, k: number) => (kind === 'mse' ? `mse_h${k}` : `negic_h${k}`);

/** Split a [H] tensor of per-horizon losses into named scalar terms; total = their mean. */
function perHorizon(perH: tf.Tensor1D, horizons: number[], kind: LossKind): LossResult {
  const terms: Record<string, tf.Scalar> = {};
  const parts = tf.unstack(perH) as tf.Scalar[];
  horizons.forEach((k, i) => {
    terms[termName(kind, k)] = parts[i];
  });
  return { total: perH.mean() as tf.Scalar, terms };
}

/**
 * Masked mean squared error per horizon:
 *   L_h = sum_{b,n} m[b,n,h] (s[b,n,h] - y[b,n,h])^2 / max(1, sum_{b,n} m[b,n,h]);  total = mean_h L_h.
 * The target y is the cross-sectionally standardised forward return, so L_h = 1 for a zero score.
 */
export function maskedMse(scores: tf.Tensor3D, target: LossTarget, horizons: number[]): LossResult {
  const perH = tf.tidy(() => {
    const d = scores.sub(target.y).mul(target.mask); // [B, N, H]
    const num = d.square().sum([0, 1]); // [H]
    const den = target.mask.sum([0, 1]).maximum(1); // [H]
    return num.div(den) as tf.Tensor1D;
  });
  const r = perHorizon(perH, horizons, 'mse');
  perH.dispose();
  return r;
}

/**
 * Per-date masked Pearson IC, differentiable (the loss-side twin of eval's plain-array IC): scores s, labels y and
 * mask m [B, N, H] ->
 *   cnt [B, H] labelled stocks, c1 = max(1, cnt), sc = m (s - mean_m s), yc likewise (means over the labelled stocks),
 *   sxx = sum_n sc^2, syy = sum_n yc^2, sxy = sum_n sc yc  [B, H],
 *   ic = sxy / (sqrt(sxx + eps) sqrt(syy + eps))  [B, H]  (0, not NaN, where a date has no spread).
 * Call it inside a tf.tidy (it allocates its intermediates).
 */
export function maskedIc(s: tf.Tensor3D, y: tf.Tensor3D, m: tf.Tensor3D, eps: number) {
  const cnt = m.sum(1) as tf.Tensor2D; // [B, H]
  const c1 = cnt.maximum(1) as tf.Tensor2D; // [B, H]
  const sc = s.sub(s.mul(m).sum(1, true).div(c1.expandDims(1))).mul(m); // [B, N, H] demeaned over labelled stocks
  const yc = y.sub(y.mul(m).sum(1, true).div(c1.expandDims(1))).mul(m); // [B, N, H]
  const sxx = sc.square().sum(1) as tf.Tensor2D,
    syy = yc.square().sum(1) as tf.Tensor2D,
    sxy = sc.mul(yc).sum(1) as tf.Tensor2D; // [B, H]
  const ic = sxy.div(sxx.add(eps).sqrt().mul(syy.add(eps).sqrt())) as tf.Tensor2D; // [B, H]
  return { cnt, c1, sxx, syy, sxy, ic };
}

/**
 * Negative Pearson IC (maskedIc), averaged over the dates of the batch (dates with fewer than 2 labelled stocks skipped):
 *   L_h = - sum_b w_b IC_{b,h} / max(1, sum_b w_b).  Scale-free: only the ordering/shape of the scores matters.
 */
export function negIc(scores: tf.Tensor3D, target: LossTarget, horizons: number[], eps = 1e-8): LossResult {
  const perH = tf.tidy(() => {
    const { cnt, ic } = maskedIc(scores, target.y, target.mask, eps); // [B, H]
    const w = cnt.greaterEqual(2).toFloat(); // [B, H]
    return ic.mul(w).sum(0).div(w.sum(0).maximum(1)).neg() as tf.Tensor1D; // [H]
  });
  const r = perHorizon(perH, horizons, 'ic');
  perH.dispose();
  return r;
}

/** the loss selected by a model's `loss` config field */
export function crossSectionalLoss(kind: LossKind, scores: tf.Tensor3D, target: LossTarget, horizons: number[]): LossResult {
  return kind === 'ic' ? negIc(scores, target, horizons) : maskedMse(scores, target, horizons);
}
