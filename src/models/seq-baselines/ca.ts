/**
 * CA: the conditional autoencoder of Gu, Kelly & Xiu ("Autoencoder asset pricing models", J. Econometrics 2021), the
 * "CA" dynamic factor model of FactorVAE's Table 1.
 *   beta network (GKX eq. 16, CA1-CA3):  beta_t = Dense(MLP(BatchNorm(z_t)))          [B, N, H, K]
 *     z_t [B, N, F] the stock characteristics on date t (the lab's factors); BatchNorm + MLP is the lab's context
 *     encoder (layers/context.ts: per-date z-score with learned scale / shift, `layers` x Dense(hidden) + LeakyReLU(0.1)),
 *     then a linear layer to K exposures per horizon head.
 *   factor network (GKX eq. 17):  x_t = Z_t' r_t / n_t  [B, H, F],   f_t = x_t W_h  [B, H, K]
 *     x_t: the F characteristic-managed portfolios of date t, built from the realised returns r_t of the TRAINING
 *     target only (LossTarget.y of the batch, inside the loss), n_t the date's labelled stocks; W_h [F, K] per horizon.
 *   training (GKX eq. 18): r_hat_t = beta_t f_t, masked MSE between r_hat and the target.
 *   prediction (GKX section 2.3, "predictive R^2"): score = beta_t lambda, lambda = the mean factor over the training
 *     window. f is linear in x, so lambda_h = xbar_h W_h exactly, with xbar_h = the mean over the training dates of
 *     x_t (computed once in `fit` from the training dates' targets, a non-trainable weight). Prediction therefore uses
 *     no return of the predicted date (or of any date outside the training window) and always reflects the current W.
 * Choices where GKX differs or the lab is silent:
 *  - portfolios Z' r / n instead of GKX's (Z'Z)^-1 Z' r: the characteristics are z-scored per date, so Z'Z / n is
 *    close to a fixed correlation matrix and the learned W absorbs the difference; it avoids a per-date inverse.
 *  - one hidden layer of 32 (GKX's CA1; `layers` 2 or 3 stack more layers of the same width), K = 6 factors (GKX test
 *    K = 1..6); LeakyReLU(0.1) and a per-date BatchNorm at the input only (the lab's shared encoder) instead of ReLU
 *    with BatchNorm before every activation; no L1 penalty or ensemble (the lab's L2 penalty and seeds instead).
 *  - target 'zscore' (default): the per-date standardised return, so the factors explain cross-sectional differences
 *    (the ranking); 'raw' the winsorised raw return as GKX.
 *  - `lookback` only sets which stocks enter a date (FactorVAE's 20 valid days), so CA ranks the same stocks as the
 *    sequence models; the model reads the characteristics of the date itself.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, glorotUniform, resolveConfig, trainingFields } from '../common';
import { contextEncoder, contextParams, type ContextParams } from '../layers/context';
import { linear3 } from '../layers/ops';
import { maskedMse } from '../losses';
import type { BuildContext, ConfigField, FitData, ForwardAux, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';
import { PAPER_LOOKBACK, lookbackField, maskScores } from './seq-common';

const schema: ConfigField[] = [
  { ...lookbackField, label: 'History (days)' },
  { key: 'factors', label: 'Factors K', default: 6, min: 1, max: 64, step: 1, help: 'Latent factors (GKX estimate K = 1..6).' },
  {
    key: 'hidden',
    label: 'Hidden units',
    default: 32,
    min: 1,
    max: 512,
    step: 1,
    help: "Width of the beta network's hidden layers (GKX CA1: 32).",
  },
  {
    key: 'layers',
    label: 'Beta layers',
    default: 1,
    min: 1,
    max: 4,
    step: 1,
    help: 'Hidden layers of the beta network (GKX CA1 = 1, CA2 = 2, CA3 = 3).',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'zscore',
    options: ['zscore', 'raw'],
    help: "Returns the factors explain: 'zscore' the per-date standardised forward return (cross-sectional ranking); 'raw' the winsorised raw return (GKX).",
  },
  ...trainingFields,
];

/** the characteristic-managed portfolios of each date and horizon: z [B, N, F], y, m [B, N, H] -> [B, H, F] = Z' (m y) / n */
export function managedPortfolios(z: tf.Tensor3D, y: tf.Tensor3D, m: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const num = tf.matMul(z, y.mul(m), true, false); // [B, F, H]  sum_n z_nf m_nh y_nh
    const cnt = m.sum(1).maximum(1); // [B, H]  labelled stocks n_t
    return num.transpose([0, 2, 1]).div(cnt.expandDims(2)) as tf.Tensor3D; // [B, H, F]
  });
}

class CaModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  private readonly enc: ContextParams;
  private readonly betaOut: { w: tf.Variable; b: tf.Variable };
  /** [H, F, K] factor network, one per horizon */
  private readonly wf: tf.Variable;
  /** [H, F] mean managed portfolio over the training dates (set by fit; not trained) */
  private readonly xbar: tf.Variable;
  private readonly K: number;
  private readonly H: number;
  private fitted = false;
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'ca');
    this.K = Number(cfg.factors);
    this.H = ctx.horizons.length;
    const { F } = ctx;
    this.p = new ParamStore(ctx.seed);
    this.enc = contextParams(this.p, F, Number(cfg.hidden), Number(cfg.layers), { norm: 'beta/norm', dense: 'beta/dense' });
    this.betaOut = this.p.dense('beta/out', Number(cfg.hidden), this.H * this.K);
    const w = new Float32Array(this.H * F * this.K);
    for (let h = 0; h < this.H; h++) w.set(glorotUniform(this.p.rng, F, this.K), h * F * this.K);
    this.wf = this.p.add('factor/kernel', [this.H, F, this.K], w, true);
    this.xbar = this.p.add('factor/mean_portfolio', [this.H, F], new Float32Array(this.H * F), false, false);
  }
  /** exposures beta [B, N, H, K] (GKX eq. 16) */
  private betas(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor4D {
    const [B, N] = mask.shape;
    const e = contextEncoder(x, mask, this.enc); // [B, N, hidden]
    return linear3(e, this.betaOut.w as tf.Tensor2D, this.betaOut.b as tf.Tensor1D).reshape([B, N, this.H, this.K]);
  }
  /** the factor mean of the training window, lambda_h = xbar_h W_h  [H, K] */
  private lambda(): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(this.xbar.expandDims(1) as tf.Tensor3D, this.wf as tf.Tensor3D).reshape([this.H, this.K])); // [H, K]
  }
  forwardAux(x: tf.Tensor3D, c: ForwardContext): { scores: tf.Tensor3D; aux: ForwardAux } {
    return tf.tidy(() => {
      const beta = this.betas(x, c.mask); // [B, N, H, K]
      const scores = maskScores(beta.mul(this.lambda()).sum(3) as tf.Tensor3D, c.mask); // [B, N, H]  beta_t lambda
      return { scores, aux: { beta, z: x.mul(c.mask.expandDims(2)) } };
    });
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const { scores, aux } = this.forwardAux(x, c);
      tf.dispose(Object.values(aux));
      return scores;
    });
  }
  /** GKX eq. 18: r_hat = beta_t (x_t W), x_t from this batch's training target; masked MSE per horizon */
  loss(_scores: tf.Tensor3D, target: LossTarget, aux?: ForwardAux) {
    if (!aux?.beta || !aux.z)
      throw new LabError(
        'CA: the loss needs the exposures of forwardAux (aux.beta, aux.z).',
        'The training loop calls forwardAux; a custom caller must too.',
      );
    const recon = tf.tidy(() => {
      const port = managedPortfolios(aux.z as tf.Tensor3D, target.y, target.mask); // [B, H, F]
      const f = tf.matMul(port.transpose([1, 0, 2]) as tf.Tensor3D, this.wf as tf.Tensor3D).transpose([1, 0, 2]); // [B, H, K]  f_t = x_t W_h
      return (aux.beta as tf.Tensor4D).mul(f.expandDims(1)).sum(3) as tf.Tensor3D; // [B, N, H]  beta_t f_t
    });
    const r = maskedMse(recon, target, this.ctx.horizons);
    recon.dispose();
    return r;
  }
  /** xbar_h = mean over the training dates t (with >= 2 labelled stocks) of Z_t' r_t / n_t, in float64 */
  fit(d: FitData): void {
    const { N, F, H } = d;
    const sum = new Float64Array(H * F);
    const dates = new Float64Array(H);
    for (const t of d.dates) {
      for (let h = 0; h < H; h++) {
        const acc = new Float64Array(F);
        let n = 0;
        for (let i = 0; i < N; i++) {
          const k = (t * N + i) * H + h;
          if (!d.mask[t * N + i] || !d.targetMask[k]) continue;
          n++;
          const y = d.target[k];
          for (let f = 0; f < F; f++) acc[f] += d.x[(t * N + i) * F + f] * y;
        }
        if (n < 2) continue;
        dates[h]++;
        for (let f = 0; f < F; f++) sum[h * F + f] += acc[f] / n;
      }
    }
    const xbar = new Float32Array(H * F);
    for (let h = 0; h < H; h++) for (let f = 0; f < F; f++) xbar[h * F + f] = dates[h] ? sum[h * F + f] / dates[h] : 0;
    tf.tidy(() => this.xbar.assign(tf.tensor2d(xbar, [H, F])));
    this.fitted = true;
  }
  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    return 3 * this.ctx.F + 2 * this.enc.layers.length * Number(this.enc.layers[0].w.shape[1]) + 2 * this.H * this.K;
  }
  async extras() {
    const lam = this.lambda();
    const v = await lam.data();
    lam.dispose();
    return {
      parameters: this.p.count(),
      fitted: this.fitted,
      factorMeans: this.ctx.horizons.map((k, h) => ({ horizon: k, lambda: Array.from(v.subarray(h * this.K, (h + 1) * this.K)) })),
    };
  }
  getWeights() {
    return this.p.getWeights();
  }
  setWeights(w: NamedWeight[]) {
    this.p.setWeights(w);
  }
  dispose() {
    this.p.dispose();
  }
}

export const caSpec: ModelSpec = {
  id: 'ca',
  name: 'CA (conditional autoencoder)',
  family: 'generative',
  description:
    'CA, the conditional autoencoder of Gu, Kelly & Xiu (2021), FactorVAE Table 1 baseline. Beta network: the per-date ' +
    'normalised characteristics through a hidden layer of 32 (CA1) to K = 6 exposures per horizon. Factor network: the ' +
    "date's characteristic-managed portfolios Z'r/n, built from the realised returns of the training target only, through a " +
    'linear layer to the K factors; trained to reconstruct the returns (beta x factors, masked MSE). Prediction as in GKX: ' +
    'beta x the mean factor of the training window (the mean training portfolio through the factor layer), so no return of ' +
    "a predicted date is used. Z'r/n replaces GKX's (Z'Z)^-1 Z'r (z-scored characteristics); LeakyReLU and one input " +
    'normalisation (the lab encoder); a stock enters a date with 20 valid days, like the sequence models.',
  configSchema: schema,
  trainable: true,
  explain: 'grad-input',
  lookback: (config) => Number(config.lookback ?? PAPER_LOOKBACK),
  build: (ctx) => new CaModel(ctx),
};
