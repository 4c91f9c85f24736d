/**
 * E2EAI: end-to-end active investing (Wei, Dai & Lin, sections 4-5, Algorithm 1). Per date t (batched over B dates;
 * N stocks, m = F original factors, h hidden, K deep-factor heads, one per horizon k = 3, 5, 10, 15, 20):
 *   a_sel  = mean_n softmax_m(MLP(F_o))                 [B, m]     eq. 1 factor attention (per stock, averaged over stocks)
 *   M_f    = 1[a_sel >= gamma_f / m] (>= 1 kept)        [B, m]     eq. 1 hard gate; straight-through gradient to a_sel
 *   F      = M_f o F_o                                  [B, N, m]  eq. 2 selected factors
 *   C      = MLP(M_f o BatchNorm(F_o))                  [B, N, h]  eq. 3 (layers/context.ts; the gate after BatchNorm, see below)
 *   C_I    = C - GAT_I(C),  C_U = C_I - GAT_U(C_I)       [B, N, h]  eq. 4-5 (layers/gat.ts)
 *   f_k    = LeakyReLU(W_k (C || C_I || C_U))           [B, N, K]  eq. 6
 *   d_f,k  = sgn(b_f,k),  d_k,i = sgn(b_k,i)            [K], [K, m]  directional buffers (Algorithm 1 lines 3, 7-8)
 *   f~_k   = f_k o d_f,k                                [B, N, K]  the direction-corrected deep factor (the score, E2E_d)
 *   a-bar_k = mean_n softmax_m(LeakyReLU(F W_a,k))      [B, K, m]  eq. 7 (layers/factor-attention.ts)
 *   f-hat_k = F (a-bar_k o d_k)                         [B, N, K]  eq. 8 directional attention estimate (E2E_l)
 *   A_p,k  = softmax_n(LeakyReLU(W_p,k (C || f~_k)))    [B, N, K]  eq. 9 additive attention over the date's stocks
 *   W_k    = A_p,k restricted to {A_p,k >= gamma_p / n}, renormalised    eq. 10 (weights sum to 1; the rest get 0)
 * Loss (eq. 11): L = L_p + lambda_s L_s + lambda_f L_f + lambda_e L_e with, over the heads k and the batch's dates t,
 *   L_p = L_ret + L_up,  L_ret = -100 mean_{k,t} sum_n W_k,n r_k,n (raw forward return, percent),
 *                        L_up  =  100 mean_{k,t} sum_n max(0, W_k,n - theta) (percent of NAV above the cap)
 *   L_s = -mean_k c(f~_k)   ICIR of the direction-corrected deep factor over the batch's dates (d_k c_k)
 *   L_f = -mean_{k,t} b(f~_k)  factor return: closed-form cross-sectional slope of the return on the standardised f~_k
 *   L_e = mean_{k,t} ||f~_k - f-hat_k||_2 / sqrt(n)
 * L_s, L_f and L_e are DMFM's loss terms (dmfm/dmfm.ts dmfmLoss) applied to f~_k and f-hat_k.
 * Choices where the paper is silent or inconsistent (also in the help text):
 *  - gamma_f and gamma_p are relative to the uniform attention 1/m and 1/n (the mean of a softmax); at least one
 *    factor and one stock always pass (the threshold is min(gamma / m, max attention)).
 *  - the factor gate multiplies the BatchNorm output (gamma and beta of eq. 3's BatchNorm), not the raw factors: per-date
 *    BatchNorm is scale-invariant, so BN(g F) has no gradient in g and the straight-through gate would learn nothing;
 *    for a kept factor both are the same, a dropped one gives exactly 0 (not the constant beta).
 *  - the buffers are updated after the optimiser step from the IC of the step's own forward pass (kept by `loss`),
 *    so step s uses the directions of the epoch's batches before s (Algorithm 1 adds the current batch first);
 *    returns r are the z-scored labels (IC is affine-invariant per date). Buffers are non-trainable weights, so the
 *    best checkpoint carries the buffers it was validated with.
 *  - eq. 10 literally writes softmax(1[A >= gamma_p]), which would still weight stocks below gamma_p; we renormalise the
 *    attention over the stocks that pass. L_up takes max(0, .) (the paper's plain W - theta rewards small weights).
 *    At evaluation the weights are projected exactly onto the capped simplex (projection.ts) over the selected stocks
 *    (over all valid stocks when fewer than 1/theta are selected).
 *  - returns: the paper uses VWAP p_{t+k}/p_{t+1}-1; the data has no VWAP, so the lab's close-to-close forward returns.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, applyMask, maskedZscore, resolveConfig, trainingFields } from '../common';
import { contextEncoder, contextParams, type ContextParams } from '../layers/context';
import { factorAttention } from '../layers/factor-attention';
import { leakyRelu, linear3 } from '../layers/ops';
import { maskedIc } from '../losses';
import { gatFields, gatLayer, gatParams, kernelOf, segmentsOf, type BatchGraph, type GatParams } from '../layers/gat';
import { HEAD_SLOPE, dmfmLoss, headPlan } from '../dmfm/dmfm';
import { projectCappedSimplex } from './projection';
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
  StepBatch,
} from '../types';

/** Algorithm 1 line 3: the buffers start at 1e-6 each epoch (so a fresh buffer reads as direction +1) */
export const BUFFER_INIT = 1e-6;
const IC_EPS = 1e-8;
const PORT_SLOPE = 0.2;

