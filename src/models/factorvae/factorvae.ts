/**
 * FactorVAE: Duan, Wang, Zhang & Li, "FactorVAE: A Probabilistic Dynamic Factor Model Based on Variational Autoencoder
 * for Predicting Cross-Sectional Stock Returns" (AAAI 2022). Per date (batched over B dates; N stocks, T = L days,
 * C = F characteristics, H hidden, K factors, M portfolios):
 *   feature extractor  h_proj = LeakyReLU(x W_proj + b), e = GRU(h_proj)_T              [B, N, H]   eq. 4 (layers/gru.ts)
 *   factor encoder     a_p = softmax over the date's stocks of (e W_p + b_p)            [B, N, M]   eq. 6
 *                      y_p = sum_i y_i a_p,i                                            [B, M]      eq. 7
 *                      mu_post = y_p W + b, sigma_post = Softplus(y_p W' + b')          [B, K]      eq. 8
 *   factor decoder     h_a = LeakyReLU(e W_a + b), mu_alpha = h_a w + b,
 *                      sigma_alpha = Softplus(h_a w' + b')                              [B, N]      eq. 10
 *                      beta = e W_beta + b                                              [B, N, K]   eq. 11
 *                      mu_y = mu_alpha + beta mu_z, sigma_y = sqrt(sigma_alpha^2 + beta^2 sigma_z^2)  eq. 12
 *   factor predictor   per head k: key_i = W_key,k e_i, value_i = W_value,k e_i,
 *                      a_i = ReLU(cos(q_k, key_i)) / sum_j ReLU(cos(q_k, key_j)),
 *                      h_k = sum_i a_i value_i                                          [B, K, H]   eq. 14-15
 *                      h = LeakyReLU(h_k W + b), mu_prior = h w + b, sigma_prior = Softplus(h w' + b')  [B, K]  eq. 16
 *   loss               -1/N sum_i log N(y_i; mu_alpha,i + beta_i z_post, sigma_alpha,i^2) + gamma KL(post || prior)  eq. 17
 *                      with z_post = mu_post + sigma_post * eps (reparameterised, eps from the model's seeded stream)
 *   prediction         mu_y, sigma_y of eq. 12 with the prior (mu_prior, sigma_prior): no encoder, no future data   eq. 18-19
 * Choices where the paper is silent (also in the help text):
 *  - the label is the lab's 1-day forward return P[t+2]/P[t+1]-1 (the panel's shortest horizon when it has no 1-day
 *    one), winsorised per date at mean +- 3 sd (config target 'raw', the platform's winsorised raw return), modelled
 *    in percent (x 100) so that the unit-scale initialisation of the sigma layers fits returns of ~1-3%; scores and
 *    sigma are divided by 100 again, so both are in return units (the NLL in percent differs from the NLL in return
 *    units by the constant log 100 per stock: same optimum). Every panel horizon is scored by this one prediction.
 *  - the likelihood of eq. 17 given the sampled z_post keeps alpha's randomness in closed form:
 *    y_rec | z_post ~ N(mu_alpha + beta z_post, sigma_alpha^2); one sample of z_post per date and step.
 *  - attention (eq. 14) when every score of a date is 0 (all keys point away from the query): uniform weights over
 *    the date's stocks (h_k = their mean value), so no division by 0 and the prior still sees the market.
 *  - GRU: PyTorch's nn.GRU cell, h_0 = 0. The distribution networks (eq. 10, 16) have one hidden layer of H units.
 *  - portfolio softmax (eq. 6) runs over the date's stocks that have a label; the attention (eq. 14) over every stock
 *    in the cross-section (it sees no labels).
 *  - FactorVAE-prior (variant 'prior', paper RQ1): no encoder and no KL; trained on the NLL of the return under the
 *    decoder with the prior factors z_prior = mu_prior + sigma_prior * eps.
 *  - a small variance floor (1e-6 in percent^2) inside sigma_alpha^2 and sigma_y^2 keeps the likelihood finite.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { makeRng, type Rng } from '../../core/rng';
import { spearman } from '../../eval/metrics';
import { ParamStore, resolveConfig, trainingFields } from '../common';
import { gru, gruParams, type GruParams } from '../layers/gru';
import { leakyRelu, linear } from '../layers/ops';
import { cosineScoresFused, cosineScoresFusedReady } from './attention-wasm';
import type {
  BuildContext,
  ChannelOutput,
  ConfigField,
  ExtrasInput,
  ForwardAux,
  ForwardContext,
  LossResult,
  LossTarget,
  Model,
  ModelSpec,
  NamedWeight,
} from '../types';

/** LeakyReLU negative slope zeta (eq. 4, 10, 16) */
export const FVAE_SLOPE = 0.1;
/** variance floor (percent^2) inside sigma_alpha^2 and sigma_y^2 */
const VAR_FLOOR = 1e-6;
const LOG_2PI = Math.log(2 * Math.PI);

