/**
 * Linear: the DMFM "Linear" baseline (section 4): one weight per input factor, per horizon.
 *   score[t, n, h] = sum_f x[t, n, f] * w[f, h] + b[h]
 * Two solvers for the same layer:
 *  - 'ols' (default): exact closed-form pooled cross-sectional regression on the training dates. Each date's
 *    factors and labels are demeaned over that date's cross-section (date fixed effects: the level of the
 *    market return on a date says nothing about the ranking), then
 *      w_h = (X'X + lambda * n * I)^-1 X'y_h          (ridge; lambda = 0 is OLS; n = pooled observations)
 *    accumulated and solved in float64. b = 0 (not identified after demeaning, irrelevant to ranking).
 *  - 'gd': the same layer trained by the shared loop (Adam, masked MSE to the standardised label).
 * Target: 'zscore' regresses the standardised label the neural models see; 'raw' the forward return itself.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, applyMask, resolveConfig, trainingFields } from '../common';
import { linear3 } from '../layers/ops';
import { choleskySolve, collinearityCulprits } from '../linalg';
import { maskedMse } from '../losses';
import type { BuildContext, FitData, ForwardContext, LossTarget, Model, ModelSpec } from '../types';
import { denseLayer, weightMap } from '../lrp-net';

const schema = [
  {
    key: 'solver',
    label: 'Solver',
    default: 'ols',
    options: ['ols', 'gd'],
    help: "'ols': exact closed-form pooled regression (ridge if lambda > 0) on the training dates; 'gd': the same linear layer trained by Adam on the masked MSE.",
  },
  {
    key: 'lambda',
    label: 'Ridge lambda',
    default: 0,
    min: 0,
    max: 100,
    step: 0.001,
    help: "Ridge penalty for the closed form: solves (X'X + lambda * n * I) w = X'y, n = number of pooled observations.",
  },
  {
    key: 'target',
    label: 'Target',
    default: 'zscore',
    options: ['zscore', 'raw'],
    help: "'zscore': the cross-sectionally standardised, clipped label (as the neural models); 'raw': the forward return, demeaned per date.",
  },
  ...trainingFields,
];

/**
 * Pooled cross-sectional OLS/ridge per horizon, demeaned per date; returns w [F, H] (row-major).
 * Per date, the demeaned X'X is computed once for every run of horizons that share the same labelled stocks
 * (the usual case: all of them), then added to each horizon's normal equations.
 */
export function fitPooledOls(d: FitData, target: 'zscore' | 'raw', lambda: number, names?: string[]): { w: Float64Array; nObs: number[] } {
  const { N, F, H, T } = d;
  const XtX = Array.from({ length: H }, () => new Float64Array(F * F));
  const Xty = Array.from({ length: H }, () => new Float64Array(F));
  const nObs = new Array<number>(H).fill(0);
  const xc = new Float64Array(N * F); // one date's demeaned factors [N, F]
  const y = new Float64Array(N * H); // labels [N, H]
  const use = new Uint8Array(N * H);
  const dXtX = new Float64Array(F * F);
  const mx = new Float64Array(F);
  let lastUse: Uint8Array | null = null;
  for (const t of d.dates) {
    for (let i = 0; i < N; i++) {
      for (let h = 0; h < H; h++) {
        const v = target === 'raw' ? d.fwd[(h * T + t) * N + i] : d.target[(t * N + i) * H + h];
        const ok = d.mask[t * N + i] === 1 && d.targetMask[(t * N + i) * H + h] === 1 && Number.isFinite(v);
        use[i * H + h] = ok ? 1 : 0;
        y[i * H + h] = ok ? v : 0;
      }
    }
    lastUse = null;
    for (let h = 0; h < H; h++) {
      let same = lastUse !== null;
      for (let i = 0; same && i < N; i++) same = use[i * H + h] === lastUse![i];
      let cnt = 0;
      for (let i = 0; i < N; i++) cnt += use[i * H + h];
      if (cnt < 2) continue;
      if (!same) {
        // demeaned factors and their X'X over this horizon's labelled stocks (upper triangle)
        mx.fill(0);
        for (let i = 0; i < N; i++) if (use[i * H + h]) for (let f = 0; f < F; f++) mx[f] += d.x[(t * N + i) * F + f];
        for (let f = 0; f < F; f++) mx[f] /= cnt;
        dXtX.fill(0);
        for (let i = 0; i < N; i++) {
          if (!use[i * H + h]) continue;
          const o = i * F;
          for (let f = 0; f < F; f++) xc[o + f] = d.x[(t * N + i) * F + f] - mx[f];
          for (let f = 0; f < F; f++) {
            const a = xc[o + f];
            const row = f * F;
            for (let g = f; g < F; g++) dXtX[row + g] += a * xc[o + g];
          }
        }
        lastUse = new Uint8Array(N);
        for (let i = 0; i < N; i++) lastUse[i] = use[i * H + h];
      }
      let my = 0;
      for (let i = 0; i < N; i++) if (use[i * H + h]) my += y[i * H + h];
      my /= cnt;
      const A = XtX[h],
        b = Xty[h];
      for (let k = 0; k < F * F; k++) A[k] += dXtX[k];
      for (let i = 0; i < N; i++) {
        if (!use[i * H + h]) continue;
        const yi = y[i * H + h] - my;
        for (let f = 0; f < F; f++) b[f] += xc[i * F + f] * yi;
      }
      nObs[h] += cnt;
    }
  }
  const w = new Float64Array(F * H);
  for (let h = 0; h < H; h++) {
    const A = XtX[h],
      n = nObs[h];
    for (let f = 0; f < F; f++) for (let g = 0; g < f; g++) A[f * F + g] = A[g * F + f];
    for (let f = 0; f < F; f++) A[f * F + f] += lambda * n;
    if (n < F + 1)
      throw new LabError(
        `Linear: only ${n} labelled (date, stock) observations for horizon ${d.horizons[h]} on ${d.dates.length} training dates; need more than ${F} (the number of factors).`,
        'Use a longer training window or fewer factors.',
      );
    const sol = choleskySolve(A, Xty[h], F);
    if (!sol) {
      const why = collinearityCulprits(A, F, names);
      throw new LabError(
        `Linear: the factors are collinear on the training dates (X'X of ${F} factors is singular, ${n} observations)${why ? `: ${why}` : ''}.`,
        why
          ? 'Drop the named factors (Data panel, factor groups), fix the data, or set a ridge lambda > 0 (e.g. 0.001).'
          : 'Set a ridge lambda > 0 (e.g. 0.001) or drop duplicated factors; with many split groups, each training window may have too few dates.',
      );
    }
    for (let f = 0; f < F; f++) w[f * H + h] = sol[f];
  }
  return { w, nObs };
}

