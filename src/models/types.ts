/**
 * The model contract (v2). A paper model is one folder under src/models/ exporting a `ModelSpec` (static metadata for
 * the UI: id, name, help text, config schema, output channels) and `build(ctx)`, which returns a `Model` instance
 * holding its own tfjs variables, plus one line in registry.ts. One training loop (src/train/loop.ts) drives every
 * model through this interface; the loop, the runner, the worker protocol and the state never name a model.
 * docs/ARCHITECTURE.md explains the contract, the channels and how to add a model.
 *
 * Shapes: B = dates in the batch, N = stocks (the full panel width; masked stocks are zero rows),
 * F = input factors, H = forward-return horizons (one output head per horizon, DMFM eq. 8),
 * L = lookback days of a sequence model (`ModelSpec.lookback`).
 */
import type * as tf from '@tensorflow/tfjs';

/** One hyper-parameter as the UI shows it. Numbers have min/max/step; strings list their `options`. */
export interface ConfigField {
  key: string;
  label: string;
  default: number | string | boolean;
  min?: number;
  max?: number;
  step?: number;
  /** allowed values for a string field (rendered as a select) */
  options?: string[];
  help: string;
}

export type ModelConfig = Record<string, number | string | boolean>;

export type ModelFamily = 'linear' | 'composite' | 'neural' | 'graph' | 'attention' | 'generative';

/** What `build` is told: input width, output heads, the seed for initialisation, the user's config. */
export interface BuildContext {
  /** number of input factors */
  F: number;
  /** forward-return horizons in trading days; the model has one output per horizon */
  horizons: number[];
  /** seeds every initialiser (weights are drawn with makeRng(seed) in JS, so every backend starts identical) */
  seed: number;
  /** model hyper-parameters (missing keys take the schema defaults, see resolveConfig) */
  config: ModelConfig;
  factorNames?: string[];
  factorGroups?: string[];
}

/** Per-batch side information for `forward`. */
export interface ForwardContext {
  /**
   * [B, N] 1 = the stock is in the cross-section on that date, 0 = padding. For a sequence model (lookback L > 1) a
   * stock is in the cross-section only when it is also valid on each of the L days ending at the date (the history mask).
   */
  mask: tf.Tensor2D;
  /**
   * [B, N, L, F] sequence models only (ModelSpec.lookback > 1): the factors of the L trading days ending at each batch
   * date, oldest first (seq[:, :, L-1, :] equals x); zeros where the stock has no data. Built by the one windowing
   * function (src/data/windows.ts) batch by batch, never as an L-fold copy of the panel.
   */
  seq?: tf.Tensor4D;
  /** [B, N] industry id (-1 unknown), for graph models */
  industry?: tf.Tensor2D;
  /** true while training (dropout etc.); forward must not depend on it for determinism otherwise */
  training?: boolean;
}

/** Training target for `loss`: standardised labels and where they exist. */
export interface LossTarget {
  /** [B, N, H] cross-sectionally standardised forward return (z-score per date and horizon, clipped) */
  y: tf.Tensor3D;
  /** [B, N, H] 1 where the stock is in the cross-section and its label for that horizon exists */
  mask: tf.Tensor3D;
  /**
   * [B, H] the cross-sectional sd of the raw forward return that divided the label (0 where the date has no label):
   * y * scale is the demeaned, clipped forward return (DMFM's factor return b is in return units).
   */
  scale?: tf.Tensor2D;
  /**
   * [B, N, H] the raw forward return per horizon, fwd[h] = P[t+1+k] / P[t+1] - 1 (the horizon-1 entry is the raw
   * next-day return P[t+2] / P[t+1] - 1): neither demeaned, standardised nor clipped; 0 where `mask` is 0. For models
   * that maximise a portfolio return (E2EAI) or a return likelihood (FactorVAE). The loop always sets it.
   */
  raw?: tf.Tensor3D;
}