/** the training fields with FactorVAE's defaults: one date per step (the paper's cross-section per sample), ... */
const training: ConfigField[] = trainingFields.map((f) => {
  if (f.key === 'batchDates') return { ...f, default: 1, help: f.help + ' FactorVAE: 1 (one cross-section per step, as the paper).' };
  if (f.key === 'epochs') return { ...f, default: 20 };
  if (f.key === 'valMetric')
    return {
      ...f,
      options: ['rank_ic', 'ic', 'nll'],
      help:
        'Early stopping on validation dates: mean (rank) IC of mu, or nll: minus the Gaussian NLL of the raw next-day ' +
        "return under mu and sigma (judges the risk estimate too). Default rank IC: the paper's evaluation metric.",
    };
  return f;
});

const schema: ConfigField[] = [
  {
    key: 'variant',
    label: 'Variant',
    default: 'factorvae',
    options: ['factorvae', 'prior'],
    help: "'factorvae': prior-posterior learning (eq. 17: reconstruction from the posterior factors + KL to the prior). 'prior': the paper's FactorVAE-prior ablation (RQ1): no encoder, trained on the return likelihood under the prior factors directly.",
  },
  {
    key: 'lookback',
    label: 'Sequence length T',
    default: 20,
    min: 2,
    max: 120,
    step: 1,
    help: 'Days of characteristics per stock (eq. 2: x_s in R^{N x T x C}); a stock enters a date only with data on all T days.',
  },
  {
    key: 'hidden',
    label: 'Hidden size H',
    default: 64,
    min: 2,
    max: 512,
    step: 1,
    help: 'Width of the projection, the GRU state e, the attention keys / values and the distribution networks (eq. 4-16). The paper gives no value; 64 as in the public re-implementations.',
  },
  {
    key: 'factors',
    label: 'Factors K',
    default: 32,
    min: 1,
    max: 256,
    step: 1,
    help: 'Number of latent factors z (and of attention heads of the predictor, eq. 15). Not given by the paper; public re-implementations use 32-96.',
  },
  {
    key: 'portfolios',
    label: 'Portfolios M',
    default: 128,
    min: 1,
    max: 1024,
    step: 1,
    help: 'Number of dynamically re-weighted portfolios of the encoder (eq. 6-7). Not given by the paper; public re-implementations use 100-128.',
  },
  {
    key: 'gamma',
    label: 'KL weight gamma',
    default: 1,
    min: 0,
    max: 100,
    step: 0.01,
    help: 'Weight of KL(posterior || prior) in the loss (eq. 17).',
  },
  {
    key: 'target',
    label: 'Return label',
    default: 'raw',
    options: ['raw', 'zscore'],
    help: "'raw' (the paper): the next-day return, winsorised per date at mean +- 3 sd; score and sigma are in return units. 'zscore': the per-date standardised return (score and sigma in sd units; the nll validation metric then does not apply).",
  },
  ...training,
];

/** index of the horizon FactorVAE predicts: the 1-day horizon, else the shortest */
export function labelHorizonIndex(horizons: number[]): number {
  const i = horizons.indexOf(1);
  if (i >= 0) return i;
  let best = 0;
  for (let j = 1; j < horizons.length; j++) if (horizons[j] < horizons[best]) best = j;
  return best;
}

interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

/** everything a forward pass produces that prediction or the loss reads */
export interface FvaeParts {
  /** [B, N, H] stock latent features (eq. 4) */
  e: tf.Tensor3D;
  /** [B, N] decoder alpha mean and sd (eq. 10) */
  muAlpha: tf.Tensor2D;
  sigmaAlpha: tf.Tensor2D;
  /** [B, N, K] factor exposures (eq. 11) */
  beta: tf.Tensor3D;
  /** [B, K] prior factor mean and sd (eq. 16) */
  muPrior: tf.Tensor2D;
  sigmaPrior: tf.Tensor2D;
  /** [B, N, K] attention weights of each head (eq. 14) */
  att: tf.Tensor3D;
}

