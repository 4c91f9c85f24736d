/**
 * EW: the DMFM "EW" baseline (section 4): every factor gets the same weight, no in-sample optimisation.
 *   z[t, n, f] = (x[t, n, f] - mean_n x[t, ., f]) / sd_n x[t, ., f]      (over the date's cross-section)
 *   score[t, n, h] = (1 / F) * sum_f s[f, h] * z[t, n, f]
 * The only thing taken from the training period is each factor's direction: s[f, h] = sign of the mean
 * (over training dates) Pearson IC between factor f and the raw forward return of horizon h (+1 if exactly 0).
 * With signs 'positive' every s = +1 (the factor library's own orientation).
 */
import * as tf from '@tensorflow/tfjs';
import { pearson } from '../../eval/metrics';
import { ParamStore, applyMask, maskedZscore, resolveConfig } from '../common';
import { linear3 } from '../layers/ops';
import { maskedMse } from '../losses';
import type { BuildContext, FitData, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';

const schema = [
  {
    key: 'signs',
    label: 'Factor signs',
    default: 'ic',
    options: ['ic', 'positive'],
    help: "'ic': each factor enters with the sign of its mean IC on the training dates (per horizon); 'positive': all +1.",
  },
];

/** mean over the training dates of the per-date Pearson IC of each factor vs each horizon's forward return -> [F, H] */
export function meanFactorIc(d: FitData): Float64Array {
  const { N, F, H, T } = d;
  const ic = new Float64Array(F * H);
  const cnt = new Float64Array(F * H);
  const col = new Float64Array(N); // the factor over the date's usable stocks
  const y = new Float64Array(N); // their forward returns
  const use = new Int32Array(N); // usable stocks: in the cross-section with a finite forward return
  for (const t of d.dates) {
    for (let h = 0; h < H; h++) {
      let n = 0;
      for (let i = 0; i < N; i++) {
        const r = d.fwd[(h * T + t) * N + i];
        if (d.mask[t * N + i] === 1 && Number.isFinite(r)) {
          use[n] = i;
          y[n] = r;
          n++;
        }
      }
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < n; j++) col[j] = d.x[(t * N + use[j]) * F + f];
        const c = pearson(col, y, n);
        if (Number.isFinite(c)) {
          ic[f * H + h] += c;
          cnt[f * H + h]++;
        }
      }
    }
  }
  for (let i = 0; i < ic.length; i++) ic[i] = cnt[i] > 0 ? ic[i] / cnt[i] : 0;
  return ic;
}

class EwModel implements Model {
  readonly trainable = false;
  private readonly p: ParamStore;
  /** [F, H] s[f, h] / F */
  private readonly weights: tf.Variable;
  private meanIc: Float64Array | null = null;
  private readonly useIc: boolean;
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'ew');
    this.useIc = cfg.signs === 'ic';
    this.p = new ParamStore(ctx.seed);
    const H = ctx.horizons.length;
    this.weights = this.p.add('ew/signs_over_F', [ctx.F, H], new Float32Array(ctx.F * H).fill(1 / ctx.F), false, false);
  }
  fit(d: FitData): void {
    if (!this.useIc) return;
    const ic = meanFactorIc(d);
    this.meanIc = ic;
    const w = new Float32Array(ic.length);
    for (let i = 0; i < ic.length; i++) w[i] = (ic[i] < 0 ? -1 : 1) / this.ctx.F;
    tf.tidy(() => this.weights.assign(tf.tensor2d(w, [this.ctx.F, this.ctx.horizons.length])));
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    // z-score with eps 1e-12: a factor constant on a date contributes exactly 0 (numerator 0)
    return tf.tidy(() => applyMask(linear3(maskedZscore(x, c.mask, 1e-12), this.weights as tf.Tensor2D), c.mask));
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables() {
    return [];
  }
  async extras() {
    const w = await this.weights.data();
    const H = this.ctx.horizons.length;
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    return {
      signs: this.ctx.horizons.map((k, h) => ({
        horizon: k,
        factors: names.map((name, f) => ({
          factor: name,
          sign: Math.sign(w[f * H + h]),
          meanIc: this.meanIc ? this.meanIc[f * H + h] : null,
        })),
      })),
    };
  }
  activationsPerStock() {
    return 2 * this.ctx.F + this.ctx.horizons.length;
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

export const ewSpec: ModelSpec = {
  id: 'ew',
  name: 'EW (equal-weighted)',
  family: 'composite',
  description:
    'Equal-weighted composite (DMFM baseline "EW"): the mean of the cross-sectionally z-scored factors. Nothing is fitted ' +
    "except each factor's direction, the sign of its mean IC over the training dates (per horizon). No training; it shows " +
    'what combining factors gives without data mining.',
  configSchema: schema,
  trainable: false,
  build: (ctx) => new EwModel(ctx),
};
