/**
 * DMFM: the deep multi-factor model of Wei, Dai & Lin, "Factor Investing with a Deep Multi-Factor Model" (section 3).
 * Per date t (batched over B dates; N stocks, m = F input factors, h hidden, K deep-factor heads):
 *   C     = MLP(BatchNorm(F_t))                       [B, N, h]   eq. 1   (layers/context.ts)
 *   H_I   = GAT_industry(C)                           [B, N, h]   eq. 2-3 (layers/gat.ts: time-varying industry graph)
 *   C_I   = C - H_I                                   [B, N, h]   eq. 4   industry-neutral context
 *   H_U   = GAT_universe(C_I)                         [B, N, h]   eq. 5   (all members of the universe)
 *   C_U   = C_I - H_U                                 [B, N, h]   eq. 6   universe-neutral context
 *   f_k   = LeakyReLU(W_k^T (C || C_I || C_U) + b_k)  [B, N, K]   eq. 7-8 one head per horizon k
 *   f-hat_k = F a-bar_k                               [B, N, K]   eq. 9-12 (layers/factor-attention.ts)
 * Loss (eq. 13, section 3.3), per head k, over the B dates of a batch (a batch holds several dates, so ICIR has a spread):
 *   c_k   = mean_t IC_t / sqrt(var_t IC_t + 1e-4)     ICIR of the deep factor, IC_t = Pearson(f_k, label_k) on date t
 *   b_k^t = sum_i z_i y_i / n_t                       factor return: the closed-form cross-sectional regression slope
 *           of the (demeaned, clipped) forward return on the factor's exposure z = standardised f_k (section 3.4's
 *           "local optimizer" solved exactly). In 'percent' units y is the forward return in %, else the z-scored label.
 *   d_k^t = ||f_k - f-hat_k||_2 / sqrt(n_t)           attention-estimate error (RMS over the date's valid stocks)
 *   L     = mean_k [ wEstimate * mean_t d_k^t - wReturn * mean_t b_k^t - wIcir * c_k ]
 * Choices where the paper is silent (all in the help text):
 *  - the exposure is standardised before the regression: b of the raw f is scale-covariant (b(c f) = b(f) / c), so
 *    maximising it would only shrink the factor. The standardised slope is b = IC_t * sd_t(return).
 *  - GAT: one head, LeakyReLU(0.2) logits, no output nonlinearity, W initialised to the identity by default (the
 *    attention vector is random), so the neutralisations start as attention-weighted industry / universe demeaning
 *    (C - weighted group mean; plain demeaning only under uniform attention) and attention learns from there.
 *  - heads: the paper's k = 3, 5, 10, 15, 20 that the panel has ('paper'); other panel horizons (e.g. 1 day) are
 *    scored by the nearest trained head. 'panel' trains one head per panel horizon.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { pearson } from '../../eval/metrics';
import { ParamStore, applyMask, resolveConfig, trainingFields } from '../common';
import { contextEncoder, contextParams, type ContextParams } from '../layers/context';
import { factorAttention } from '../layers/factor-attention';
import { leakyRelu, linear3 } from '../layers/ops';
import { maskedIc } from '../losses';
import { gatFields, gatLayer, gatParams, kernelOf, segmentsOf, type BatchGraph, type GatParams } from '../layers/gat';
import type {
  ChannelOutput,
  BuildContext,
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

/** the deep-factor horizons of the paper (section 3.2, multi-head learning) */
export const PAPER_HORIZONS = [3, 5, 10, 15, 20];
export const HEAD_SLOPE = 0.1;

const schema: ConfigField[] = [
  {
    key: 'hidden',
    label: 'Hidden units',
    default: 64,
    min: 1,
    max: 512,
    step: 1,
    help: 'Width m1 of the stock context C (eq. 1) and of both GATs.',
  },
  {
    key: 'layers',
    label: 'Encoder layers',
    default: 2,
    min: 1,
    max: 4,
    step: 1,
    help: 'Dense + LeakyReLU layers of the context encoder MLP (eq. 1).',
  },
  {
    key: 'horizonSet',
    label: 'Deep factor heads',
    default: 'paper',
    options: ['paper', 'panel'],
    help: "'paper': one head per horizon of k = 3, 5, 10, 15, 20 that the panel has (other panel horizons are scored by the nearest head); 'panel': one head per panel horizon.",
  },
  {
    key: 'wIcir',
    label: 'Weight: ICIR',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of -c_k: the ICIR (mean / sd of the per-date IC) of each deep factor over the dates of a batch. Rewards stable predictive power.',
  },
  {
    key: 'wReturn',
    label: 'Weight: factor return',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of -b_k^t: the factor return, the slope of the cross-sectional regression of the forward return on the standardised deep factor (closed form), averaged over dates. Rewards large payoffs.',
  },
  {
    key: 'wEstimate',
    label: 'Weight: attention estimate',
    default: 1,
    min: 0,
    max: 100,
    step: 0.1,
    help: 'Weight of d_k^t = ||f_k - f-hat_k||_2 / sqrt(n): how far the deep factor is from its attention estimate F a-bar_k. It trains the factor attention (whose weights nothing else touches) and pulls the deep factor towards an explainable mix of the inputs.',
  },
  {
    key: 'returnUnits',
    label: 'Factor return units',
    default: 'percent',
    options: ['percent', 'zscore'],
    help: "'percent': b is in % of forward return per 1 sd of factor exposure (the label times its per-date sd: winsorised, demeaned returns); 'zscore': b is measured on the standardised label (then b is about the IC).",
  },
  ...gatFields,
  ...trainingFields,
];

