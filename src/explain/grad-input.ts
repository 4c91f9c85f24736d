/**
 * Gradient x input: the labelled fallback for models LRP cannot pass (attention, graph attention).
 *   relevance[n, f] = x[n, f] * d score[n, h] / d x[n, f]          (tf.grad through the model's own forward)
 * It explains a stock's score by its own factors only: for cross-stock models the score also depends on other
 * stocks' factors; those terms are left out. Unlike LRP it does not conserve the prediction: sum_f relevance equals
 * the score only for a bias-free piecewise-linear network; the difference is reported as `residual`.
 * Per-stock models (the score of n depends on x[n] only) need one backward pass per date (gradient of the sum of the
 * scores); cross-stock models one per explained stock.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../models/types';
import type { CrossSection } from './networks';

export interface GradInputOptions {
  /** horizon head to explain */
  head: number;
  /** stocks to explain (default: every stock in the cross-section) */
  stocks?: ArrayLike<number>;
  /** the model mixes stocks (graph / attention): one exact backward pass per stock */
  crossStock: boolean;
}

export interface GradInputResult {
  stocks: Int32Array;
  /** [M, F] gradient x input per explained stock */
  relevance: Float64Array;
  /** [M] the model's score */
  output: Float64Array;
  /** [M] score - sum_f relevance (what gradient x input leaves unexplained) */
  residual: Float64Array;
}

/** Gradient x input of `model` on one date's cross-section (see the file comment). */
export async function gradientTimesInput(model: Model, cs: CrossSection & { industry?: ArrayLike<number> }, o: GradInputOptions): Promise<GradInputResult> {
  const { N, F } = cs;
  const stocks = Int32Array.from(o.stocks ?? Array.from({ length: N }, (_, n) => n).filter((n) => cs.mask[n]));
  const M = stocks.length;
  const x = tf.tensor3d(Float32Array.from(cs.x), [1, N, F]);
  const mask = tf.tensor2d(Float32Array.from(cs.mask), [1, N]);
  const industry = tf.tensor2d(Float32Array.from(cs.industry ?? new Float32Array(N).fill(-1)), [1, N]);
  const ctx = { mask, industry, training: false };
  const relevance = new Float64Array(M * F), output = new Float64Array(M), residual = new Float64Array(M);
  try {
    const scores = tf.tidy(() => model.forward(x, ctx).slice([0, 0, o.head], [1, N, 1]).reshape([N]));
    const sv = await scores.data();
    scores.dispose();
    if (!o.crossStock) {
      // per-stock model: d(sum_m s_m)/dx[n] = ds_n/dx[n]
      const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => model.forward(xx as tf.Tensor3D, ctx).slice([0, 0, o.head], [1, N, 1]).mul(mask.expandDims(2)).sum())(x));
      const gv = await g.data(); // [1, N, F]
      g.dispose();
      stocks.forEach((n, m) => { for (let f = 0; f < F; f++) relevance[m * F + f] = gv[n * F + f] * cs.x[n * F + f]; });
    } else {
      for (let m = 0; m < M; m++) {
        const n = stocks[m];
        const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => model.forward(xx as tf.Tensor3D, ctx).slice([0, 0, o.head], [1, N, 1]).reshape([N]).gather([n]).sum())(x));
        const gv = await g.data();
        g.dispose();
        for (let f = 0; f < F; f++) relevance[m * F + f] = gv[n * F + f] * cs.x[n * F + f];
      }
    }
    stocks.forEach((n, m) => {
      output[m] = sv[n];
      let s = 0;
      for (let f = 0; f < F; f++) s += relevance[m * F + f];
      residual[m] = sv[n] - s;
    });
  } finally {
    tf.dispose([x, mask, industry]);
  }
  return { stocks, relevance, output, residual };
}
