/**
 * MLP: the DMFM "MLP" baseline (section 4): a stock-context encoder and a feature decoder, no cross-stock relations.
 *   encoder (DMFM eq. 1):  C = MLP(BatchNorm(F_t))
 *     BatchNorm is taken literally as the paper's financial reading of it, a cross-sectional z-score per date:
 *     zhat = (x - mean_n x) / sqrt(var_n x + 1e-5) over the date's stocks, then a learned scale and shift
 *     (gamma * zhat + beta). No running statistics: training and inference compute the same thing, and a
 *     seed fully determines the run.
 *     MLP = `layers` x [Dense(hidden) -> LeakyReLU(0.1)]
 *   decoder: Dense(H) -- one linear head per horizon (DMFM eq. 8 without the output LeakyReLU, which would
 *     only squash the negative half of a ranking score).
 * Loss (chosen: 'mse' default): masked MSE to the standardised label; 'ic': negative Pearson IC per date.
 * MSE to a per-date z-scored label is a smooth, well-scaled regression target that trains stably with Adam;
 * the IC loss optimises the ranking directly but gives weak gradients on noisy days.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore, applyMask, resolveConfig, trainingFields } from '../common';
import { CONTEXT_SLOPE, contextEncoder, contextParams, type ContextParams } from '../layers/context';
import { linear3 } from '../layers/ops';
import { crossSectionalLoss, type LossKind } from '../losses';
import type { LrpLayer, BuildContext, ConfigField, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';
import { denseLayer, normLayer, weightMap } from '../lrp-net';

const schema: ConfigField[] = [
  {
    key: 'hidden',
    label: 'Hidden units',
    default: 64,
    min: 1,
    max: 1024,
    step: 1,
    help: 'Width of each encoder layer (the stock context has this many features).',
  },
  {
    key: 'layers',
    label: 'Encoder layers',
    default: 2,
    min: 1,
    max: 6,
    step: 1,
    help: 'Number of Dense + LeakyReLU layers in the context encoder.',
  },
  {
    key: 'loss',
    label: 'Loss',
    default: 'mse',
    options: ['mse', 'ic'],
    help: "'mse': masked MSE to the cross-sectionally standardised label; 'ic': negative Pearson IC per date (scale-free).",
  },
  ...trainingFields,
];

class MlpModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  /** the DMFM context encoder (layers/context.ts): per-date z-score with learned scale / shift, Dense + LeakyReLU(0.1) */
  private readonly enc: ContextParams;
  private readonly head: { w: tf.Variable; b: tf.Variable };
  private readonly lossKind: LossKind;
  private readonly hidden: number;
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'mlp');
    this.lossKind = cfg.loss as LossKind;
    this.hidden = Number(cfg.hidden);
    this.p = new ParamStore(ctx.seed);
    this.enc = contextParams(this.p, ctx.F, this.hidden, Number(cfg.layers), { norm: 'norm', dense: 'encoder' });
    this.head = this.p.dense('decoder', this.hidden, ctx.horizons.length);
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const h = contextEncoder(x, c.mask, this.enc); // [B, N, hidden]
      return applyMask(linear3(h, this.head.w as tf.Tensor2D, this.head.b as tf.Tensor1D), c.mask); // [B, N, H]
    });
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return crossSectionalLoss(this.lossKind, scores, target, this.ctx.horizons);
  }
  variables() {
    return this.p.variables();
  }
  /** weight matrices for the L2 penalty */
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    return 3 * this.ctx.F + 2 * this.hidden * this.enc.layers.length + this.ctx.horizons.length;
  }
  async extras() {
    return { parameters: this.p.count() };
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

export const mlpSpec: ModelSpec = {
  id: 'mlp',
  explain: 'lrp',
  // the per-date normalisation is a diagonal linear layer on the explained date (src/models/lrp-net.ts normLayer)
  lrpNetwork(weights, cs, head) {
    const ws = weightMap(weights);
    const layers: LrpLayer[] = [normLayer(ws, 'norm', 'mlp', cs, 1e-5)];
    for (let l = 0; ws.has(`encoder${l}/kernel`); l++) layers.push(denseLayer(ws, `encoder${l}`, 'mlp', 'leakyRelu', CONTEXT_SLOPE));
    layers.push(denseLayer(ws, 'decoder', 'mlp', 'linear'));
    return {
      net: { layers },
      output: head,
      note: "per-date normalisation as a diagonal linear layer (this date's mean / sd), Dense/LeakyReLU(0.1) encoder, linear decoder",
    };
  },
  name: 'MLP',
  family: 'neural',
  description:
    'MLP (DMFM baseline "MLP"): context encoder (cross-sectional normalisation with learned scale/shift, then Dense+LeakyReLU ' +
    'layers) and a linear decoder with one head per horizon. Each stock is scored from its own factors only. Loss: masked MSE ' +
    'to the per-date standardised forward return (default) or negative IC. Trained by Adam with early stopping on validation rank IC.',
  configSchema: schema,
  trainable: true,
  build: (ctx) => new MlpModel(ctx),
};