/** Head index per panel horizon: the trained horizon itself, else the nearest trained one (ties: the shorter). */
export function headPlan(horizons: number[], set: 'paper' | 'panel'): { trained: number[]; trainedIdx: number[]; headOf: number[] } {
  let trainedIdx = horizons.map((_, i) => i);
  if (set === 'paper') {
    const inPaper = trainedIdx.filter((i) => PAPER_HORIZONS.includes(horizons[i]));
    if (inPaper.length) trainedIdx = inPaper;
  }
  const trained = trainedIdx.map((i) => horizons[i]);
  const headOf = horizons.map((k) => {
    let best = 0;
    for (let j = 1; j < trained.length; j++) if (Math.abs(trained[j] - k) < Math.abs(trained[best] - k)) best = j;
    return best;
  });
  return { trained, trainedIdx, headOf };
}

export interface DmfmLossOptions {
  /** horizons of the K heads (term names) */
  horizons: number[];
  /** panel horizon index of each head, to pick label columns (identity when the heads are the panel's horizons) */
  labelIdx: number[];
  wIcir: number;
  wReturn: number;
  wEstimate: number;
  units: 'percent' | 'zscore';
}

const IC_EPS = 1e-8,
  ICIR_EPS = 1e-4,
  D_EPS = 1e-8;

/**
 * DMFM loss (eq. 13) from the deep factors f [B, N, K], their attention estimates fhat [B, N, K] and the cross-section
 * mask [B, N]. Terms per head: negicir_hK (-c_k), negret_hK (-mean_t b_k^t), est_hK (mean_t d_k^t), unweighted.
 */
export function dmfmLoss(f: tf.Tensor3D, fhat: tf.Tensor3D, mask: tf.Tensor2D, target: LossTarget, o: DmfmLossOptions): LossResult {
  const K = o.horizons.length,
    H = target.y.shape[2];
  const parts = tf.tidy(() => {
    const ident = K === H && o.labelIdx.every((v, i) => v === i);
    const pick = <T extends tf.Tensor>(a: T, axis: number) => (ident ? a : (tf.gather(a, o.labelIdx, axis) as T));
    const y = pick(target.y, 2),
      m = pick(target.mask, 2); // [B, N, K]
    // per-date IC_t of f_k (the moments of f and y over the labelled stocks, reused by b below)
    const { cnt, c1, sxx: sff, sxy: sfy, ic } = maskedIc(f, y, m, IC_EPS); // [B, K]
    const w = cnt.greaterEqual(2).toFloat(); // [B, K] dates with a cross-section
    const nw = w.sum(0).maximum(1); // [K]
    // c_k: ICIR over the batch's dates
    const icMean = ic.mul(w).sum(0).div(nw); // [K]
    const icVar = ic.sub(icMean).square().mul(w).sum(0).div(nw); // [K]
    const icir = icMean.div(icVar.add(ICIR_EPS).sqrt()); // [K]
    // b_k^t: slope of y on the standardised exposure z = fc / sd(fc):  b = sum z y / n = sfy / (n sd(fc))
    let b = sfy.div(c1.mul(sff.div(c1).add(IC_EPS).sqrt())); // [B, K] in label sd units
    if (o.units === 'percent') {
      if (!target.scale)
        throw new LabError(
          'DMFM: factor return in percent needs the label scale per date (LossTarget.scale).',
          "Set 'Factor return units' to 'zscore' or train through the shared loop.",
        );
      b = b.mul(pick(target.scale, 1)).mul(100);
    }
    const bMean = b.mul(w).sum(0).div(nw); // [K]
    // d_k^t: RMS distance to the attention estimate over the date's valid stocks
    const mv = mask.expandDims(2); // [B, N, 1]
    const nv = mask.sum(1, true); // [B, 1]
    const d = f.sub(fhat).mul(mv).square().sum(1).div(nv.maximum(1)).add(D_EPS).sqrt(); // [B, K]
    const wd = nv.greaterEqual(1).toFloat(); // [B, 1]
    const dMean = d.mul(wd).sum(0).div(wd.sum().maximum(1)); // [K]
    const total = dMean.mul(o.wEstimate).sub(bMean.mul(o.wReturn)).sub(icir.mul(o.wIcir)).mean() as tf.Scalar;
    return { total, icir, bMean, dMean };
  });
  const terms: Record<string, tf.Scalar> = {};
  const ci = tf.unstack(parts.icir.neg()),
    bi = tf.unstack(parts.bMean.neg()),
    di = tf.unstack(parts.dMean);
  o.horizons.forEach((k, i) => {
    terms[`negicir_h${k}`] = ci[i] as tf.Scalar;
    terms[`negret_h${k}`] = bi[i] as tf.Scalar;
    terms[`est_h${k}`] = di[i] as tf.Scalar;
  });
  tf.dispose([parts.icir, parts.bMean, parts.dMean]);
  return { total: parts.total, terms };
}

class DmfmModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  private readonly enc: ContextParams;
  private readonly gatI: GatParams;
  private readonly gatU: GatParams;
  private readonly head: { w: tf.Variable; b: tf.Variable };
  private readonly attn: { w: tf.Variable; b: tf.Variable };
  private readonly cfg: Record<string, number | string | boolean>;
  private readonly plan: ReturnType<typeof headPlan>;
  /** [K, H] 0/1: scores = f @ P (panel horizon h scored by head headOf[h]); null when the heads are the horizons */
  private readonly toPanel: tf.Tensor2D | null;
  private readonly hidden: number;
  constructor(private readonly ctx: BuildContext) {
    this.cfg = resolveConfig(schema, ctx.config, 'dmfm');
    this.hidden = Number(this.cfg.hidden);
    const h = this.hidden,
      F = ctx.F;
    this.plan = headPlan(ctx.horizons, this.cfg.horizonSet as 'paper' | 'panel');
    const K = this.plan.trained.length,
      H = ctx.horizons.length;
    this.p = new ParamStore(ctx.seed);
    this.enc = contextParams(this.p, F, h, Number(this.cfg.layers));
    this.gatI = gatParams(this.p, 'gat_industry', h, String(this.cfg.gatInit));
    this.gatU = gatParams(this.p, 'gat_universe', h, String(this.cfg.gatInit));
    this.head = this.p.dense('deep_factor_heads', 3 * h, K); // W_k stacked: [3h, K] (eq. 8)
    this.attn = this.p.dense('factor_attention', F, K * F); // W_{a,k} stacked: [m, K m] (eq. 9)
    const ident = K === H && this.plan.headOf.every((v, i) => v === i);
    this.toPanel = ident
      ? null
      : tf.tensor2d(
          Float32Array.from({ length: K * H }, (_, q) => (this.plan.headOf[q % H] === Math.floor(q / H) ? 1 : 0)),
          [K, H],
        );
  }

  /** f [B, N, K], f-hat [B, N, K], a-bar [B, K, m] and the scores [B, N, H] of one batch */
  private run(x: tf.Tensor3D, c: ForwardContext) {
    return tf.tidy(() => {
      const kernel = kernelOf(this.cfg);
      const C = contextEncoder(x, c.mask, this.enc); // [B, N, h]  eq. 1
      const gI: BatchGraph = { kind: 'industry', mask: c.mask, industry: c.industry };
      const gU: BatchGraph = { kind: 'universe', mask: c.mask };
      const graphs = kernel === 'sorted' ? [segmentsOf(gI), segmentsOf(gU)] : [undefined, undefined];
      const HI = gatLayer(C, this.gatI, gI, kernel, graphs[0]).h; // [B, N, h]  eq. 3
      const CI = C.sub(HI) as tf.Tensor3D; // [B, N, h]  eq. 4
      const HU = gatLayer(CI, this.gatU, gU, kernel, graphs[1]).h; // [B, N, h]  eq. 5
      const CU = CI.sub(HU) as tf.Tensor3D; // [B, N, h]  eq. 6
      // W_k^T (C || C_I || C_U) as three matMuls with the row blocks of W [3h, K] (no [B, N, 3h] concat: slow on wasm)
      const h = this.hidden,
        K = this.plan.trained.length;
      const wk = (i: number) => this.head.w.slice([i * h, 0], [h, K]) as tf.Tensor2D; // [h, K]
      const pre = linear3(C, wk(0), this.head.b as tf.Tensor1D)
        .add(linear3(CI, wk(1)))
        .add(linear3(CU, wk(2))) as tf.Tensor3D; // [B, N, K]
      const f = applyMask(leakyRelu(pre, HEAD_SLOPE), c.mask); // [B, N, K]  eq. 8
      const fa = factorAttention(x, c.mask, this.attn.w as tf.Tensor2D, this.attn.b as tf.Tensor1D, K); // eq. 9-12
      const scores = this.toPanel ? linear3(f, this.toPanel) : f; // [B, N, H]
      return { scores, f, fhat: fa.fhat, abar: fa.abar };
    });
  }

  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => this.run(x, c).scores);
  }
  /** scores and the attention-estimate channel 'fhat': f-hat_k = F a-bar_k (eq. 12) of each panel horizon's head [B, N, H] */
  forwardChannels(x: tf.Tensor3D, c: ForwardContext): ChannelOutput {
    // called inside tf.tidy by the loop's predictAll, which frees f, a-bar and the unmapped f-hat (scores may be f
    // itself when the heads are the panel horizons: nothing here disposes a tensor it returns)
    const r = this.run(x, c);
    const fhat = applyMask(this.toPanel ? linear3(r.fhat, this.toPanel) : r.fhat, c.mask); // [B, N, H]
    return { scores: r.scores, channels: { fhat } };
  }
  forwardAux(x: tf.Tensor3D, c: ForwardContext): { scores: tf.Tensor3D; aux: ForwardAux } {
    const r = this.run(x, c);
    return { scores: r.scores, aux: { f: r.f, fhat: r.fhat, abar: r.abar, mask: c.mask } };
  }
  /** DMFM eq. 13 on the deep factors in `aux` (the scores are those factors mapped to the panel horizons) */
  loss(_scores: tf.Tensor3D, target: LossTarget, aux?: ForwardAux): LossResult {
    if (!aux?.f || !aux.fhat || !aux.mask)
      throw new LabError(
        'DMFM: the loss needs the deep factors and their attention estimates from forwardAux of the same batch.',
        'Train DMFM through the shared loop (src/train/loop.ts), which calls forwardAux.',
      );
    return dmfmLoss(aux.f as tf.Tensor3D, aux.fhat as tf.Tensor3D, aux.mask as tf.Tensor2D, target, {
      horizons: this.plan.trained,
      labelIdx: this.plan.trainedIdx,
      wIcir: Number(this.cfg.wIcir),
      wReturn: Number(this.cfg.wReturn),
      wEstimate: Number(this.cfg.wEstimate),
      units: this.cfg.returnUnits === 'zscore' ? 'zscore' : 'percent',
    });
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
    // encoder, two GATs (z, H, C - H), heads, factor attention logits / softmax; the dense kernel adds [N, N] rows (N ~ 400)
    return (
      3 * F + 2 * Number(this.cfg.layers) * h + 2 * 4 * h + 3 * h + 2 * K + 3 * K * F + (kernelOf(this.cfg) === 'dense' ? 2 * 3 * 400 : 0)
    );
  }

  /**
   * Parameters and head plan; with `input`, over its dates: the mean attention a-bar per head and factor (and factor
   * group: sum and mean of its factors' weights) and the per-date correlation of f_k with f-hat_k (faithfulness). The
   * f-hat scores themselves leave through the 'fhat' output channel (forwardChannels), evaluated by the runner.
   */
  async extras(input?: ExtrasInput): Promise<Record<string, unknown>> {
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    const fgroups = this.ctx.factorGroups ?? names.map(() => 'all');
    const base: Record<string, unknown> = {
      parameters: this.p.count(),
      horizons: this.plan.trained.slice(),
      headOfHorizon: Object.fromEntries(this.ctx.horizons.map((k, i) => [String(k), this.plan.trained[this.plan.headOf[i]]])),
      kernel: kernelOf(this.cfg),
    };
    if (!input || input.dates.length === 0) return base;
    const K = this.plan.trained.length,
      m = this.ctx.F,
      D = input.dates.length;
    const abarSum = new Float64Array(K * m);
    let abarDates = 0,
      N = 0;
    const corr = Array.from({ length: K }, () => new Float64Array(D).fill(NaN));
    await input.forEachBatch(async (x, c, offset) => {
      const r = tf.tidy(() => {
        const o = this.run(x, c);
        return [o.abar, o.f, o.fhat];
      });
      const [ab, fv, fh, mv] = await Promise.all([r[0].data(), r[1].data(), r[2].data(), c.mask.data()]);
      tf.dispose(r);
      const B = x.shape[0];
      if (!N) N = x.shape[1];
      for (let b = 0; b < B; b++) {
        const idx: number[] = [];
        for (let n = 0; n < N; n++) if (mv[b * N + n]) idx.push(n);
        if (idx.length === 0) continue;
        abarDates++;
        for (let q = 0; q < K * m; q++) abarSum[q] += ab[b * K * m + q];
        for (let k = 0; k < K; k++) {
          const fa = new Float64Array(idx.length),
            fb = new Float64Array(idx.length);
          idx.forEach((n, j) => {
            fa[j] = fv[(b * N + n) * K + k];
            fb[j] = fh[(b * N + n) * K + k];
          });
          corr[k][offset + b] = pearson(fa, fb);
        }
      }
    });
    const groups = [...new Set(fgroups)];
    const weights = Array.from({ length: K }, (_, k) =>
      Array.from({ length: m }, (_, f) => (abarDates ? abarSum[k * m + f] / abarDates : NaN)),
    );
    const groupSum = weights.map((w) => groups.map((g) => w.reduce((s, v, f) => s + (fgroups[f] === g ? v : 0), 0)));
    const groupSize = groups.map((g) => fgroups.filter((x) => x === g).length);
    const stats = (a: Float64Array) => {
      const v = Array.from(a).filter(Number.isFinite);
      const mean = v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
      const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, v.length));
      return { mean: v.length ? mean : NaN, sd: v.length ? sd : NaN, dates: v.length };
    };
    return {
      ...base,
      attention: {
        dates: abarDates,
        start: input.dates[0],
        end: input.dates[D - 1],
        factors: names.slice(),
        factorGroups: fgroups.slice(),
        groups,
        /** [K][m] mean over dates of a-bar_k (each row sums to 1) */
        weights,
        /** [K][G] sum of a group's factor weights (rows sum to 1) and their mean per factor */
        groupWeights: groupSum,
        groupMeanWeights: groupSum.map((row) => row.map((v, g) => v / groupSize[g])),
      },
      /** per head: Pearson correlation of f_k and f-hat_k over each date's stocks, mean and sd over dates */
      faithfulness: this.plan.trained.map((k, i) => {
        const st = stats(corr[i]);
        return { horizon: k, corr: st.mean, corrSd: st.sd, dates: st.dates, perDate: Array.from(corr[i]) };
      }),
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
  }
}

