/**
 * Gradient x input: the labelled fallback for models LRP cannot pass (attention, graph attention).
 *   relevance[n, f] = x[n, f] * d score[n, h] / d x[n, f]          (tf.grad through the model's own forward)
 * It explains a stock's score by its own factors only: for cross-stock models the score also depends on other
 * stocks' factors; those terms are left out. Unlike LRP it does not conserve the prediction: sum_f relevance equals
 * the score only for a bias-free piecewise-linear network; the difference is reported as `residual`.
 * Per-stock models (the score of n depends on x[n] only) need one backward pass per date (gradient of the sum of the
 * scores); cross-stock models one per explained stock.
 * Sequence models (lookback L > 1) read the window seq [N, L, F] of the L days ending at the date: the gradient is taken
 * with respect to the window and a factor's relevance is summed over its L days,
 *   relevance[n, f] = sum_l seq[n, l, f] * d score[n, h] / d seq[n, l, f].
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
export async function gradientTimesInput(
  model: Model,
  cs: CrossSection & { industry?: ArrayLike<number>; seq?: { values: Float32Array; L: number } },
  o: GradInputOptions,
): Promise<GradInputResult> {
  const { N, F } = cs;
  const L = cs.seq?.L ?? 1;
  const stocks = Int32Array.from(o.stocks ?? Array.from({ length: N }, (_, n) => n).filter((n) => cs.mask[n]));
  const M = stocks.length;
  const x = tf.tensor3d(Float32Array.from(cs.x), [1, N, F]);
  const mask = tf.tensor2d(Float32Array.from(cs.mask), [1, N]);
  const industry = tf.tensor2d(Float32Array.from(cs.industry ?? new Float32Array(N).fill(-1)), [1, N]);
  const seq = cs.seq ? tf.tensor4d(cs.seq.values, [1, N, L, F]) : null;
  /** the differentiated input: the window [1, N, L, F] of a sequence model, else x [1, N, F] */
  const input: tf.Tensor = seq ?? x;
  const inputValues: ArrayLike<number> = cs.seq?.values ?? cs.x;
  /** the model's scores [N] at the head as a function of that input */
  const scoreOf = (v: tf.Tensor) =>
    (seq
      ? model.forward(x, { mask, industry, training: false, seq: v as tf.Tensor4D })
      : model.forward(v as tf.Tensor3D, { mask, industry, training: false })
    )
      .slice([0, 0, o.head], [1, N, 1])
      .reshape([N]);
  /** relevance[m, f] = sum over the window days of gradient x input (one day for cross-sectional models) */
  const accumulate = (gv: ArrayLike<number>, n: number, m: number) => {
    for (let f = 0; f < F; f++) {
      let r = 0;
      for (let l = 0; l < L; l++) {
        const k = (n * L + l) * F + f;
        r += gv[k] * inputValues[k];
      }
      relevance[m * F + f] = r;
    }
  };
  const relevance = new Float64Array(M * F),
    output = new Float64Array(M),
    residual = new Float64Array(M);
  try {
    const scores = tf.tidy(() => scoreOf(input));
    const sv = await scores.data();
    scores.dispose();
    if (!o.crossStock) {
      // per-stock model: d(sum_m s_m)/dx[n] = ds_n/dx[n]
      const g = tf.tidy(() =>
        tf.grad((v: tf.Tensor) =>
          scoreOf(v)
            .mul(mask.reshape([N]))
            .sum(),
        )(input),
      );
      const gv = await g.data(); // [1, N, (L,) F]
      g.dispose();
      stocks.forEach((n, m) => accumulate(gv, n, m));
    } else {
      for (let m = 0; m < M; m++) {
        const n = stocks[m];
        // score_n as a dot product with a one-hot row: gather's gradient (UnsortedSegmentSum) has no wasm kernel
        const pick = new Float32Array(N);
        pick[n] = 1;
        const g = tf.tidy(() => tf.grad((v: tf.Tensor) => scoreOf(v).mul(tf.tensor1d(pick)).sum())(input));
        const gv = await g.data();
        g.dispose();
        accumulate(gv, n, m);
      }
    }
    stocks.forEach((n, m) => {
      output[m] = sv[n];
      let s = 0;
      for (let f = 0; f < F; f++) s += relevance[m * F + f];
      residual[m] = sv[n] - s;
    });
  } finally {
    tf.dispose([x, mask, industry, ...(seq ? [seq] : [])]);
  }
  return { stocks, relevance, output, residual };
}