/** Eq. 12: y ~ N(mu_alpha + beta mu_z, sigma_alpha^2 + beta^2 sigma_z^2) per stock. All [B, N] / [B, N, K] / [B, K]. */
export function decode(
  muAlpha: tf.Tensor2D,
  sigmaAlpha: tf.Tensor2D,
  beta: tf.Tensor3D,
  muZ: tf.Tensor2D,
  sigmaZ: tf.Tensor2D,
): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
  return tf.tidy(() => {
    const bm = tf.matMul(beta, muZ.expandDims(2)).squeeze([2]); // [B, N]  sum_k beta_ik mu_k
    const bv = tf.matMul(beta.square(), sigmaZ.square().expandDims(2)).squeeze([2]); // [B, N]  sum_k beta_ik^2 sigma_k^2
    return {
      mu: muAlpha.add(bm) as tf.Tensor2D,
      sigma: sigmaAlpha.square().add(bv).add(VAR_FLOOR).sqrt() as tf.Tensor2D,
    };
  });
}

/**
 * Closed-form KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2)) summed over the last axis (independent factors):
 *   sum_k log(sigma_p / sigma_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2.   [B, K] -> [B]
 */
export function gaussianKl(muQ: tf.Tensor2D, sigmaQ: tf.Tensor2D, muP: tf.Tensor2D, sigmaP: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const vp = sigmaP.square();
    return sigmaP
      .log()
      .sub(sigmaQ.log())
      .add(sigmaQ.square().add(muQ.sub(muP).square()).div(vp.mul(2)))
      .sub(0.5)
      .sum(1) as tf.Tensor1D;
  });
}

/**
 * Per date, the mean over the stocks with a label of the Gaussian NLL 0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2);
 * y, mu, sigma, mask [B, N] -> [B] (0 for a date without labels) and the date weights [B] (1 = has labels).
 */
export function gaussianNll(
  y: tf.Tensor2D,
  mu: tf.Tensor2D,
  sigma: tf.Tensor2D,
  mask: tf.Tensor2D,
): { perDate: tf.Tensor1D; w: tf.Tensor1D } {
  return tf.tidy(() => {
    const v = sigma.square();
    const nll = v
      .log()
      .add(LOG_2PI)
      .mul(0.5)
      .add(y.sub(mu).square().div(v.mul(2))); // [B, N]
    const cnt = mask.sum(1); // [B]
    return { perDate: nll.mul(mask).sum(1).div(cnt.maximum(1)) as tf.Tensor1D, w: cnt.greater(0).toFloat() as tf.Tensor1D };
  });
}

/**
 * max over axis 1 (keepDims) with a zero gradient: the softmax below does not depend on the shift, so its gradient
 * through the max is 0 anyway, but tfjs would compute it (an Equal + select broadcast over [B, N, M]: 4.7 ms per step at
 * N 400, M 128 on wasm, more than the rest of the encoder).
 */
function maxNoGrad(x: tf.Tensor3D): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor3D;
    const shape = xi.shape;
    return { value: xi.max(1, true), gradFunc: () => [tf.zeros(shape)] };
  }) as (x: tf.Tensor3D) => tf.Tensor3D;
  return op(x);
}

/** Softmax over the stocks (axis 1) of logits [B, N, M] restricted to mask [B, N]; masked stocks get exactly 0 (eq. 6). */
export function stockSoftmax(logits: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const m = mask.expandDims(2); // [B, N, 1]
    // any per-(date, portfolio) shift leaves the softmax unchanged: the max over all N rows (masked rows are bounded
    // like the others: e is 0 there) avoids overflow and stays finite on a date without any valid stock
    const shifted = logits.sub(maxNoGrad(logits));
    const ex = shifted.exp().mul(m); // [B, N, M]
    const den = ex.sum(1, true); // [B, 1, M]  >= 1 unless the date has no valid stock (then 0: weights stay 0)
    return ex.div(den.add(tf.onesLike(den).sub(tf.step(den)))) as tf.Tensor3D;
  });
}

/**
 * Eq. 14 weights of K heads: a[b, i, k] = ReLU(cos(q_k, key[b, i, k])) / sum_j ReLU(cos(q_k, key[b, j, k])) over the
 * date's stocks (mask [B, N]); keys [B, N, K, H], q [K, H]. A (date, head) whose scores are all 0 gets uniform weights
 * over the date's stocks (no division by 0; see the file comment). Returns [B, N, K].
 */
export function globalAttentionWeights(keys: tf.Tensor4D, q: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => attentionFromCos(cosineScores(keys, q), mask));
}