const schema: ConfigField[] = [
  {
    key: 'hidden',
    label: 'Hidden units',
    default: 64,
    min: 1,
    max: 512,
    step: 1,
    help: 'Width m1 of the stock context C (eq. 3), of both GATs and of the factor-selection MLP.',
  },
  {
    key: 'layers',
    label: 'Encoder layers',
    default: 2,
    min: 1,
    max: 4,
    step: 1,
    help: 'Dense + LeakyReLU layers of the context encoder MLP (eq. 3).',
  },
  {
    key: 'horizonSet',
    label: 'Deep factor heads',
    default: 'paper',
    options: ['paper', 'panel'],
    help: "'paper': one head per horizon of k = 3, 5, 10, 15, 20 that the panel has (other horizons use the nearest head); 'panel': one head per panel horizon.",
  },
  {
    key: 'gammaF',
    label: 'Factor gate gamma_f (x 1/m)',
    default: 0.5,
    min: 0,
    max: 10,
    step: 0.05,
    help: 'Eq. 1: a factor is kept on a date when its selection attention is at least gamma_f / m (1/m is the mean attention over the m factors; 0.5 keeps factors with at least half the average attention). At least one factor is always kept.',
  },
  {
    key: 'gammaP',
    label: 'Stock gate gamma_p (x 1/n)',
    default: 1,
    min: 0,
    max: 10,
    step: 0.05,
    help: "Eq. 10: a stock can get weight when its portfolio attention is at least gamma_p / n (n = the date's valid stocks; 1 = above-average attention). At least one stock always passes.",
  },
  {
    key: 'theta',
    label: 'Per-stock cap theta',
    default: 0.1,
    min: 0.001,
    max: 1,
    step: 0.01,
    help: 'Upper bound on a stock weight: a penalty sum max(0, w - theta) while training (L_up), an exact capped-simplex projection at evaluation.',
  },
  {
    key: 'lambdaS',
    label: 'lambda_s (stability)',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of L_s = -ICIR of the direction-corrected deep factor over the dates of a batch.',
  },
  {
    key: 'lambdaF',
    label: 'lambda_f (factor return)',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of L_f = -factor return: the closed-form cross-sectional slope (percent return per 1 sd of exposure) of the direction-corrected deep factor.',
  },
  {
    key: 'lambdaE',
    label: 'lambda_e (attention estimate)',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of L_e = RMS distance between the direction-corrected deep factor and its directional attention estimate F (a-bar o d).',
  },
  ...gatFields,
  ...trainingFields.map((f) =>
    f.key === 'valMetric'
      ? {
          ...f,
          default: 'portfolio',
          options: ['portfolio', 'rank_ic', 'ic'],
          help: "'portfolio': mean return of the learned weights on validation dates (the E2E objective); or the (rank) IC of the deep factor.",
        }
      : f,
  ),
];

/**
 * The gate of eq. 1 / eq. 10 as a straight-through estimator: forward 1[a >= min(thr, max_axis a)] (hard, exact 0/1),
 * backward the identity (dL/da = dL/dgate). `thr` broadcasts against a; the max keeps at least one entry per row.
 */
export function hardGate(a: tf.Tensor, thr: tf.Tensor | number, axis = -1): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ai] = args as [tf.Tensor];
    const value = tf.tidy(() => ai.greaterEqual(tf.minimum(thr, ai.max(axis, true))).toFloat());
    return { value, gradFunc: (dy: tf.Tensor) => [dy] };
  }) as (a: tf.Tensor) => tf.Tensor;
  return op(a);
}

