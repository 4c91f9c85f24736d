/**
 * Shared pieces for models: config resolution, seeded parameters (Glorot init, ParamStore), masked cross-sectional
 * statistics. The dense layer itself (x @ w + b on every stock of every date, with its fast gradients) is
 * `linear3` in layers/ops.ts; the BatchNorm + Dense encoder is layers/context.ts.
 * Weights are drawn in JS with makeRng(seed) and uploaded, so the same seed gives bit-identical initial
 * weights on every backend (tfjs' own initialisers draw on the backend and differ between them).
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng, type Rng } from '../core/rng';
import { LabError } from '../core/errors';
import type { ConfigField, NamedWeight } from './types';

export { resolveConfig } from './config';

/** Hyper-parameters of the shared training loop; every gradient-trained model appends these to its schema. */
export const trainingFields: ConfigField[] = [
  {
    key: 'epochs',
    label: 'Max epochs',
    default: 30,
    min: 1,
    max: 500,
    step: 1,
    help: 'Upper bound on passes over the training dates; early stopping usually ends sooner.',
  },
  {
    key: 'lr',
    label: 'Learning rate',
    default: 0.001,
    min: 1e-5,
    max: 0.1,
    step: 0.0001,
    help: 'Adam step size (beta1 0.9, beta2 0.999, epsilon 1e-7 on every backend).',
  },
  {
    key: 'batchDates',
    label: 'Dates per step',
    default: 16,
    min: 1,
    max: 256,
    step: 1,
    help: 'Trading days (whole cross-sections) in one optimiser step; a last batch of an epoch with fewer than 4 dates (or fewer than this, if smaller) joins the batch before it.',
  },
  {
    key: 'patience',
    label: 'Patience',
    default: 5,
    min: 1,
    max: 100,
    step: 1,
    help: 'Stop after this many epochs without a better validation metric; the best epoch is restored.',
  },
  {
    key: 'weightDecay',
    label: 'L2 penalty',
    default: 0,
    min: 0,
    max: 1,
    step: 0.0001,
    help: 'Adds weightDecay * sum(w^2) over weight matrices (not biases) to the loss, as the term "l2".',
  },
  {
    key: 'valMetric',
    label: 'Validation metric',
    default: 'rank_ic',
    options: ['rank_ic', 'ic'],
    help: 'Mean (rank) IC of the score vs the evaluated horizon on validation dates; drives early stopping.',
  },
];

/** Glorot/Xavier uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * lim;
  return v;
}

/** Named tfjs variables with JS-side seeded initial values; getWeights/setWeights/dispose for free. */
export class ParamStore {
  readonly rng: Rng;
  private readonly vars: { name: string; v: tf.Variable; decay: boolean }[] = [];
  constructor(seed: number) {
    this.rng = makeRng(seed);
  }

  /** add a variable; `decay` marks weight matrices for the L2 penalty */
  add(name: string, shape: number[], values: Float32Array, decay = false, trainable = true): tf.Variable {
    // no tfjs name: tfjs variable names are global and must be unique across model instances
    // tf.variable shares the initial tensor's data and takes a reference of its own: dispose the initial tensor, or
    // every model build leaks one tensor per variable (the conformance test counts them)
    const init = tf.tensor(values, shape, 'float32');
    const v = tf.variable(init, trainable);
    init.dispose();
    this.vars.push({ name, v, decay });
    return v;
  }
  /** weight matrix [fanIn, fanOut], Glorot-uniform from the seeded stream */
  dense(name: string, fanIn: number, fanOut: number): { w: tf.Variable; b: tf.Variable } {
    const w = this.add(`${name}/kernel`, [fanIn, fanOut], glorotUniform(this.rng, fanIn, fanOut), true);
    const b = this.add(`${name}/bias`, [fanOut], new Float32Array(fanOut));
    return { w, b };
  }
  variables(): tf.Variable[] {
    return this.vars.filter((x) => x.v.trainable).map((x) => x.v);
  }
  decayed(): tf.Variable[] {
    return this.vars.filter((x) => x.decay && x.v.trainable).map((x) => x.v);
  }
  count(): number {
    return this.vars.reduce((s, x) => s + x.v.size, 0);
  }
  /** copies of every variable (async read-back: WebGPU/WebGL never block on a synchronous download) */
  async getWeights(): Promise<NamedWeight[]> {
    const vals = await Promise.all(this.vars.map((x) => x.v.data()));
    return this.vars.map((x, i) => ({ name: x.name, shape: x.v.shape.slice(), values: (vals[i] as Float32Array).slice() }));
  }
  setWeights(w: NamedWeight[]): void {
    const byName = new Map(w.map((x) => [x.name, x]));
    for (const x of this.vars) {
      const src = byName.get(x.name);
      if (!src) throw new LabError(`setWeights: weight "${x.name}" is missing (got ${w.map((s) => s.name).join(', ')}).`);
      if (src.values.length !== x.v.size)
        throw new LabError(
          `setWeights: weight "${x.name}" has ${src.values.length} values, expected ${x.v.size} (shape ${x.v.shape.join('x')}).`,
        );
      tf.tidy(() => x.v.assign(tf.tensor(src.values, x.v.shape, 'float32')));
    }
  }
  dispose(): void {
    for (const x of this.vars) x.v.dispose();
    this.vars.length = 0;
  }
}

/**
 * Masked cross-sectional z-score of each feature per date: z = (x - mean) / sqrt(var + eps), both over the
 * stocks with mask 1 (population variance); masked stocks get 0. x [B, N, F], mask [B, N] -> [B, N, F].
 */
export function maskedZscore(x: tf.Tensor3D, mask: tf.Tensor2D, eps: number): tf.Tensor3D {
  return tf.tidy(() => {
    const m = mask.expandDims(2); // [B, N, 1]
    const cnt = m.sum(1, true).maximum(1); // [B, 1, 1]
    const mean = x.mul(m).sum(1, true).div(cnt); // [B, 1, F]
    const c = x.sub(mean).mul(m); // [B, N, F]
    const variance = c.square().sum(1, true).div(cnt); // [B, 1, F]
    return c.div(variance.add(eps).sqrt()) as tf.Tensor3D;
  });
}

/** scores [B, N, H] * mask [B, N] */
export function applyMask(s: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return s.mul(mask.expandDims(2));
}

/** per-model number of stored floats of a dense stack, for the memory estimate */
export const sumWidths = (widths: number[]) => widths.reduce((a, b) => a + b, 0);