/** Eq. 14 scores cos(q_k, key[b, i, k]) of keys [B, N, K, H] and queries q [K, H] -> [B, N, K] (tfjs ops) */
export function cosineScores(keys: tf.Tensor4D, q: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const qn = q.div(q.square().sum(1, true).add(1e-12).sqrt()); // [K, H]  q / ||q||
    const kn = keys.square().sum(3).add(1e-12).sqrt(); // [B, N, K]  ||key||
    return keys.mul(qn).sum(3).div(kn) as tf.Tensor3D; // [B, N, K]
  });
}

/** Eq. 14 weights from the scores cos [B, N, K] over the date's stocks (mask [B, N]); see globalAttentionWeights */
export function attentionFromCos(cos: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const s = tf.relu(cos).mul(mask.expandDims(2)); // [B, N, K]
    const den = s.sum(1, true); // [B, 1, K]
    const none = tf.onesLike(den).sub(tf.step(den)); // [B, 1, K] 1 where every score is 0 (den >= 0; step has a zero gradient)
    const cnt = mask.sum(1).maximum(1).reshape([-1, 1, 1]); // [B, 1, 1]
    const uniform = mask.expandDims(2).div(cnt); // [B, N, 1]
    return s.div(den.add(none)).add(none.mul(uniform)) as tf.Tensor3D;
  });
}

