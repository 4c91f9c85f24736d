/**
 * What the sequence baselines of FactorVAE's Table 1 (GRU, ALSTM, GAT, Transformer; Qlib's implementations) share:
 * the config fields (lookback, width, depth, loss), reading the window ctx.seq [B, N, L, F] as M = B N sequences, a
 * linear prediction layer per horizon (Qlib's fc_out) on the encoder's features, the masked cross-sectional loss, and
 * the Model plumbing. Each baseline file only supplies its encoder (stock features [B, N, E] from the sequences).
 * Choices where Qlib's defaults do not fit the lab: no dropout (Qlib's GRU / ALSTM / Transformer default to 0; a
 * seed then fully determines a run), the lab's loss (masked MSE to the per-date z-scored return, as Qlib's MSE on
 * CSZScoreNorm labels) and optimiser settings (trainingFields).
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, resolveConfig, trainingFields } from '../common';
import { linear3 } from '../layers/ops';
import { crossSectionalLoss, type LossKind } from '../losses';
import type {
  BuildContext,
  ConfigField,
  ForwardContext,
  LossTarget,
  Model,
  ModelConfig,
  ModelFamily,
  ModelSpec,
  NamedWeight,
} from '../types';

/** FactorVAE's sequence length T = 20 (section "Experiment Settings"), the lookback of every sequence baseline */
export const PAPER_LOOKBACK = 20;

export const lookbackField: ConfigField = {
  key: 'lookback',
  label: 'Lookback (days)',
  default: PAPER_LOOKBACK,
  min: 2,
  max: 120,
  step: 1,
  help: 'Trading days of history per stock (FactorVAE: T = 20). A stock enters a date only with data on every one of these days, so every Table 1 method ranks the same stocks.',
};

export const lossField: ConfigField = {
  key: 'loss',
  label: 'Loss',
  default: 'mse',
  options: ['mse', 'ic'],
  help: "'mse': masked MSE to the per-date standardised forward return (Qlib's MSE on CSZScoreNorm labels); 'ic': negative Pearson IC per date.",
};

/** lookback, hidden, layers, loss and the training loop's fields, with this model's defaults for hidden / layers */
export function seqFields(extra: ConfigField[], hiddenHelp: string, layersHelp: string, layersDefault = 2): ConfigField[] {
  return [
    lookbackField,
    { key: 'hidden', label: 'Hidden units', default: 64, min: 1, max: 512, step: 1, help: hiddenHelp },
    { key: 'layers', label: 'Layers', default: layersDefault, min: 1, max: 4, step: 1, help: layersHelp },
    ...extra,
    lossField,
    ...trainingFields,
  ];
}

/** ctx.seq [B, N, L, F] as M = B N sequences [M, L, F]; a named error when the batch has no windows */
export function sequencesOf(ctx: ForwardContext, id: string): tf.Tensor3D {
  if (!ctx.seq)
    throw new LabError(
      `${id}: the batch has no sequence windows (ForwardContext.seq is missing).`,
      'Sequence models get ctx.seq from the training loop when their spec declares a lookback; a custom caller must pass it.',
    );
  const [B, N, L, F] = ctx.seq.shape;
  return ctx.seq.reshape([B * N, L, F]);
}

/**
 * scores [B, N, H] with exactly +0 outside the cross-section mask [B, N] (a plain multiply leaves -0 for a negative
 * score, and the contract's consumers compare with 0)
 */
export function maskScores(s: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => tf.where(mask.expandDims(2).tile([1, 1, s.shape[2]]).greater(0), s, tf.zerosLike(s)));
}

/** A baseline's encoder: sequences [M, L, F] of the batch's B x N stocks -> features [B, N, width]. */
export interface SeqEncoder {
  width: number;
  encode(seq: tf.Tensor3D, B: number, N: number, ctx: ForwardContext): tf.Tensor3D;
  /** floats kept per stock and date in one forward pass (memory estimate) */
  activationsPerStock: number;
  /** what the encoder can summarise over a set of dates (attention maps), added to the model's extras */
  extras?: Model['extras'];
}

/** The Model of every sequence baseline: encoder -> linear head per horizon -> masked scores. */
export class SeqBaselineModel implements Model {
  readonly trainable = true;
  readonly p: ParamStore;
  private readonly enc: SeqEncoder;
  private readonly head: { w: tf.Variable; b: tf.Variable };
  private readonly lossKind: LossKind;
  constructor(
    private readonly ctx: BuildContext,
    readonly cfg: ModelConfig,
    private readonly id: string,
    makeEncoder: (p: ParamStore, F: number, cfg: ModelConfig) => SeqEncoder,
  ) {
    this.lossKind = cfg.loss as LossKind;
    this.p = new ParamStore(ctx.seed);
    this.enc = makeEncoder(this.p, ctx.F, cfg);
    this.head = this.p.dense('output', this.enc.width, ctx.horizons.length); // Qlib's fc_out, one unit per horizon
  }
  forward(_x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, N] = c.mask.shape;
      const e = this.enc.encode(sequencesOf(c, this.id), B, N, c); // [B, N, E]
      return maskScores(linear3(e, this.head.w as tf.Tensor2D, this.head.b as tf.Tensor1D), c.mask); // [B, N, H]
    });
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return crossSectionalLoss(this.lossKind, scores, target, this.ctx.horizons);
  }
  variables() {
    return this.p.variables();
  }
  decayed() {
    return this.p.decayed();
  }
  activationsPerStock() {
    return this.enc.activationsPerStock + this.ctx.horizons.length;
  }
  async extras(input?: Parameters<NonNullable<Model['extras']>>[0]) {
    return { parameters: this.p.count(), ...((await this.enc.extras?.(input)) ?? {}) };
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

/** the ModelSpec of a sequence baseline */
export function seqSpec(o: {
  id: string;
  name: string;
  family: ModelFamily;
  description: string;
  schema: ConfigField[];
  encoder: (p: ParamStore, F: number, cfg: ModelConfig) => SeqEncoder;
}): ModelSpec {
  return {
    id: o.id,
    name: o.name,
    family: o.family,
    description: o.description,
    configSchema: o.schema,
    trainable: true,
    explain: 'grad-input',
    lookback: (config) => Number(config.lookback ?? PAPER_LOOKBACK),
    build: (ctx) => new SeqBaselineModel(ctx, resolveConfig(o.schema, ctx.config, o.id), o.id, o.encoder),
  };
}
