/**
 * Pooled linear regression with an intercept, the Deep Factor Model paper's "Linear Model" (section 4.2, Table 2:
 * scikit-learn LinearRegression, fitted on the stacked (month, stock) rows of the 60-month window), with an optional
 * ridge penalty (lambda = 0: ordinary least squares).
 *   y = x . w + b;   w = (Xc'Xc + lambda * n * I)^-1 Xc'yc,   b = mean(y) - mean(x) . w
 * Xc, yc: rows centred by their pooled means (so the intercept is not penalised). Unlike the lab's 'linear' model
 * there is no per-date demeaning: the intercept carries the average return level, which MAE / RMSE against raw returns
 * need. Solved in float64 (Cholesky). One learned horizon; its prediction fills every head.
 * Weight names: ridge/kernel [F, 1], ridge/bias [1] (a one-layer network for LRP: relevance_f = w_f x_f, bias b).
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, applyMask, resolveConfig } from '../common';
import { linear3 } from '../layers/ops';
import { choleskySolve, collinearityCulprits } from '../linalg';
import { maskedMse } from '../losses';
import { horizonIndex, trainingRows } from './tabular';
import type { BuildContext, ConfigField, FitData, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';
import { denseLayer, weightMap } from '../lrp-net';

const schema: ConfigField[] = [
  {
    key: 'lambda',
    label: 'Ridge lambda',
    default: 0,
    min: 0,
    max: 100,
    step: 0.0001,
    help: 'Penalty lambda * n * |w|^2 (n = rows); 0 = ordinary least squares (scikit-learn LinearRegression).',
  },
  {
    key: 'horizon',
    label: 'Label horizon',
    default: 20,
    min: 1,
    max: 260,
    step: 1,
    help: 'Trading days of the forward return it predicts; must be a panel horizon.',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'raw',
    options: ['raw', 'zscore'],
    help: "'raw': the forward return (winsorised per date); 'zscore': the per-date standardised return.",
  },
];

/** Pooled OLS / ridge with intercept on rows X [M][F], y [M]: returns w [F] and b (float64). */
export function fitOlsIntercept(X: number[][], y: number[], lambda: number, names?: string[]): { w: Float64Array; b: number } {
  const M = X.length,
    F = X[0].length;
  const mx = new Float64Array(F);
  let my = 0;
  for (let i = 0; i < M; i++) {
    my += y[i];
    for (let f = 0; f < F; f++) mx[f] += X[i][f];
  }
  my /= M;
  for (let f = 0; f < F; f++) mx[f] /= M;
  const A = new Float64Array(F * F),
    c = new Float64Array(F),
    xc = new Float64Array(F);
  for (let i = 0; i < M; i++) {
    for (let f = 0; f < F; f++) xc[f] = X[i][f] - mx[f];
    const yi = y[i] - my;
    for (let f = 0; f < F; f++) {
      c[f] += xc[f] * yi;
      for (let g = f; g < F; g++) A[f * F + g] += xc[f] * xc[g];
    }
  }
  for (let f = 0; f < F; f++) {
    for (let g = 0; g < f; g++) A[f * F + g] = A[g * F + f];
    A[f * F + f] += lambda * M;
  }
  const w = choleskySolve(A, c, F);
  if (!w) {
    // name the cause (issue 16): a factor with no variation on these rows, or two that are the same up to scale
    const why = collinearityCulprits(A, F, names);
    throw new LabError(
      `Linear (pooled OLS): the ${F} factors are collinear on the ${M} training rows (X'X is singular)${why ? `: ${why}` : ''}.`,
      why
        ? 'Drop the named factors (Data panel, factor groups), fix the data, or set a ridge lambda > 0 (e.g. 0.001).'
        : 'Set a ridge lambda > 0 (e.g. 0.001) or drop duplicated factors; with many split groups, each training window may have too few dates.',
    );
  }
  let b = my;
  for (let f = 0; f < F; f++) b -= mx[f] * w[f];
  return { w, b };
}

class RidgeModel implements Model {
  readonly trainable = false;
  private readonly p: ParamStore;
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;
  private readonly hIdx: number;
  private readonly lambda: number;
  private rows = 0;
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'ridge');
    this.hIdx = horizonIndex(ctx, Number(cfg.horizon), 'Linear (pooled OLS)');
    this.lambda = Number(cfg.lambda);
    this.p = new ParamStore(ctx.seed);
    this.w = this.p.add('ridge/kernel', [ctx.F, 1], new Float32Array(ctx.F), false, false);
    this.b = this.p.add('ridge/bias', [1], new Float32Array(1), false, false);
  }
  fit(d: FitData): void {
    const { X, y } = trainingRows(d, this.hIdx, 0, this.ctx.seed);
    if (X.length <= this.ctx.F)
      throw new LabError(
        `Linear (pooled OLS): ${X.length} labelled rows on ${d.dates.length} training dates; need more than ${this.ctx.F} (the number of factors).`,
        'Use a longer training window or fewer factors.',
      );
    const { w, b } = fitOlsIntercept(X, y, this.lambda, this.ctx.factorNames);
    this.rows = X.length;
    tf.tidy(() => {
      this.w.assign(tf.tensor2d(Float32Array.from(w), [this.ctx.F, 1]));
      this.b.assign(tf.tensor1d([b]));
    });
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() =>
      applyMask(tf.tile(linear3(x, this.w as tf.Tensor2D, this.b as tf.Tensor1D), [1, 1, this.ctx.horizons.length]) as tf.Tensor3D, c.mask),
    );
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables(): tf.Variable[] {
    return [];
  }
  activationsPerStock() {
    return this.ctx.F + this.ctx.horizons.length;
  }
  async extras() {
    const [w, b] = await Promise.all([this.w.data(), this.b.data()]);
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    return { intercept: b[0], coefficients: names.map((factor, f) => ({ factor, w: w[f] })), rows: this.rows };
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

export const ridgeSpec: ModelSpec = {
  id: 'ridge',
  explain: 'lrp',
  lrpNetwork: (weights) => ({
    net: { layers: [denseLayer(weightMap(weights), 'ridge', 'ridge', 'linear')] },
    output: 0,
    note: 'one linear layer: relevance = w * x, the intercept is the bias term',
  }),
  name: 'Linear (pooled OLS)',
  family: 'linear',
  description:
    'Pooled linear regression with an intercept on the stacked (date, stock) rows of the training window, the Deep Factor ' +
    'Model paper\'s "Linear Model" (scikit-learn LinearRegression); ridge penalty optional. Predicts the raw 20-day forward ' +
    'return, level included (the lab\'s "linear" model demeans per date and has no intercept).',
  configSchema: schema,
  trainable: false,
  build: (ctx) => new RidgeModel(ctx),
};