export class FactorVaeModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  private readonly cfg: Record<string, number | string | boolean>;
  readonly H: number;
  readonly K: number;
  readonly M: number;
  readonly L: number;
  readonly prior: boolean;
  readonly gamma: number;
  /** return units: 100 (percent) for the raw label, 1 for the z-score */
  readonly unit: number;
  /** panel horizon index of the label */
  readonly hIdx: number;
  private readonly proj: Dense;
  private readonly gruP: GruParams;
  private readonly enc: { port: Dense; mu: Dense; sigma: Dense } | null;
  private readonly alpha: { hidden: Dense; out: Dense };
  private readonly betaL: Dense;
  private readonly pred: { key: tf.Variable; value: tf.Variable; query: tf.Variable; hidden: Dense; out: Dense };
  private readonly noise: Rng;

  constructor(private readonly ctx: BuildContext) {
    this.cfg = resolveConfig(schema, ctx.config, 'factorvae');
    const H = (this.H = Number(this.cfg.hidden));
    const K = (this.K = Number(this.cfg.factors));
    const M = (this.M = Number(this.cfg.portfolios));
    this.L = Number(this.cfg.lookback);
    this.prior = this.cfg.variant === 'prior';
    this.gamma = Number(this.cfg.gamma);
    this.unit = this.cfg.target === 'zscore' ? 1 : 100;
    this.hIdx = labelHorizonIndex(ctx.horizons);
    const p = (this.p = new ParamStore(ctx.seed));
    this.proj = p.dense('feature/proj', ctx.F, H); // eq. 4
    this.gruP = gruParams(p, 'feature/gru', H, H); // eq. 4
    this.enc = this.prior
      ? null
      : { port: p.dense('encoder/portfolio', H, M), mu: p.dense('encoder/mu_post', M, K), sigma: p.dense('encoder/sigma_post', M, K) }; // eq. 6, 8
    this.alpha = { hidden: p.dense('decoder/alpha_hidden', H, H), out: p.dense('decoder/alpha_out', H, 2) }; // eq. 10: [mu | sigma]
    this.betaL = p.dense('decoder/beta', H, K); // eq. 11
    // eq. 14: per head W_key,k and W_value,k [H, H], stacked as [H, K H]; query q_k [K, H]
    const glorot = (fanIn: number, fanOut: number, n: number) => {
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      return Float32Array.from({ length: n }, () => (2 * p.rng.uniform() - 1) * lim);
    };
    this.pred = {
      key: p.add('predictor/key', [H, K * H], glorot(H, H, H * K * H), true),
      value: p.add('predictor/value', [K, H, H], glorot(H, H, K * H * H), true),
      query: p.add('predictor/query', [K, H], glorot(1, H, K * H)),
      hidden: p.dense('predictor/hidden', H, H), // eq. 16
      out: p.dense('predictor/out', H, 2), // [mu | sigma]
    };
    this.noise = makeRng((ctx.seed ^ 0x5f3759df) >>> 0);
  }

  /** eq. 4: e = GRU(LeakyReLU(x W_proj + b))_T over the window seq [B, N, L, F] -> [B, N, H] (0 for masked stocks) */
  private features(c: ForwardContext): tf.Tensor3D {
    if (!c.seq)
      throw new LabError(
        'FactorVAE: the batch has no sequence windows (ctx.seq [B, N, L, F]).',
        'Train FactorVAE through the shared loop, which builds the windows from its lookback.',
      );
    const [B, N] = c.mask.shape;
    const [, , L, F] = c.seq.shape;
    // the projection of every (stock, day) row at once: one [B N L, F] x [F, H] matmul (linear, not linearOnData:
    // gradient x input differentiates w.r.t. the window), then the GRU over [B N, L, H] (fused on wasm, layers/gru.ts)
    const x2 = c.seq.reshape([B * N * L, F]) as tf.Tensor2D;
    const hs = leakyRelu(linear(x2, this.proj.w as tf.Tensor2D, this.proj.b as tf.Tensor1D), FVAE_SLOPE).reshape([
      B * N,
      L,
      this.H,
    ]) as tf.Tensor3D;
    const e = gru(hs, this.gruP).last; // [B*N, H]
    return e.reshape([B, N, this.H]).mul(c.mask.expandDims(2)) as tf.Tensor3D;
  }

  /** features, decoder (eq. 10-11) and predictor (eq. 14-16) of one batch; no labels involved */
  parts(c: ForwardContext): FvaeParts {
    return tf.tidy(() => {
      const H = this.H,
        K = this.K;
      const e = this.features(c); // [B, N, H]
      const [B, N] = c.mask.shape;
      const e2 = e.reshape([B * N, H]) as tf.Tensor2D;
      // alpha layer (eq. 10)
      const ha = leakyRelu(linear(e2, this.alpha.hidden.w as tf.Tensor2D, this.alpha.hidden.b as tf.Tensor1D), FVAE_SLOPE);
      const [am, asg] = tf.split(linear(ha, this.alpha.out.w as tf.Tensor2D, this.alpha.out.b as tf.Tensor1D), 2, 1); // [B*N, 1] each
      const muAlpha = am.reshape([B, N]) as tf.Tensor2D;
      const sigmaAlpha = tf.softplus(asg).reshape([B, N]) as tf.Tensor2D;
      // beta layer (eq. 11)
      const beta = linear(e2, this.betaL.w as tf.Tensor2D, this.betaL.b as tf.Tensor1D).reshape([B, N, K]) as tf.Tensor3D;
      // factor predictor: K heads of global attention (eq. 14-15)
      // key_i = W_key,k e_i and the scores cos(q_k, key_i): one fused op on wasm (attention-wasm.ts), else tfjs ops
      const cos = cosineScoresFusedReady()
        ? (cosineScoresFused(e2, this.pred.key as tf.Tensor2D, this.pred.query as tf.Tensor2D).reshape([B, N, K]) as tf.Tensor3D)
        : cosineScores(linear(e2, this.pred.key as tf.Tensor2D).reshape([B, N, K, H]) as tf.Tensor4D, this.pred.query as tf.Tensor2D);
      const att = attentionFromCos(cos, c.mask); // [B, N, K]
      // h_k = sum_i a_ik W_value,k e_i = W_value,k (sum_i a_ik e_i): the weighted feature first (linearity), then one [H, H] per head
      const eBar = tf.matMul(att, e, true, false); // [B, K, H]
      const hMulti = tf.matMul(eBar.transpose([1, 0, 2]), this.pred.value as tf.Tensor3D).transpose([1, 0, 2]); // [B, K, H]  eq. 15
      // distribution network (eq. 16), shared by the heads: head k's representation -> factor k's mean and sd
      const hp = leakyRelu(
        linear(hMulti.reshape([B * K, H]) as tf.Tensor2D, this.pred.hidden.w as tf.Tensor2D, this.pred.hidden.b as tf.Tensor1D),
        FVAE_SLOPE,
      );
      const [pm, ps] = tf.split(linear(hp, this.pred.out.w as tf.Tensor2D, this.pred.out.b as tf.Tensor1D), 2, 1); // [B*K, 1]
      return {
        e,
        muAlpha,
        sigmaAlpha,
        beta,
        muPrior: pm.reshape([B, K]) as tf.Tensor2D,
        sigmaPrior: tf.softplus(ps).reshape([B, K]) as tf.Tensor2D,
        att,
      };
    });
  }

  /** eq. 18-19: mu_y and sigma_y [B, N] from the prior, in return units, 0 for masked stocks */
  private predictive(c: ForwardContext): { mu: tf.Tensor2D; sigma: tf.Tensor2D } {
    return tf.tidy(() => {
      const q = this.parts(c);
      const d = decode(q.muAlpha, q.sigmaAlpha, q.beta, q.muPrior, q.sigmaPrior);
      return { mu: d.mu.mul(c.mask).div(this.unit) as tf.Tensor2D, sigma: d.sigma.mul(c.mask).div(this.unit) as tf.Tensor2D };
    });
  }

  /** [B, N] -> [B, N, H]: every panel horizon scored by the one prediction */
  private toHorizons(v: tf.Tensor2D): tf.Tensor3D {
    const H = this.ctx.horizons.length;
    return tf.tidy(() => (H === 1 ? v.expandDims(2) : tf.tile(v.expandDims(2), [1, 1, H])) as tf.Tensor3D);
  }

  forward(_x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => this.toHorizons(this.predictive(c).mu));
  }
  /** scores mu_y and the risk channel sigma_y (eq. 12 with the prior factors), per panel horizon */
  forwardChannels(_x: tf.Tensor3D, c: ForwardContext): ChannelOutput {
    return tf.tidy(() => {
      const p = this.predictive(c);
      return { scores: this.toHorizons(p.mu), channels: { sigma: this.toHorizons(p.sigma) } };
    }) as unknown as ChannelOutput;
  }
  forwardAux(_x: tf.Tensor3D, c: ForwardContext): { scores: tf.Tensor3D; aux: ForwardAux } {
    return tf.tidy(() => {
      const q = this.parts(c);
      const d = decode(q.muAlpha, q.sigmaAlpha, q.beta, q.muPrior, q.sigmaPrior);
      const scores = this.toHorizons(d.mu.mul(c.mask).div(this.unit) as tf.Tensor2D);
      return {
        scores,
        aux: { e: q.e, muAlpha: q.muAlpha, sigmaAlpha: q.sigmaAlpha, beta: q.beta, muPrior: q.muPrior, sigmaPrior: q.sigmaPrior },
      };
    }) as unknown as { scores: tf.Tensor3D; aux: ForwardAux };
  }

  /** the next B x K standard normals of the model's seeded stream (the reparameterisation noise of one step) */
  drawNoise(B: number): tf.Tensor2D {
    return tf.tensor2d(
      Float32Array.from({ length: B * this.K }, () => this.noise.normal()),
      [B, this.K],
    );
  }

  /**
   * Eq. 17 from the forward parts and the target, with the given noise eps [B, K] (z = mu + sigma eps):
   *   factorvae: nll = mean over dates of -1/N sum_i log N(y_i; mu_alpha,i + beta_i z_post, sigma_alpha,i^2), kl = mean
   *              over dates of KL(N(mu_post, sigma_post^2) || N(mu_prior, sigma_prior^2)); total = nll + gamma kl.
   *   prior:     nll with z_prior in place of z_post; total = nll.
   */
  lossFromParts(q: Omit<FvaeParts, 'att'>, target: LossTarget, eps: tf.Tensor2D): LossResult {
    const parts = tf.tidy(() => {
      const H = target.y.shape[2];
      const pick = (t: tf.Tensor3D) => (H === 1 ? t.squeeze([2]) : t.slice([0, 0, this.hIdx], [-1, -1, 1]).squeeze([2])) as tf.Tensor2D;
      const y = pick(target.y).mul(this.unit) as tf.Tensor2D; // [B, N] next-day return (percent) or its z-score
      const m = pick(target.mask); // [B, N] 1 = labelled
      let muZ: tf.Tensor2D, sigmaZ: tf.Tensor2D;
      let kl: tf.Tensor1D | null = null;
      if (this.enc) {
        // factor encoder (eq. 6-8): portfolios of the labelled stocks, weights from e
        const [B, N] = m.shape;
        const e2 = q.e.reshape([B * N, this.H]) as tf.Tensor2D;
        const logits = linear(e2, this.enc.port.w as tf.Tensor2D, this.enc.port.b as tf.Tensor1D).reshape([B, N, this.M]) as tf.Tensor3D;
        const ap = stockSoftmax(logits, m); // [B, N, M]  eq. 6
        const yp = tf.matMul(y.expandDims(1), ap).squeeze([1]) as tf.Tensor2D; // [B, M]  eq. 7: y_p = y a_p
        const muPost = linear(yp, this.enc.mu.w as tf.Tensor2D, this.enc.mu.b as tf.Tensor1D); // [B, K]  eq. 8
        const sigmaPost = tf.softplus(linear(yp, this.enc.sigma.w as tf.Tensor2D, this.enc.sigma.b as tf.Tensor1D)) as tf.Tensor2D;
        kl = gaussianKl(muPost, sigmaPost, q.muPrior, q.sigmaPrior); // [B]
        muZ = muPost;
        sigmaZ = sigmaPost;
      } else {
        muZ = q.muPrior;
        sigmaZ = q.sigmaPrior;
      }
      const z = muZ.add(sigmaZ.mul(eps)) as tf.Tensor2D; // [B, K]  reparameterised sample
      const muRec = q.muAlpha.add(tf.matMul(q.beta, z.expandDims(2)).squeeze([2])) as tf.Tensor2D; // [B, N]  alpha + beta z
      const sdRec = q.sigmaAlpha.square().add(VAR_FLOOR).sqrt() as tf.Tensor2D;
      const { perDate, w } = gaussianNll(y, muRec, sdRec, m);
      const nw = w.sum().maximum(1);
      const nll = perDate.mul(w).sum().div(nw) as tf.Scalar;
      const klMean = kl ? (kl.mul(w).sum().div(nw) as tf.Scalar) : null;
      const total = klMean ? (nll.add(klMean.mul(this.gamma)) as tf.Scalar) : nll;
      return klMean ? { total, nll, kl: klMean } : { total, nll };
    }) as { total: tf.Scalar; nll: tf.Scalar; kl?: tf.Scalar };
    const terms: Record<string, tf.Scalar> = { nll: parts.nll };
    if (parts.kl) terms.kl = parts.kl;
    return { total: parts.total, terms };
  }

  loss(_scores: tf.Tensor3D, target: LossTarget, aux?: ForwardAux): LossResult {
    if (!aux?.e || !aux.beta)
      throw new LabError(
        'FactorVAE: the loss needs the features and decoder outputs from forwardAux of the same batch.',
        'Train FactorVAE through the shared loop (src/train/loop.ts), which calls forwardAux.',
      );
    const eps = this.drawNoise(target.y.shape[0]);
    try {
      return this.lossFromParts(aux as unknown as FvaeParts, target, eps);
    } finally {
      eps.dispose();
    }
  }

  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    const H = this.H,
      K = this.K;
    // projection + GRU over L steps, keys of K heads, decoder, encoder portfolios
    return this.L * (H + 11 * H) + 2 * K * H + 4 * H + 2 * K + (this.enc ? 2 * this.M : 0);
  }

  /**
   * Parameters; with `input` (a test segment): the factor exposures beta of every stock on up to 24 evenly spaced dates
   * (the risk view's exposure chart), and the risk calibration: predicted sigma_y vs the realised |next-day return|
   * in 10 bins of sigma, with the per-date rank correlation of sigma and |return| (its mean, sd and the pooled one).
   */
  async extras(input?: ExtrasInput): Promise<Record<string, unknown>> {
    const base: Record<string, unknown> = {
      parameters: this.p.count(),
      variant: this.prior ? 'prior' : 'factorvae',
      K: this.K,
      H: this.H,
      M: this.M,
      labelHorizon: this.ctx.horizons[this.hIdx],
    };
    if (!input || input.dates.length === 0) return base;
    const D = input.dates.length;
    const step = Math.max(1, Math.ceil(D / 24));
    const fwd = input.fwd?.(this.hIdx); // [D, N] realised next-day return, NaN where none
    const betaDates: string[] = [];
    const betaValues: (number | null)[][] = []; // per sampled date: [N * K] (null = not in the cross-section)
    const sig: number[] = [],
      absRet: number[] = [];
    const perDateRc: number[] = [];
    let N = 0;
    await input.forEachBatch(async (_x, c, offset) => {
      const r = tf.tidy(() => {
        const q = this.parts(c);
        const d = decode(q.muAlpha, q.sigmaAlpha, q.beta, q.muPrior, q.sigmaPrior);
        return [q.beta, d.sigma.div(this.unit)];
      });
      const [bv, sv, mv] = await Promise.all([r[0].data(), r[1].data(), c.mask.data()]);
      tf.dispose(r);
      const [B, Nb] = c.mask.shape;
      N = Nb;
      const K = this.K;
      for (let b = 0; b < B; b++) {
        const j = offset + b;
        if (j % step === 0) {
          betaDates.push(input.dates[j]);
          const row: (number | null)[] = new Array(N * K);
          for (let n = 0; n < N; n++)
            for (let k = 0; k < K; k++) row[n * K + k] = mv[b * N + n] ? Math.round(bv[(b * N + n) * K + k] * 1e4) / 1e4 : null;
          betaValues.push(row);
        }
        if (!fwd) continue;
        const s1: number[] = [],
          a1: number[] = [];
        for (let n = 0; n < N; n++) {
          const y = fwd[j * N + n];
          if (!mv[b * N + n] || !Number.isFinite(y)) continue;
          s1.push(sv[b * N + n]);
          a1.push(Math.abs(y));
        }
        sig.push(...s1);
        absRet.push(...a1);
        if (s1.length >= 3) {
          const rc = spearman(Float64Array.from(s1), Float64Array.from(a1));
          if (Number.isFinite(rc)) perDateRc.push(rc);
        }
      }
    });
    const out: Record<string, unknown> = {
      ...base,
      beta: { dates: betaDates, N, K: this.K, values: betaValues },
    };
    if (fwd && sig.length) {
      const order = sig.map((_, i) => i).sort((a, b) => sig[a] - sig[b]);
      const nb = Math.min(10, order.length);
      const bins: { sigma: number; absReturn: number; count: number }[] = [];
      for (let k = 0; k < nb; k++) {
        const lo = Math.floor((k * order.length) / nb),
          hi = Math.floor(((k + 1) * order.length) / nb);
        let ss = 0,
          aa = 0;
        for (let i = lo; i < hi; i++) {
          ss += sig[order[i]];
          aa += absRet[order[i]];
        }
        bins.push({ sigma: ss / (hi - lo), absReturn: aa / (hi - lo), count: hi - lo });
      }
      const mean = perDateRc.reduce((s, v) => s + v, 0) / Math.max(1, perDateRc.length);
      const sd = Math.sqrt(perDateRc.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, perDateRc.length));
      out.risk = {
        start: input.dates[0],
        end: input.dates[D - 1],
        pairs: sig.length,
        bins,
        rankCorr: perDateRc.length ? mean : NaN,
        rankCorrSd: perDateRc.length ? sd : NaN,
        rankCorrDates: perDateRc.length,
        pooledRankCorr: spearman(Float64Array.from(sig), Float64Array.from(absRet)),
      };
    }
    return out;
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

