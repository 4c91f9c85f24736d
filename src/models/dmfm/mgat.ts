/**
 * MGAT: the DMFM paper's "MLP & GAT" baseline (section 4): a stock-context encoder, a GAT over the universe graph
 * (all valid members of the date) and a decoder that scores each stock from its context and the universe influence.
 *   C = MLP(BatchNorm(F_t))                    [B, N, h]   (DMFM eq. 1, layers/context.ts)
 *   H = GAT_universe(C)                        [B, N, h]   (layers/gat.ts)
 *   score = Dense(C || H)                      [B, N, H]   one linear head per horizon
 * No industry graph, no neutralisation, no factor attention: it isolates what a plain graph layer adds over the MLP.
 * Loss as the MLP's: masked MSE to the standardised label (default) or negative IC.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore, applyMask, resolveConfig, trainingFields } from '../common';
import { contextEncoder, contextParams, type ContextParams } from '../layers/context';
import { gatFields, gatLayer, gatParams, kernelOf, type GatParams } from '../layers/gat';
import { linear3 } from '../layers/ops';
import { crossSectionalLoss, type LossKind } from '../losses';
import type { BuildContext, ConfigField, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';

const schema: ConfigField[] = [
  { key: 'hidden', label: 'Hidden units', default: 64, min: 1, max: 512, step: 1, help: 'Width of the stock context and the GAT.' },
  { key: 'layers', label: 'Encoder layers', default: 2, min: 1, max: 4, step: 1, help: 'Dense + LeakyReLU layers of the context encoder.' },
  {
    key: 'loss',
    label: 'Loss',
    default: 'mse',
    options: ['mse', 'ic'],
    help: "'mse': masked MSE to the cross-sectionally standardised label; 'ic': negative Pearson IC per date.",
  },
  ...gatFields.map((f) => (f.key === 'gatInit' ? { ...f, default: 'glorot' } : f)),
  ...trainingFields,
];

class MgatModel implements Model {
  readonly trainable = true;
  private readonly p: ParamStore;
  private readonly enc: ContextParams;
  private readonly gat: GatParams;
  private readonly head: { w: tf.Variable; b: tf.Variable };
  private readonly cfg: Record<string, number | string | boolean>;
  private readonly hidden: number;
  constructor(private readonly ctx: BuildContext) {
    this.cfg = resolveConfig(schema, ctx.config, 'mgat');
    this.hidden = Number(this.cfg.hidden);
    this.p = new ParamStore(ctx.seed);
    this.enc = contextParams(this.p, ctx.F, this.hidden, Number(this.cfg.layers));
    this.gat = gatParams(this.p, 'gat_universe', this.hidden, String(this.cfg.gatInit));
    this.head = this.p.dense('decoder', 2 * this.hidden, ctx.horizons.length);
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const C = contextEncoder(x, c.mask, this.enc); // [B, N, h]
      const H = gatLayer(C, this.gat, { kind: 'universe', mask: c.mask }, kernelOf(this.cfg)).h; // [B, N, h]
      const cat = tf.concat([C, H], 2) as tf.Tensor3D; // [B, N, 2h]
      return applyMask(linear3(cat, this.head.w as tf.Tensor2D, this.head.b as tf.Tensor1D), c.mask); // [B, N, H]
    });
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return crossSectionalLoss(this.cfg.loss as LossKind, scores, target, this.ctx.horizons);
  }
  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    return 3 * this.ctx.F + 2 * Number(this.cfg.layers) * this.hidden + 8 * this.hidden + this.ctx.horizons.length;
  }
  async extras() {
    return { parameters: this.p.count(), kernel: kernelOf(this.cfg) };
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

export const mgatSpec: ModelSpec = {
  id: 'mgat',
  name: 'MGAT (MLP & GAT)',
  family: 'graph',
  description:
    'MGAT (DMFM baseline "MLP & GAT"): the DMFM context encoder (cross-sectional normalisation + Dense/LeakyReLU layers), ' +
    'one graph attention layer over the universe graph (every valid member of the date attends to every other; attention ' +
    'logits LeakyReLU(s_i + t_j)), and a linear decoder on the context concatenated with the attention output, one head per ' +
    'horizon. Loss: masked MSE to the standardised label (default) or negative IC. No industry graph and no neutralisation.',
  configSchema: schema,
  trainable: true,
  build: (ctx) => new MgatModel(ctx),
};