/**
 * A named per-stock output besides the score (contract v2). The runner stitches every channel over the test groups,
 * `evaluate` reads `sigma` (TDrisk: rank by score - eta sigma) and `weight` (the model-weighted strategy with the model's
 * own weights), `scores.parquet` gets one column per channel, and each `score` channel is evaluated as an extra method.
 */
export interface ChannelSpec {
  /** key: 'sigma', 'weight', or an alternative score's id (e.g. 'fhat') */
  name: string;
  /** sigma: predicted return sd per stock; weight: portfolio weight per stock and date; score: an alternative score */
  kind: 'sigma' | 'weight' | 'score';
  /** short label for tables and legends, e.g. "attention estimate f-hat = F a-bar" */
  label: string;
  /** true: [B, N, H] one value per horizon head (sigma, scores); false: [B, N] one per date (weights) */
  perHorizon: boolean;
}

/** What `forwardChannels` returns: the scores of `forward` plus each declared channel. */
export interface ChannelOutput {
  /** [B, N, H] the same scores as `forward` */
  scores: tf.Tensor3D;
  /** by ChannelSpec.name: [B, N, H] (perHorizon) or [B, N] */
  channels: Record<string, tf.Tensor>;
}

/** The validation metrics a model may early-stop on (higher is better; nll is reported as minus the NLL). */
export type ValMetricKind = 'rank_ic' | 'ic' | 'portfolio' | 'nll';

/** One training step's inputs, for `afterStep` (the loop creates and disposes them). */
export interface StepBatch {
  x: tf.Tensor3D;
  ctx: ForwardContext;
  target: LossTarget;
}

/** Auxiliary forward outputs a model's loss needs besides the scores (DMFM: deep factors and attention estimate). */
export type ForwardAux = Record<string, tf.Tensor>;

/**
 * What `extras` may summarise: a set of dates (a split group's test segment), fed batch by batch as `forward` sees
 * them. The caller creates and disposes the batch tensors.
 */
export interface ExtrasInput {
  /** ISO dates, in the order the batches visit them */
  dates: string[];
  /** calls `fn` for consecutive batches of those dates; `offset` = index of the batch's first date in `dates` */
  forEachBatch(fn: (x: tf.Tensor3D, ctx: ForwardContext, offset: number) => Promise<void> | void): Promise<void>;
  /**
   * Optional: the realised raw forward return of horizon index h on those dates, [D, N] row-major (NaN where none), for
   * summaries that judge the test predictions after the fact (FactorVAE's risk calibration). Never an input to forward.
   */
  fwd?(h: number): Float32Array;
}

export interface LossResult {
  /** the scalar the optimiser minimises */
  total: tf.Scalar;
  /** named parts (shown in progress; a non-finite term stops the run naming it) */
  terms: Record<string, tf.Scalar>;
}

/** Weights as plain arrays: serialisable across the worker boundary and used for best-checkpoint restore. */
export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Data for models fitted in closed form or from statistics (Linear OLS/ridge, EW signs).
 * Arrays are the full prepared panel; `dates` selects the training dates.
 */
export interface FitData {
  T: number;
  N: number;
  F: number;
  H: number;
  horizons: number[];
  /** [T, N, F] factor values (0 where masked) */
  x: Float32Array;
  /** [T, N] 1 = in the cross-section */
  mask: Uint8Array;
  /** [T, N, H] standardised label (as the loss sees it); 0 where targetMask is 0 */
  target: Float32Array;
  /** [T, N, H] 1 where the label exists and the stock is in the cross-section */
  targetMask: Uint8Array;
  /** [H, T, N] raw forward returns (Panel.fwd; NaN where unavailable) */
  fwd: Float32Array;
  /** indices into T: the training dates */
  dates: Int32Array;
}

