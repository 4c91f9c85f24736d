/**
 * Deep Factor Model (Nakagawa, Uchida & Aoshima, "Deep Factor Model", sections 3-4, Table 2): a plain MLP
 * return model on the factor exposures at month end, explained afterwards by LRP (src/explain/lrp.ts).
 *   z(1) = ReLU(W(0) x + b(0)),  ...,  y = W(L-1) z(L-1) + b(L-1)        (paper eqs. 1-3)
 *   Model 1: hidden layers 80-50-10;  Model 2: 80-80-50-10-10;  ReLU;  Adam.
 * Choices where the paper is silent:
 *  - The output layer is linear (a return can be negative) and has one unit: the model predicts the return of one
 *    label horizon (`horizon`, default 20 trading days ~ next month) and the same prediction fills every horizon
 *    head of the lab's [B, N, H] score contract.
 *  - Target 'raw' (default): the forward return itself, winsorised per date at mean +- 3 sd (src/train/data.ts), as
 *    the paper predicts "next month's stock returns"; loss = masked MSE on that horizon. 'zscore' trains on the
 *    per-date standardised label instead.
 *  - No normalisation layer and no dropout: the inputs are already cross-sectionally standardised by the lab's
 *    preprocessing, and a pure Dense/ReLU stack is exactly what LRP's rules are defined for.
 *  - Glorot-uniform weights, zero biases (seeded in JS: identical on every backend).
 *  - Rolling protocol (split kind 'rolling'): re-trained every month on the previous 60 month-end cross-sections.
 *    `warmStart` (default on) starts each month from the previous month's weights and trains `warmEpochs`
 *    epochs instead of `epochs` (the runner applies both keys); off = every month from the seeded initialisation.
 * Weight names (read by src/explain/networks.ts): hidden{l}/kernel [in, out], hidden{l}/bias, output/kernel [in, 1],
 * output/bias.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, applyMask, resolveConfig, trainingFields } from '../common';
import { linear3 } from '../layers/ops';
import { maskedMse } from '../losses';
import type { LrpLayer, BuildContext, ConfigField, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';
import { denseLayer, weightMap } from '../lrp-net';

/** hidden layer widths of the paper's two architectures (Table 2) */
export const DFM_ARCHS: Record<string, number[]> = { model1: [80, 50, 10], model2: [80, 80, 50, 10, 10] };

/** the shared training fields with cheaper defaults for 60 monthly cross-sections */
const training = trainingFields.map((f) => {
  if (f.key === 'epochs')
    return {
      ...f,
      default: 20,
      help: 'Epochs for the first month (and every month when warm start is off). No validation set in the rolling protocol: all epochs run.',
    };
  if (f.key === 'batchDates')
    return { ...f, default: 10, help: 'Month-end cross-sections per optimiser step (60 per window -> 6 steps per epoch).' };
  return f;
});

const schema: ConfigField[] = [
  {
    key: 'arch',
    label: 'Architecture',
    default: 'model1',
    options: ['model1', 'model2'],
    help: "'model1': hidden layers 80-50-10 (paper: best MAE/RMSE); 'model2': 80-80-50-10-10 (paper: best Sharpe). ReLU, linear output.",
  },
  {
    key: 'horizon',
    label: 'Label horizon',
    default: 20,
    min: 1,
    max: 260,
    step: 1,
    help: 'Trading days of the forward return the model predicts (20 ~ next month). Must be one of the panel horizons.',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'raw',
    options: ['raw', 'zscore'],
    help: "'raw': the forward return (winsorised per date at mean +- 3 sd), as the paper; 'zscore': the per-date standardised return.",
  },
  {
    key: 'warmStart',
    label: 'Warm start',
    default: true,
    help: "Rolling protocol: start each month from the previous month's weights (cheap); off: re-initialise every month.",
  },
  {
    key: 'warmEpochs',
    label: 'Epochs per warm month',
    default: 4,
    min: 1,
    max: 200,
    step: 1,
    help: 'Epochs for every month after the first when warm start is on.',
  },
  ...training,
];

class DfmModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  private readonly layers: { w: tf.Variable; b: tf.Variable }[] = [];
  private readonly out: { w: tf.Variable; b: tf.Variable };
  /** index of the learned horizon in ctx.horizons */
  private readonly hIdx: number;
  readonly widths: number[];
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'dfm');
    this.widths = DFM_ARCHS[String(cfg.arch)];
    const k = Number(cfg.horizon);
    this.hIdx = ctx.horizons.indexOf(k);
    if (this.hIdx < 0)
      throw new LabError(
        `Deep Factor Model: label horizon ${k} is not one of the panel's horizons [${ctx.horizons.join(', ')}].`,
        'Set the model\'s "horizon" to one of those.',
      );
    this.p = new ParamStore(ctx.seed);
    let fanIn = ctx.F;
    this.widths.forEach((w, l) => {
      this.layers.push(this.p.dense(`hidden${l}`, fanIn, w));
      fanIn = w;
    });
    this.out = this.p.dense('output', fanIn, 1);
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x; // [B, N, F]
      for (const { w, b } of this.layers) h = tf.relu(linear3(h, w as tf.Tensor2D, b as tf.Tensor1D)); // [B, N, width]  (eqs. 1-2)
      const y = linear3(h, this.out.w as tf.Tensor2D, this.out.b as tf.Tensor1D); // [B, N, 1]  (eq. 3, linear output)
      return applyMask(tf.tile(y, [1, 1, this.ctx.horizons.length]) as tf.Tensor3D, c.mask); // [B, N, H]
    });
  }
  /** masked MSE on the learned horizon only (the other heads are copies of it) */
  loss(scores: tf.Tensor3D, target: LossTarget) {
    const [B, N] = scores.shape;
    const pick = (t: tf.Tensor3D) => t.slice([0, 0, this.hIdx], [B, N, 1]) as tf.Tensor3D; // [B, N, 1]
    const s = pick(scores),
      y = pick(target.y),
      m = pick(target.mask);
    const r = maskedMse(s, { y, mask: m }, [this.ctx.horizons[this.hIdx]]);
    tf.dispose([s, y, m]);
    return r;
  }
  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    return this.ctx.F + 2 * this.widths.reduce((a, b) => a + b, 0) + this.ctx.horizons.length;
  }
  async extras() {
    return { parameters: this.p.count(), hidden: this.widths.slice(), horizon: this.ctx.horizons[this.hIdx] };
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

export const dfmSpec: ModelSpec = {
  id: 'dfm',
  explain: 'lrp',
  lrpNetwork(weights) {
    const ws = weightMap(weights);
    const layers: LrpLayer[] = [];
    for (let l = 0; ws.has(`hidden${l}/kernel`); l++) layers.push(denseLayer(ws, `hidden${l}`, 'dfm', 'relu'));
    layers.push(denseLayer(ws, 'output', 'dfm', 'linear'));
    return {
      net: { layers },
      output: 0,
      note: `Dense/ReLU ${layers
        .slice(0, -1)
        .map((L) => L.outDim)
        .join('-')}, linear output (one unit for every horizon head)`,
    };
  },
  name: 'Deep Factor Model',
  family: 'neural',
  description:
    'Deep Factor Model (Nakagawa et al.): an MLP return model, Model 1 = hidden 80-50-10, Model 2 = 80-80-50-10-10, ReLU, ' +
    'linear output, Adam; input: the factor exposures, target: the raw forward return of one horizon (default 20 days ~ next ' +
    'month, winsorised per date). Meant for the rolling protocol (split "rolling": 60 monthly cross-sections, re-trained every ' +
    'month, warm-started from the previous month by default). Explained by layer-wise relevance propagation (epsilon or z-rule).',
  configSchema: schema,
  trainable: true,
  build: (ctx) => new DfmModel(ctx),
};