/** the mask of the stock gate (eq. 10), no gradient: valid stocks whose attention is at least min(gammaP / n, max) */
function stockGate(ap: tf.Tensor3D, mask: tf.Tensor2D, gammaP: number): tf.Tensor3D {
  return tf.tidy(() => {
    const n = mask.sum(1).maximum(1).reshape([-1, 1, 1]); // [B, 1, 1]
    const mk = mask.expandDims(2); // [B, N, 1]
    const thr = tf.minimum(tf.scalar(gammaP).div(n), ap.mul(mk).max(1, true)); // [B, 1, K]
    return ap.greaterEqual(thr).toFloat().mul(mk) as tf.Tensor3D; // [B, N, K]
  });
}

/** Per-date IC sums over the batch: sum_t IC_t(s, y) [K] for scores s [B, N, K] (dates with < 2 labels skipped). */
function icSum(s: tf.Tensor3D, y: tf.Tensor3D, m: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const { cnt, ic } = maskedIc(s, y, m, IC_EPS); // [B, K]
    return ic.mul(cnt.greaterEqual(2).toFloat()).sum(0) as tf.Tensor1D;
  });
}

/**
 * sum_t IC_t(x_i, y_k) [K, m]: the per-date Pearson IC of every input factor with every head's label over the stocks
 * labelled for that head (dates with < 2 skipped), from masked moments as three batched matMuls (no [B, N, K, m] copy):
 * with M = mask^T [B, K, N]: n = M 1, Sx = M x, Sxx = M x^2, Sy = M y, Syy = M y^2, Sxy = (M o y^T) x, and
 * IC = (Sxy - Sx Sy / n) / sqrt((Sxx - Sx^2 / n + eps) (Syy - Sy^2 / n + eps)).
 */
export function factorIcSum(x: tf.Tensor3D, y: tf.Tensor3D, m: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const M = m.transpose([0, 2, 1]) as tf.Tensor3D; // [B, K, N]
    const My = M.mul(y.transpose([0, 2, 1])) as tf.Tensor3D; // [B, K, N]
    const n = M.sum(2, true); // [B, K, 1]
    const n1 = n.maximum(1);
    const Sx = tf.matMul(M, x), // [B, K, m]
      Sxx = tf.matMul(M, x.square() as tf.Tensor3D),
      Sxy = tf.matMul(My, x);
    const Sy = My.sum(2, true), // [B, K, 1]
      Syy = My.mul(y.transpose([0, 2, 1])).sum(2, true);
    const cov = Sxy.sub(Sx.mul(Sy).div(n1)); // [B, K, m]
    const vx = Sxx.sub(Sx.square().div(n1)).maximum(0);
    const vy = Syy.sub(Sy.square().div(n1)).maximum(0);
    const ic = cov.div(vx.add(IC_EPS).sqrt().mul(vy.add(IC_EPS).sqrt())); // [B, K, m]
    return ic.mul(n.greaterEqual(2).toFloat()).sum(0) as tf.Tensor2D; // [K, m]
  });
}

/** sign with sgn(0) = +1 (a fresh 1e-6 buffer and an exact tie read as positive) */
const sgn = (t: tf.Tensor) => tf.tidy(() => t.greaterEqual(0).toFloat().mul(2).sub(1));

export interface E2eaiForward {
  /** [B, N, K] deep factors f_k (eq. 6) */
  f: tf.Tensor3D;
  /** [B, N, K] direction-corrected deep factor f~ = f o d_f */
  fd: tf.Tensor3D;
  /** [B, N, K] directional attention estimate f-hat (eq. 8) */
  fhat: tf.Tensor3D;
  /** [B, K, m] a-bar (eq. 7) */
  abar: tf.Tensor3D;
  /** [B, m] factor-selection attention (eq. 1) and its hard gate (1 = selected) */
  sel: tf.Tensor2D;
  gate: tf.Tensor2D;
  /** [B, N, K] portfolio weights W_k (eq. 10), 0 outside the mask and below gamma_p; sum 1 per date and head */
  w: tf.Tensor3D;
  /** [B, N, K] 1 = the stock passed the stock gate */
  passed: tf.Tensor3D;
  /** [B, N, K] portfolio attention A_p,k (eq. 9), softmax over the date's valid stocks */
  ap: tf.Tensor3D;
}

