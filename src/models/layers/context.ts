/**
 * DMFM stock context encoder (section 3.2, eq. 1): C_t = MLP(BatchNorm(F_t)).
 * BatchNorm over a date's cross-section is the z-score: zhat = (x - mean_n x) / sqrt(var_n x + 1e-5) over the date's
 * valid stocks (the paper: "the financial insight of the batch normalization is similar to the z-score normalization"),
 * followed by the learned scale and shift gamma * zhat + beta. No running statistics: training and inference compute
 * the same thing. The panel's preprocessing already z-scores each factor per date over all valid stocks; this layer
 * re-standardises over the run's universe (a sub-universe has its own mean and spread) and learns how much of each
 * factor to pass on. The MLP is `layers` x [Dense(hidden) -> LeakyReLU(0.1)].
 */
import * as tf from '@tensorflow/tfjs';
import { maskedZscore, type ParamStore } from '../common';
import { leakyRelu, linear3 } from './ops';

export const CONTEXT_SLOPE = 0.1;

export interface ContextParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  layers: { w: tf.Variable; b: tf.Variable }[];
}

/** weight names: `${norm}/gamma`, `${norm}/beta` and `${dense}${l}/kernel|bias` (checkpoints and LRP read them) */
export interface ContextNames {
  norm: string;
  dense: string;
}

/**
 * The encoder's variables: BatchNorm scale/shift [F] and `layers` dense layers F -> hidden -> ... -> hidden.
 * `names`: DMFM and MGAT use the default (context/...); the MLP baseline keeps its own (norm/..., encoder0...).
 */
export function contextParams(
  p: ParamStore,
  F: number,
  hidden: number,
  layers: number,
  names: ContextNames = { norm: 'context/norm', dense: 'context/dense' },
): ContextParams {
  const gamma = p.add(`${names.norm}/gamma`, [F], new Float32Array(F).fill(1));
  const beta = p.add(`${names.norm}/beta`, [F], new Float32Array(F));
  const out: ContextParams['layers'] = [];
  let fanIn = F;
  for (let l = 0; l < layers; l++) {
    out.push(p.dense(`${names.dense}${l}`, fanIn, hidden));
    fanIn = hidden;
  }
  return { gamma, beta, layers: out };
}

/** C = MLP(BatchNorm(x)): x [B, N, F], mask [B, N] -> [B, N, hidden] (eq. 1) */
export function contextEncoder(x: tf.Tensor3D, mask: tf.Tensor2D, p: ContextParams): tf.Tensor3D {
  return tf.tidy(() => {
    let h = maskedZscore(x, mask, 1e-5).mul(p.gamma).add(p.beta) as tf.Tensor3D; // [B, N, F]  BatchNorm
    for (const { w, b } of p.layers) h = leakyRelu(linear3(h, w as tf.Tensor2D, b as tf.Tensor1D), CONTEXT_SLOPE); // [B, N, hidden]
    return h;
  });
}