class LinearModel implements Model {
  readonly trainable: boolean;
  private readonly p: ParamStore;
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;
  private readonly cfg: Record<string, number | string | boolean>;
  private nObs: number[] = [];
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'linear');
    this.trainable = cfg.solver === 'gd';
    this.cfg = cfg;
    this.p = new ParamStore(ctx.seed);
    const H = ctx.horizons.length;
    ({ w: this.w, b: this.b } = this.p.dense('linear', ctx.F, H));
  }

  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => applyMask(linear3(x, this.w as tf.Tensor2D, this.b as tf.Tensor1D), c.mask));
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables() {
    return this.trainable ? this.p.variables() : [];
  }
  decayed() {
    return this.trainable ? this.p.decayed() : [];
  }
  fit(d: FitData): void {
    if (this.trainable) return; // 'gd' is trained by the loop
    const { w, nObs } = fitPooledOls(d, this.cfg.target as 'zscore' | 'raw', Number(this.cfg.lambda), this.ctx.factorNames);
    this.nObs = nObs;
    tf.tidy(() => {
      this.w.assign(tf.tensor2d(Float32Array.from(w), [this.ctx.F, this.ctx.horizons.length]));
      this.b.assign(tf.zeros([this.ctx.horizons.length]));
    });
  }
  async extras() {
    const w = await this.w.data();
    const H = this.ctx.horizons.length;
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    return {
      coefficients: this.ctx.horizons.map((k, h) => ({ horizon: k, weights: names.map((name, f) => ({ factor: name, w: w[f * H + h] })) })),
      observations: this.nObs,
    };
  }
  activationsPerStock() {
    return this.ctx.F + this.ctx.horizons.length;
  }
  getWeights() {
    return this.p.getWeights();
  }
  setWeights(w: Parameters<Model['setWeights']>[0]) {
    this.p.setWeights(w);
  }
  dispose() {
    this.p.dispose();
  }
}

export const linearSpec: ModelSpec = {
  id: 'linear',
  explain: 'lrp',
  lrpNetwork: (weights, _cs, head) => ({
    net: { layers: [denseLayer(weightMap(weights), 'linear', 'linear', 'linear')] },
    output: head,
    note: 'one linear layer: relevance = w * x, the bias is the bias term',
  }),
  name: 'Linear',
  family: 'linear',
  description:
    'Linear multi-factor model (DMFM baseline "Linear"): one weight per factor and horizon. Default solver: exact pooled ' +
    'cross-sectional OLS on the training dates (factors and labels demeaned per date), optional ridge penalty; ' +
    "solver 'gd' trains the same layer with Adam on the masked MSE instead. No validation-based early stopping for the closed form.",
  configSchema: schema,
  trainable: false,
  build: (ctx) => new LinearModel(ctx),
};