export class E2eaiModel implements Model {
  readonly trainable = true;
  readonly p: ParamStore;
  private readonly enc: ContextParams;
  private readonly selMlp: { w: tf.Variable; b: tf.Variable }[];
  private readonly gatI: GatParams;
  private readonly gatU: GatParams;
  private readonly head: { w: tf.Variable; b: tf.Variable };
  private readonly attn: { w: tf.Variable; b: tf.Variable };
  private readonly port: { wc: tf.Variable; wf: tf.Variable; b: tf.Variable };
  /** directional buffers (Algorithm 1): b_f [K] and b_i [K, m]; non-trainable weights (checkpointed) */
  readonly bufF: tf.Variable;
  readonly bufI: tf.Variable;
  /** sum_t IC_t(f_k, r_k) [K] of the last training forward pass, added to b_f by afterStep */
  private pendingIcF: tf.Tensor1D | null = null;
  readonly cfg: Record<string, number | string | boolean>;
  readonly plan: ReturnType<typeof headPlan>;
  private readonly toPanel: tf.Tensor2D | null;
  private readonly hidden: number;
  /** messages of the evaluation-time projection (infeasible caps), counted */
  readonly projectionNotes = new Map<string, number>();

  constructor(private readonly ctx: BuildContext) {
    this.cfg = resolveConfig(schema, ctx.config, 'e2eai');
    this.hidden = Number(this.cfg.hidden);
    const h = this.hidden,
      m = ctx.F;
    this.plan = headPlan(ctx.horizons, this.cfg.horizonSet as 'paper' | 'panel');
    const K = this.plan.trained.length,
      H = ctx.horizons.length;
    this.p = new ParamStore(ctx.seed);
    // eq. 1: selection MLP m -> h -> m (logits over the factors)
    this.selMlp = [this.p.dense('factor_selection/dense0', m, h), this.p.dense('factor_selection/dense1', h, m)];
    // the output layer starts at 0: uniform attention 1/m >= gamma_f / m, so every factor starts selected and the loss
    // drops factors (with Glorot logits a random third of the factors started below 0.5/m, planted ones included)
    tf.tidy(() => this.selMlp[1].w.assign(tf.zerosLike(this.selMlp[1].w)));
    this.enc = contextParams(this.p, m, h, Number(this.cfg.layers));
    this.gatI = gatParams(this.p, 'gat_industry', h, String(this.cfg.gatInit));
    this.gatU = gatParams(this.p, 'gat_universe', h, String(this.cfg.gatInit));
    this.head = this.p.dense('deep_factor_heads', 3 * h, K); // W_k stacked [3h, K] (eq. 6)
    this.attn = this.p.dense('factor_attention', m, K * m); // W_a,k stacked [m, K m] (eq. 7)
    const pw = this.p.dense('portfolio/context', h, K); // W_p,k context block [h, K] (eq. 9)
    const wf = this.p.add('portfolio/factor', [K], new Float32Array(K).fill(1)); // W_p,k deep-factor entry [K]
    this.port = { wc: pw.w, wf, b: pw.b };
    this.bufF = this.p.add('buffer/deep_factor', [K], new Float32Array(K).fill(BUFFER_INIT), false, false);
    this.bufI = this.p.add('buffer/factors', [K, m], new Float32Array(K * m).fill(BUFFER_INIT), false, false);
    const ident = K === H && this.plan.headOf.every((v, i) => v === i);
    this.toPanel = ident
      ? null
      : tf.tensor2d(
          Float32Array.from({ length: K * H }, (_, q) => (this.plan.headOf[q % H] === Math.floor(q / H) ? 1 : 0)),
          [K, H],
        );
  }

  /** d_f [K] and d_i [K, m] from the buffers (sgn, 0 -> +1) */
  directions(): { df: tf.Tensor1D; di: tf.Tensor2D } {
    return { df: sgn(this.bufF) as tf.Tensor1D, di: sgn(this.bufI) as tf.Tensor2D };
  }