export const factorVaeSpec: ModelSpec = {
  id: 'factorvae',
  name: 'FactorVAE (probabilistic dynamic factor model)',
  family: 'generative',
  description:
    'FactorVAE (Duan et al., AAAI 2022): a dynamic factor model y = alpha + beta z whose factors z are the latent variables ' +
    "of a VAE. Feature extractor (eq. 4): each stock's last T days of characteristics through Linear + LeakyReLU and a GRU " +
    "(last state e). Encoder (eq. 5-8, training only): M portfolios weighted by a softmax over the date's stocks of " +
    'W_p e + b_p, their realised next-day returns y_p mapped to the posterior factors N(mu_post, sigma_post^2). Decoder ' +
    '(eq. 9-12): alpha ~ N(mu_alpha, sigma_alpha^2) and exposures beta from e; y ~ N(mu_alpha + beta mu_z, sigma_alpha^2 + ' +
    'beta^2 sigma_z^2). Predictor (eq. 13-16): K heads of global attention with a learnable query (cosine scores through ' +
    'ReLU, normalised over the stocks; uniform weights when every score is 0) and a distribution network give the prior ' +
    'factors N(mu_prior, sigma_prior^2). Loss (eq. 17): NLL of the realised return under alpha + beta z_post (one ' +
    'reparameterised sample from the seeded stream, alpha in closed form) + gamma KL(posterior || prior). Prediction ' +
    '(eq. 18-19) uses only the extractor, predictor and decoder: score = mu_y, output channel sigma = sigma_y (TDrisk ranks ' +
    'by mu - eta sigma). Choices: label = next-day return winsorised at +-3 sd per date, modelled in percent (score and ' +
    "sigma are returned in return units); LeakyReLU slope 0.1; PyTorch's GRU cell; H 64, K 32, M 128 by default (the paper " +
    "gives none; public re-implementations use H 64, K 32-96, M 100-128); one date per step. Variant 'prior' is the " +
    "paper's FactorVAE-prior ablation (no encoder: trained on the prior factors directly).",
  configSchema: schema,
  trainable: true,
  lookback: (config) => Number(config.lookback ?? 20),
  channels: () => [{ name: 'sigma', kind: 'sigma', label: 'predicted return sd sigma_y (eq. 12)', perHorizon: true }],
  explain: 'grad-input',
  build: (ctx) => new FactorVaeModel(ctx),
};