export const dmfmSpec: ModelSpec = {
  id: 'dmfm',
  name: 'DMFM (deep multi-factor model)',
  family: 'graph',
  description:
    "DMFM (Wei, Dai & Lin): stock context C = MLP(BatchNorm(F)) (eq. 1; BatchNorm over a date's stocks is the per-date " +
    "z-score, re-taken over the run's universe, with a learned scale and shift); a graph attention network over the " +
    "date's industry graph (same industry among the universe's valid stocks; every stock also attends to itself, so one alone " +
    'in its industry keeps its own context) gives the industry influence H_I and the industry-neutral context C_I = C - H_I ' +
    '(eq. 2-4); a second GAT over all members gives H_U and the universe-neutral context C_U = C_I - H_U (eq. 5-6). One head ' +
    'per horizon (k = 3, 5, 10, 15, 20 where the panel has them) turns C || C_I || C_U into a deep factor f_k = LeakyReLU(W_k (C || C_I || C_U)) ' +
    '(eq. 7-8). Factor attention (eq. 9-12): per stock a softmax over the m input factors of LeakyReLU(F W_a,k + b) ' +
    "(W_a,k is m x m: the paper's n x n cannot produce the n x m attention it normalises), averaged over stocks into " +
    'a-bar_k; the attention estimate f-hat_k = F a-bar_k says which inputs the deep factor is made of. Loss (eq. 13), per ' +
    'head over the dates of a batch: minus the ICIR of the deep factor (mean / sd of its daily IC: stability), minus the ' +
    'factor return b (closed-form slope of the forward return on the standardised factor: payoff), plus the RMS distance ' +
    'between f_k and f-hat_k (explainability); the three weights are settings. Use several dates per step (ICIR needs a spread).',
  configSchema: schema,
  trainable: true,
  channels: () => [{ name: 'fhat', kind: 'score', label: 'attention estimate f-hat = F a-bar', perHorizon: true }],
  build: (ctx) => new DmfmModel(ctx),
};