  /** the whole forward pass of one batch (eq. 1-10) */
  run(x: tf.Tensor3D, c: ForwardContext): E2eaiForward {
    return tf.tidy(() => {
      const [B, , m] = x.shape;
      const K = this.plan.trained.length,
        h = this.hidden;
      const mk = c.mask.expandDims(2); // [B, N, 1]
      const cnt = c.mask.sum(1).maximum(1).reshape([B, 1]); // [B, 1]
      // eq. 1: per-stock softmax over the factors of an MLP of the (z-scored) factors, averaged over the date's stocks
      let u = maskedZscore(x, c.mask, 1e-5) as tf.Tensor3D; // [B, N, m]
      u = leakyRelu(linear3(u, this.selMlp[0].w as tf.Tensor2D, this.selMlp[0].b as tf.Tensor1D), 0.1); // [B, N, h]
      u = linear3(u, this.selMlp[1].w as tf.Tensor2D, this.selMlp[1].b as tf.Tensor1D); // [B, N, m]
      const sel = (tf.softmax(u) as tf.Tensor3D).mul(mk).sum(1).div(cnt) as tf.Tensor2D; // [B, m] sums to 1
      const gate = hardGate(sel, Number(this.cfg.gammaF) / m) as tf.Tensor2D; // [B, m] eq. 1 (straight-through)
      const g3 = gate.expandDims(1); // [B, 1, m]
      const xs = x.mul(g3) as tf.Tensor3D; // [B, N, m] eq. 2 F = M_f F_o
      // eq. 3 with the gate after BatchNorm (scale and shift per date and factor: gamma o M_f, beta o M_f)
      const encGated = { ...this.enc, gamma: this.enc.gamma.mul(g3), beta: this.enc.beta.mul(g3) } as unknown as ContextParams;
      const C = contextEncoder(x, c.mask, encGated); // [B, N, h]
      const kernel = kernelOf(this.cfg);
      const gI: BatchGraph = { kind: 'industry', mask: c.mask, industry: c.industry };
      const gU: BatchGraph = { kind: 'universe', mask: c.mask };
      const graphs = kernel === 'sorted' ? [segmentsOf(gI), segmentsOf(gU)] : [undefined, undefined];
      const CI = C.sub(gatLayer(C, this.gatI, gI, kernel, graphs[0]).h) as tf.Tensor3D; // [B, N, h] eq. 4-5
      const CU = CI.sub(gatLayer(CI, this.gatU, gU, kernel, graphs[1]).h) as tf.Tensor3D; // [B, N, h] eq. 5
      const wk = (i: number) => this.head.w.slice([i * h, 0], [h, K]) as tf.Tensor2D; // [h, K]
      const pre = linear3(C, wk(0), this.head.b as tf.Tensor1D)
        .add(linear3(CI, wk(1)))
        .add(linear3(CU, wk(2))) as tf.Tensor3D; // [B, N, K]
      const f = applyMask(leakyRelu(pre, HEAD_SLOPE), c.mask); // [B, N, K] eq. 6
      const { df, di } = this.directions();
      const fd = f.mul(df) as tf.Tensor3D; // [B, N, K] f o d_f
      // eq. 7-8: a-bar from the selected factors, f-hat = F (a-bar o d)
      const fa = factorAttention(xs, c.mask, this.attn.w as tf.Tensor2D, this.attn.b as tf.Tensor1D, K); // a-bar [B, K, m]
      const signed = fa.abar.mul(di.expandDims(0)) as tf.Tensor3D; // [B, K, m] a-bar o d_k
      const fhat = tf.matMul(xs, signed.transpose([0, 2, 1])).mul(mk) as tf.Tensor3D; // [B, N, K] eq. 8
      // eq. 9: additive attention over the date's stocks from C and f~_k
      const logit = leakyRelu(
        linear3(C, this.port.wc as tf.Tensor2D, this.port.b as tf.Tensor1D).add(fd.mul(this.port.wf)),
        PORT_SLOPE,
      ) as tf.Tensor3D; // [B, N, K]
      const neg = mk.sub(1).mul(1e9); // [B, N, 1] masked stocks: -1e9 (exp underflows to exactly 0)
      const ap = tf
        .softmax(logit.add(neg).transpose([0, 2, 1]))
        .transpose([0, 2, 1])
        .mul(mk) as tf.Tensor3D; // [B, N, K] over n
      // eq. 10: keep stocks with A >= gamma_p / n, renormalise over them (a softmax restricted to the passing set)
      const passed = stockGate(ap, c.mask, Number(this.cfg.gammaP)); // [B, N, K] no gradient
      const negP = passed.sub(1).mul(1e9);
      const w = tf
        .softmax(logit.add(negP).transpose([0, 2, 1]))
        .transpose([0, 2, 1])
        .mul(passed) as tf.Tensor3D; // [B, N, K]
      return { f, fd, fhat, abar: fa.abar, sel, gate, w, passed, ap };
    });
  }