/** A built model: owns its variables until `dispose()`. */
export interface Model {
  /** true: trained by the gradient loop; false: `fit` (closed form / statistics) or nothing */
  readonly trainable: boolean;
  /** x [B, N, F] -> scores [B, N, H] (masked stocks score 0). Pure: creates tensors, disposes none of its inputs. */
  forward(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D;
  /**
   * Optional, with ModelSpec.channels: the scores and every declared channel of one batch (prediction only; the loop
   * uses it in place of `forward` when predicting test and validation dates).
   */
  forwardChannels?(x: tf.Tensor3D, ctx: ForwardContext): ChannelOutput;
  /**
   * Optional: forward that also returns the tensors its loss needs (same scores as `forward`). While training, the
   * loop calls this instead of `forward` and passes `aux` to `loss`.
   */
  forwardAux?(x: tf.Tensor3D, ctx: ForwardContext): { scores: tf.Tensor3D; aux: ForwardAux };
  /** scores [B, N, H] vs target -> total and named terms; `aux` from `forwardAux` of the same batch when defined */
  loss(scores: tf.Tensor3D, target: LossTarget, aux?: ForwardAux): LossResult;
  /** the variables the optimiser updates (empty for non-trainable models) */
  variables(): tf.Variable[];
  /** the weight matrices the L2 penalty applies to (default: none) */
  decayed?(): tf.Variable[];
  /**
   * Training hooks (Algorithm 1 of E2EAI: per-epoch buffers). `onEpochStart` before the epoch's first step,
   * `afterStep` after each optimiser update with that step's batch (outside the gradient tape: no gradient flows),
   * `onEpochEnd` after the epoch's last step and before validation. State they keep that prediction needs belongs in
   * getWeights / setWeights, so the best checkpoint restores it.
   */
  onEpochStart?(epoch: number): void;
  afterStep?(batch: StepBatch): void | Promise<void>;
  onEpochEnd?(epoch: number): void | Promise<void>;
  /** closed-form or statistical fit on the training dates (called once before any gradient training) */
  fit?(data: FitData): void;
  /** extra outputs for explanation (attention maps, relevance, fitted coefficients); `input`: dates to summarise */
  extras?(input?: ExtrasInput): Promise<Record<string, unknown>>;
  /** floats of activations kept per stock and date in one forward pass (for the memory estimate) */
  activationsPerStock?(): number;
  /** copies of all weights (read back asynchronously) */
  getWeights(): Promise<NamedWeight[]>;
  setWeights(w: NamedWeight[]): void;
  dispose(): void;
}

/** Static description of a model for the registry and the UI. */
export interface ModelSpec {
  id: string;
  name: string;
  /** help text: what it is, which paper, the choices made where the paper was silent */
  description: string;
  family: ModelFamily;
  configSchema: ConfigField[];
  /** whether the default configuration is trained by gradient descent (EW: never) */
  trainable: boolean;
  /** sequence models: the lookback L in trading days for a resolved config (absent or 1: cross-sectional [B, N, F]) */
  lookback?(config: ModelConfig): number;
  /** output channels besides the score, for a resolved config (absent: none) */
  channels?(config: ModelConfig): ChannelSpec[];
  /** how the Explain views can attribute a prediction: LRP over `lrpNetwork`, gradient x input, or not at all */
  explain?: 'lrp' | 'grad-input' | 'none';
  /**
   * LRP models: their weights as the Dense network LRP walks, explaining horizon head `head` on one date's
   * cross-section (x [N, F] row-major, mask [N]); null when the weights do not describe such a network.
   */
  lrpNetwork?(
    weights: NamedWeight[],
    cs: { x: ArrayLike<number>; mask: ArrayLike<number>; N: number; F: number },
    head: number,
  ): LrpNetwork | null;
  build(ctx: BuildContext): Model;
}

/** One Dense layer as LRP walks it: w [inDim, outDim] row-major, b [outDim]. */
export interface LrpLayer {
  w: ArrayLike<number>;
  b: ArrayLike<number>;
  inDim: number;
  outDim: number;
  act: 'relu' | 'leakyRelu' | 'linear';
  /** LeakyReLU slope */
  alpha?: number;
  name?: string;
}

/** A model's network for LRP (src/explain/lrp.ts) and the output unit that is the explained prediction. */
export interface LrpNetwork {
  net: { layers: LrpLayer[] };
  output: number;
  /** how the model maps onto the network (shown with the relevance) */
  note: string;
}