  private toH(t: tf.Tensor3D): tf.Tensor3D {
    return this.toPanel ? linear3(t, this.toPanel) : t;
  }

  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const r = this.run(x, c);
      return this.toH(r.fd);
    });
  }

  /**
   * Scores (E2E_d: the direction-corrected deep factor), 'fhat' (E2E_l: the directional attention estimate) and 'weight'
   * (E2E_auto: W_k projected exactly onto the capped simplex), each mapped to the panel horizons.
   */
  forwardChannels(x: tf.Tensor3D, c: ForwardContext): ChannelOutput {
    const r = this.run(x, c);
    const [B, N] = x.shape;
    const K = this.plan.trained.length;
    const wv = r.w.dataSync(),
      pv = r.passed.dataSync(),
      mv = c.mask.dataSync();
    const out = new Float32Array(B * N * K);
    const theta = Number(this.cfg.theta);
    const v = new Float64Array(N),
      sup = new Uint8Array(N);
    for (let b = 0; b < B; b++)
      for (let k = 0; k < K; k++) {
        let nSel = 0,
          nValid = 0;
        for (let n = 0; n < N; n++) {
          v[n] = wv[(b * N + n) * K + k];
          sup[n] = pv[(b * N + n) * K + k] ? 1 : 0;
          nSel += sup[n];
          nValid += mv[b * N + n] ? 1 : 0;
        }
        if (nValid === 0) continue;
        // the cap needs at least 1/theta stocks: widen the support to every valid stock when the gate passed fewer
        if (nSel * theta < 1) for (let n = 0; n < N; n++) sup[n] = mv[b * N + n] ? 1 : 0;
        const pr = projectCappedSimplex(v, theta, sup);
        if (pr.message) this.projectionNotes.set(pr.message, (this.projectionNotes.get(pr.message) ?? 0) + 1);
        for (let n = 0; n < N; n++) out[(b * N + n) * K + k] = pr.w[n];
      }
    const wp = tf.tensor3d(out, [B, N, K]);
    const weight = this.toH(wp);
    const fhat = this.toH(r.fhat);
    const scores = this.toH(r.fd);
    return { scores, channels: { fhat, weight } };
  }

  forwardAux(x: tf.Tensor3D, c: ForwardContext): { scores: tf.Tensor3D; aux: ForwardAux } {
    const r = this.run(x, c);
    return { scores: this.toH(r.fd), aux: { ...r, mask: c.mask } as unknown as ForwardAux };
  }

  /** Eq. 11 on the forward pass in `aux`; also keeps sum_t IC_t(f_k, r_k) for the deep-factor buffer (afterStep). */
  loss(_scores: tf.Tensor3D, target: LossTarget, aux?: ForwardAux): LossResult {
    if (!aux?.fd || !aux.fhat || !aux.w || !aux.mask || !aux.f)
      throw new LabError(
        'E2EAI: the loss needs the forward pass of the same batch (forwardAux).',
        'Train E2EAI through the shared loop (src/train/loop.ts), which calls forwardAux.',
      );
    if (!target.raw)
      throw new LabError(
        'E2EAI: the portfolio loss needs the raw forward returns (LossTarget.raw).',
        'Train through the shared loop, which sets them.',
      );
    const lab = <T extends tf.Tensor>(t: T) => (this.toPanel ? (tf.gather(t, this.plan.trainedIdx, 2) as T) : t);
    const base = dmfmLoss(aux.fd as tf.Tensor3D, aux.fhat as tf.Tensor3D, aux.mask as tf.Tensor2D, target, {
      horizons: this.plan.trained,
      labelIdx: this.plan.trainedIdx,
      wIcir: Number(this.cfg.lambdaS),
      wReturn: Number(this.cfg.lambdaF),
      wEstimate: Number(this.cfg.lambdaE),
      units: 'percent',
    });
    const theta = Number(this.cfg.theta);
    const parts = tf.tidy(() => {
      const w = aux.w as tf.Tensor3D; // [B, N, K]
      const raw = lab(target.raw!), // [B, N, K]
        ym = lab(target.mask);
      const has = ym.sum(1).greaterEqual(1).toFloat(); // [B, K] dates with a label
      const nd = has.sum(0).maximum(1); // [K]
      const ret = w.mul(raw).mul(ym).sum(1).mul(has).sum(0).div(nd).mul(100); // [K] mean_t sum_n W r  (percent)
      const up = w.sub(theta).relu().sum(1).mul(has).sum(0).div(nd).mul(100); // [K] mean_t sum_n max(0, W - theta)
      const lret = ret.neg().mean() as tf.Scalar;
      const lup = up.mean() as tf.Scalar;
      const total = lret.add(lup).add(base.total) as tf.Scalar;
      return { lret, lup, total };
    });
    // Algorithm 1 line 7: this batch's IC of the deep factor, added to b_f after the step (no gradient)
    const ic = tf.keep(tf.tidy(() => icSum(aux.f as tf.Tensor3D, lab(target.y), lab(target.mask)))); // [K], outlives the caller's tidy
    this.pendingIcF?.dispose();
    this.pendingIcF = ic;
    base.total.dispose();
    // unweighted terms (the weights are settings): L_ret, L_up and DMFM's per-head -ICIR, -factor return, estimate error
    return { total: parts.total, terms: { ret: parts.lret, up: parts.lup, ...base.terms } };
  }

  /** Algorithm 1 line 3: reset the buffers at each epoch's start */
  onEpochStart(): void {
    tf.tidy(() => {
      this.bufF.assign(tf.fill(this.bufF.shape, BUFFER_INIT));
      this.bufI.assign(tf.fill(this.bufI.shape, BUFFER_INIT));
    });
    this.pendingIcF?.dispose();
    this.pendingIcF = null;
  }

  /**
   * Algorithm 1 lines 7-8, after the optimiser step of a training batch: b_f += sum_t IC_t(f_k, r_k) of that step's
   * forward pass; b_i += sum_t IC_t(F_i, r_k) for every original factor i. Only this batch's dates are read.
   */
  afterStep(batch: StepBatch): void {
    tf.tidy(() => {
      const { y, mask } = batch.target;
      const yk = this.toPanel ? (tf.gather(y, this.plan.trainedIdx, 2) as tf.Tensor3D) : y; // [B, N, K]
      const mk = this.toPanel ? (tf.gather(mask, this.plan.trainedIdx, 2) as tf.Tensor3D) : mask;
      this.bufI.assign(this.bufI.add(factorIcSum(batch.x, yk, mk)));
      if (this.pendingIcF) this.bufF.assign(this.bufF.add(this.pendingIcF));
    });
    this.pendingIcF?.dispose();
    this.pendingIcF = null;
  }

  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    const h = this.hidden,
      K = this.plan.trained.length,
      F = this.ctx.F;
    return (
      5 * F +
      2 * h +
      2 * Number(this.cfg.layers) * h +
      2 * 4 * h +
      3 * h +
      8 * K +
      3 * K * F +
      (kernelOf(this.cfg) === 'dense' ? 6 * 400 : 0)
    );
  }

  /**
   * With `input`: per date the selected factors (gate) and the selection attention, per date the signed directional
   * contribution a-bar o d (mean over heads) per factor, the buffers' directions, and the weight statistics
   * (holdings, max weight) of the learned portfolio before the projection.
   */
  async extras(input?: ExtrasInput): Promise<Record<string, unknown>> {
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    const fgroups = this.ctx.factorGroups ?? names.map(() => 'all');
    const [bf, bi] = await Promise.all([this.bufF.data(), this.bufI.data()]);
    const K = this.plan.trained.length,
      m = this.ctx.F;
    const base: Record<string, unknown> = {
      parameters: this.p.count(),
      horizons: this.plan.trained.slice(),
      factors: names.slice(),
      factorGroups: fgroups.slice(),
      buffers: {
        deepFactor: Array.from(bf),
        factors: Array.from({ length: K }, (_, k) => Array.from(bi.subarray(k * m, (k + 1) * m))),
      },
      directions: {
        deepFactor: Array.from(bf, (v) => (v >= 0 ? 1 : -1)),
        factors: Array.from({ length: K }, (_, k) => Array.from(bi.subarray(k * m, (k + 1) * m), (v) => (v >= 0 ? 1 : -1))),
      },
      projectionNotes: Object.fromEntries(this.projectionNotes),
    };
    if (!input || input.dates.length === 0) return base;
    const D = input.dates.length;
    const selected: number[][] = Array.from({ length: D }, () => []);
    const selAttention: number[][] = Array.from({ length: D }, () => []);
    const contribution: number[][] = Array.from({ length: D }, () => []);
    const holdings: number[] = new Array(D).fill(NaN);
    const maxWeight: number[] = new Array(D).fill(NaN);
    await input.forEachBatch(async (x, c, offset) => {
      const out = tf.tidy(() => {
        const r = this.run(x, c);
        const { di } = this.directions();
        const signed = r.abar.mul(di.expandDims(0)).mean(1); // [B, m] mean over heads of a-bar o d
        const last = K - 1; // the longest head's portfolio
        const wl = r.w.slice([0, 0, last], [-1, -1, 1]).squeeze([2]); // [B, N]
        return [r.gate, r.sel, signed, wl.greater(0).sum(1), wl.max(1)];
      });
      const [g, s, sg, hold, mx] = await Promise.all(out.map((t) => t.data()));
      tf.dispose(out);
      const B = x.shape[0];
      for (let b = 0; b < B; b++) {
        const j = offset + b;
        selected[j] = Array.from(g.subarray(b * m, (b + 1) * m));
        selAttention[j] = Array.from(s.subarray(b * m, (b + 1) * m));
        contribution[j] = Array.from(sg.subarray(b * m, (b + 1) * m));
        holdings[j] = hold[b];
        maxWeight[j] = mx[b];
      }
    });
    return {
      ...base,
      perDate: { dates: input.dates.slice(), selected, selAttention, contribution, holdings, maxWeight },
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
    this.toPanel?.dispose();
    this.pendingIcF?.dispose();
    this.pendingIcF = null;
  }
}

export const e2eaiSpec: ModelSpec = {
  id: 'e2eai',
  name: 'E2EAI (end-to-end active investing)',
  family: 'graph',
  description:
    'E2EAI (Wei, Dai & Lin): one network from factors to portfolio weights, trained on the portfolio return. Factor selection ' +
    "(eq. 1-2): a per-stock softmax over the m factors of an MLP, averaged over the date's stocks; a hard gate keeps the factors with " +
    'attention >= gamma_f / m (relative to the uniform 1/m; at least one is kept), with a straight-through gradient (the ' +
    "MLP's output layer starts at 0, so every factor starts selected and training drops factors); the gate " +
    "multiplies the BatchNorm output of DMFM's context encoder (BatchNorm is scale-invariant, so gating the raw factors " +
    "would give the gate no gradient). Deep multi-factor core (eq. 3-6): DMFM's context encoder, industry and universe GAT " +
    'neutralisation and one deep factor per horizon (k = 3, 5, 10, 15, 20). Directional buffers (Algorithm 1): per epoch, ' +
    'running sums (from 1e-6) of the daily IC of each deep factor and of each original factor with the return, over the ' +
    'training batches seen so far, reset each epoch; their signs d_f and d are the directions (the buffers are saved with the ' +
    'checkpoint and used for prediction). The score is f o d_f (E2E_d); the directional attention estimate f-hat = F (a-bar o d) ' +
    "(eq. 7-8) is the 'fhat' channel (E2E_l), so negative contributions show as negative. Portfolio (eq. 9-10): additive " +
    "attention over the date's stocks from the context and f o d_f, stocks with attention >= gamma_p / n keep weight, renormalised " +
    "to sum to 1 (the 'weight' channel, E2E_auto); cap theta as the penalty sum max(0, w - theta) in training and an exact " +
    'capped-simplex projection at evaluation. Loss (eq. 11): -portfolio return (raw forward returns, percent) + cap penalty + ' +
    'lambda_s (-ICIR) + lambda_f (-factor return, the closed-form cross-sectional slope on the standardised factor) + lambda_e ' +
    '(RMS distance of f o d_f to f-hat). Returns are close-to-close (the paper uses VWAP, which the data lacks). Validate on ' +
    "'portfolio' (the learned weights' mean return).",
  configSchema: schema,
  trainable: true,
  channels: () => [
    { name: 'fhat', kind: 'score', label: 'E2E_l: directional attention estimate F (a-bar o d)', perHorizon: true },
    { name: 'weight', kind: 'weight', label: 'E2E_auto: learned portfolio weights (capped)', perHorizon: true },
  ],
  build: (ctx) => new E2eaiModel(ctx),
};
