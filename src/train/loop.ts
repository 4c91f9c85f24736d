/**
 * THE training loop, for every model (no per-model copies). Per step: a batch of whole trading days
 * (cross-sections, masked stocks), forward, loss, Adam update. Per epoch: a seeded shuffle of the training
 * dates, a validation pass (mean rank IC or IC on the evaluated horizon), early stopping with patience, and
 * at the end the best epoch's weights are restored. Non-trainable models only `fit`.
 * Between steps it yields to the event loop, so cancel / pause messages reach a worker while it trains.
 */
import { labAdam } from './adam';
import { LabError } from '../core/errors';
import { makeRng } from '../core/rng';
import type { ChannelOutput, ExtrasInput, Model, NamedWeight, ValMetricKind } from '../models/types';
import { batchContext, disposeBatch, fitData, makeBatch, type Prepared } from './data';
import { tf } from './tf';
import { dailyIc, mean as nanMean } from '../eval';

export interface TrainOptions {
  epochs: number;
  lr: number;
  batchDates: number;
  patience: number;
  weightDecay: number;
  /** early-stopping metric (higher is better): mean (rank) IC, the model's own portfolio return, or minus the NLL */
  valMetric: ValMetricKind;
  /** index into horizons of the label the validation metric judges */
  evalHorizonIndex: number;
  /** seeds the batch order (initialisation is seeded by the model's build) */
  seed: number;
  /** minimum ms between progress callbacks inside an epoch (epoch ends always report) */
  progressIntervalMs?: number;
}

/** A progress report (also the worker's progress message payload). */
export interface TrainProgress {
  phase: 'fit' | 'train' | 'validate' | 'predict' | 'done';
  /** walk-forward group (0-based) and count, filled in by the runner */
  group?: number;
  groups?: number;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** latest step's loss terms (total under "loss") */
  lossTerms: Record<string, number>;
  /** last validation metric (null before the first epoch ends or without validation dates) */
  valMetric: number | null;
  bestValMetric: number | null;
  elapsed_s: number;
  /** estimated seconds left if no early stop (upper bound) */
  eta_s: number;
}

export interface EpochRecord {
  epoch: number;
  /** mean over the epoch's steps of each loss term (total under "loss") */
  terms: Record<string, number>;
  valMetric: number | null;
  ms: number;
}

export interface TrainHistory {
  epochs: EpochRecord[];
  /** epoch whose weights were restored (-1: none / non-trainable) */
  bestEpoch: number;
  bestValMetric: number | null;
  stoppedEarly: boolean;
  steps: number;
  /** mean ms per optimiser step (forward + backward + update + batch upload) */
  stepMs: number;
  /** per-step losses in order (for reproducibility checks and the loss chart) */
  stepLosses: number[];
}

export interface TrainHooks {
  onProgress?: (p: TrainProgress) => void;
  /** after every epoch, before early-stopping bookkeeping (tests read tf.memory() here) */
  onEpochEnd?: (r: EpochRecord) => void;
  signal?: AbortSignal;
  gate?: PauseGate;
}

/** Thrown when a run is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'Training cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Pause / resume: the loop waits at the next step boundary while paused. */
export class PauseGate {
  private waiters: (() => void)[] = [];
  private isPaused = false;
  get paused() {
    return this.isPaused;
  }
  pause() {
    this.isPaused = true;
  }
  resume() {
    this.isPaused = false;
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
  /** resolves immediately when not paused; otherwise on resume() or abort */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.isPaused) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

/** Yield one macrotask (setImmediate in Node; a MessageChannel hop in browsers/workers: no 4 ms timer clamp). */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as any;
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate(r));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new g.MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** The training dates in the order epoch `epoch` visits them: a Fisher-Yates shuffle seeded by (seed, epoch). */
export function epochOrder(seed: number, epoch: number, dates: ArrayLike<number>): number[] {
  return makeRng((seed * 1000003 + epoch * 7919 + 17) >>> 0).shuffle(Array.from(dates));
}

/**
 * An epoch's dates cut into optimiser batches: consecutive runs of `batchDates` dates of `order`; a last run shorter
 * than min(minDates, batchDates) joins the batch before it (so 17 dates at batchDates 16 are one batch of 17, 19 are
 * one of 19, 20 are 16 + 4). Only an epoch with fewer dates than that is a smaller batch (all of it). Every date
 * appears exactly once, in order. Why: a rank-IC / ICIR loss over 1-3 dates divides by a near-zero variance.
 */

export function epochBatches(order: number[], batchDates: number, minDates = 4): number[][] {
  const B = Math.max(1, Math.floor(batchDates));
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += B) out.push(order.slice(s, s + B));
  if (out.length > 1 && out[out.length - 1].length < Math.min(minDates, B)) out[out.length - 2].push(...out.pop()!);
  return out;
}

/** the largest batch epochBatches can make: batchDates plus a merged remainder of up to min(minDates, batchDates) - 1 dates */
export const maxBatchDates = (batchDates: number, minDates = 4) =>
  Math.max(1, Math.floor(batchDates)) + Math.min(minDates, Math.max(1, Math.floor(batchDates))) - 1;

/** options for the loop from a resolved model config (the `trainingFields` keys) */
export function trainOptionsFrom(config: Record<string, number | string | boolean>, seed: number, evalHorizonIndex: number): TrainOptions {
  const num = (k: string, d: number) => (config[k] === undefined ? d : Number(config[k]));
  return {
    epochs: Math.max(1, Math.floor(num('epochs', 30))),
    lr: num('lr', 1e-3),
    batchDates: Math.max(1, Math.floor(num('batchDates', 16))),
    patience: Math.max(1, Math.floor(num('patience', 5))),
    weightDecay: num('weightDecay', 0),
    valMetric: (['ic', 'portfolio', 'nll'] as const).find((k) => k === config.valMetric) ?? 'rank_ic',
    evalHorizonIndex,
    seed,
  };
}

export interface MemoryEstimate {
  bytes: number;
  parts: Record<string, number>;
}

/**
 * Memory a run needs, in bytes: parameters x4 (weights, gradients, Adam m and v), one batch of inputs and labels,
 * activations kept for the backward pass (x2 for their gradients), and the prepared panel arrays in JS memory.
 */
export function estimateMemory(a: {
  params: number;
  B: number;
  N: number;
  F: number;
  H: number;
  L?: number;
  actPerStock: number;
  preparedBytes: number;
}): MemoryEstimate {
  const L = a.L ?? 1;
  const parts = {
    parameters: a.params * 4 * 4,
    // x [B, N, F], mask, industry, y / ymask / raw [B, N, H], and the sequence windows [B, N, L, F] of sequence models
    batch: a.B * a.N * (a.F + 2 + 3 * a.H + (L > 1 ? L * a.F : 0)) * 4,
    activations: a.B * a.N * a.actPerStock * 4 * 2,
    panel: a.preparedBytes,
  };
  return { bytes: Object.values(parts).reduce((s, v) => s + v, 0), parts };
}

/** LabError when the estimate exceeds the limit, naming the parts. */
export function checkMemory(est: MemoryEstimate, limitBytes: number, what: string): void {
  if (est.bytes <= limitBytes) return;
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  throw new LabError(
    `${what}: estimated memory ${mb(est.bytes)} MB exceeds the limit of ${mb(limitBytes)} MB (${Object.entries(est.parts)
      .map(([k, v]) => `${k} ${mb(v)} MB`)
      .join(', ')}).`,
    'Use fewer dates per step, a smaller model, fewer factors or a smaller universe.',
  );
}

/** bytes held by the prepared arrays the run keeps (labels and masks; x too when it is a subset copy) */
export const preparedBytes = (d: Prepared, panelX: Float32Array) =>
  d.target.byteLength + d.targetMask.byteLength + d.mask.byteLength + (d.x === panelX ? 0 : d.x.byteLength);

/**
 * What a model predicts for a set of dates. scores [H, D, N]; channels by name: [H, D, N] for per-horizon channels
 * (a [B, N, H] tensor from forwardChannels) or [1, D, N] for per-date ones (a [B, N] tensor); NaN where the stock is
 * not in the cross-section.
 */
export interface Prediction {
  scores: Float32Array;
  channels: Record<string, Float32Array>;
}

/** Model scores and channels for `dates`, batched, no gradients (models without forwardChannels: scores only). */
export async function predictAll(model: Model, d: Prepared, dates: ArrayLike<number>, batchDates: number): Promise<Prediction> {
  const D = dates.length,
    { N, H } = d;
  const out = new Float32Array(H * D * N);
  const channels: Record<string, Float32Array> = {};
  const place = (dst: Float32Array, v: ArrayLike<number>, C: number, s: number, idx: number[]) => {
    for (let j = 0; j < idx.length; j++) {
      const t = idx[j];
      for (let i = 0; i < N; i++) {
        const inX = d.mask[t * N + i] === 1;
        for (let c = 0; c < C; c++) dst[(c * D + s + j) * N + i] = inX ? v[(j * N + i) * C + c] : NaN;
      }
    }
  };
  for (let s = 0; s < D; s += batchDates) {
    const idx = Array.from({ length: Math.min(batchDates, D - s) }, (_, i) => dates[s + i]);
    const b = makeBatch(d, idx, false);
    const ctx = batchContext(b, false);
    const o: ChannelOutput = model.forwardChannels
      ? (tf.tidy(() => {
          const r = model.forwardChannels!(b.x, ctx);
          return { scores: r.scores, channels: r.channels } as unknown as tf.TensorContainer;
        }) as unknown as ChannelOutput)
      : { scores: tf.tidy(() => model.forward(b.x, ctx)), channels: {} };
    try {
      place(out, (await o.scores.data()) as Float32Array, H, s, idx); // [B, N, H]
      for (const [name, t] of Object.entries(o.channels)) {
        const C: number = t.rank === 3 ? (t.shape[2] as number) : 1; // [B, N, H] or [B, N]
        channels[name] ??= new Float32Array(C * D * N).fill(NaN);
        place(channels[name], (await t.data()) as Float32Array, C, s, idx);
      }
    } finally {
      tf.dispose([o.scores, ...Object.values(o.channels)]);
      disposeBatch(b);
    }
  }
  return { scores: out, channels };
}

/** Model scores for `dates`: [H, D, N], NaN where the stock is not in the cross-section. Batched, no gradients. */
export async function predict(model: Model, d: Prepared, dates: ArrayLike<number>, batchDates: number): Promise<Float32Array> {
  return (await predictAll(model, d, dates, batchDates)).scores;
}

/** The `extras` input for `dates` (indices into the prepared panel): batches built and disposed here, no labels. */
export function extrasInput(d: Prepared, dates: ArrayLike<number>, batchDates: number): ExtrasInput {
  const idx = Array.from(dates);
  return {
    dates: idx.map((t) => d.dates[t]),
    fwd: (h: number) => labelsOn(d, idx, h),
    async forEachBatch(fn) {
      for (let s = 0; s < idx.length; s += batchDates) {
        const b = makeBatch(d, idx.slice(s, s + batchDates), false);
        try {
          await fn(b.x, batchContext(b, false), s);
        } finally {
          disposeBatch(b);
        }
      }
    },
  };
}

/** [D, N] the raw forward return of horizon index h on `dates` */
function labelsOn(d: Prepared, dates: ArrayLike<number>, h: number): Float32Array {
  const D = dates.length,
    { N, T } = d;
  const lab = new Float32Array(D * N);
  for (let j = 0; j < D; j++) lab.set(d.fwd.subarray((h * T + dates[j]) * N, (h * T + dates[j] + 1) * N), j * N);
  return lab;
}

/** mean (rank) IC of scores [H, D, N] at horizon index h vs the raw forward return on those dates */
export function validationMetric(scores: Float32Array, d: Prepared, dates: ArrayLike<number>, h: number, rank: boolean): number {
  const D = dates.length,
    { N } = d;
  return nanMean(dailyIc(scores.subarray(h * D * N, (h + 1) * D * N), labelsOn(d, dates, h), D, N, rank));
}

/**
 * The early-stopping metric of a prediction on `dates` (higher is better), at horizon index h:
 *  rank_ic / ic: mean over dates of the cross-sectional (rank) IC of the score vs the raw forward return;
 *  portfolio:    mean over dates of sum_n w[t, n] fwd_h[t, n] with the model's own `weight` channel (a stock without a
 *                label earns 0, as a held stock without a price does in the backtest);
 *  nll:          minus the mean Gaussian negative log-likelihood 0.5 log(2 pi sigma^2) + (y - mu)^2 / (2 sigma^2) of the raw
 *                forward return y under mu = the score and sigma = the `sigma` channel, over (date, stock) pairs with a label.
 */
export function validationValue(kind: ValMetricKind, p: Prediction, d: Prepared, dates: ArrayLike<number>, h: number): number {
  const D = dates.length,
    { N, H } = d;
  if (kind === 'rank_ic' || kind === 'ic') return validationMetric(p.scores, d, dates, h, kind === 'rank_ic');
  const lab = labelsOn(d, dates, h);
  if (kind === 'portfolio') {
    const w = p.channels.weight;
    if (!w)
      throw new LabError(
        'Validation metric "portfolio" needs the model\'s "weight" channel; this model has none.',
        'Choose rank IC or IC as the validation metric.',
      );
    const C = w.length / (D * N),
      off = C === H ? h * D * N : 0;
    const per: number[] = [];
    for (let j = 0; j < D; j++) {
      let r = 0,
        any = false;
      for (let i = 0; i < N; i++) {
        const wi = w[off + j * N + i];
        if (!Number.isFinite(wi)) continue;
        any = true;
        const y = lab[j * N + i];
        if (Number.isFinite(y)) r += wi * y;
      }
      if (any) per.push(r);
    }
    return per.length ? per.reduce((a, b) => a + b, 0) / per.length : NaN;
  }
  const sg = p.channels.sigma;
  if (!sg)
    throw new LabError(
      'Validation metric "nll" needs the model\'s "sigma" channel; this model has none.',
      'Choose rank IC or IC as the validation metric.',
    );
  let sum = 0,
    n = 0;
  for (let j = 0; j < D; j++) {
    for (let i = 0; i < N; i++) {
      const mu = p.scores[(h * D + j) * N + i],
        s = sg[(h * D + j) * N + i],
        y = lab[j * N + i];
      if (!Number.isFinite(mu) || !Number.isFinite(s) || !Number.isFinite(y) || !(s > 0)) continue;
      sum += 0.5 * Math.log(2 * Math.PI * s * s) + ((y - mu) * (y - mu)) / (2 * s * s);
      n++;
    }
  }
  return n ? -sum / n : NaN;
}

/**
 * Fit and/or train `model` on `train` dates, early-stopping on `valid` dates. Returns the history; the model
 * holds the best epoch's weights afterwards. Throws CancelledError on abort, LabError on a non-finite loss.
 */
export async function trainModel(
  model: Model,
  d: Prepared,
  split: { train: ArrayLike<number>; valid: ArrayLike<number> },
  o: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainHistory> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const { signal, gate } = hooks;
  const checkCancel = async () => {
    await yieldToEventLoop();
    if (gate?.paused) await gate.wait(signal);
    if (signal?.aborted) throw new CancelledError();
  };
  const history: TrainHistory = {
    epochs: [],
    bestEpoch: -1,
    bestValMetric: null,
    stoppedEarly: false,
    steps: 0,
    stepMs: 0,
    stepLosses: [],
  };
  const validate = async (): Promise<number | null> => {
    if (split.valid.length === 0) return null;
    const p = await predictAll(model, d, split.valid, o.batchDates);
    const v = validationValue(o.valMetric, p, d, split.valid, o.evalHorizonIndex);
    return Number.isFinite(v) ? v : null;
  };
  const base = { epoch: 0, epochs: o.epochs, step: 0, steps: 0, lossTerms: {}, valMetric: null, bestValMetric: null };

  if (model.fit) {
    hooks.onProgress?.({ ...base, phase: 'fit', elapsed_s: elapsed(), eta_s: 0 });
    model.fit(fitData(d, split.train));
    await checkCancel();
  }
  if (!model.trainable) {
    const v = await validate();
    const rec: EpochRecord = { epoch: 0, terms: {}, valMetric: v, ms: performance.now() - t0 };
    history.epochs.push(rec);
    history.bestValMetric = v;
    hooks.onEpochEnd?.(rec);
    hooks.onProgress?.({ ...base, phase: 'done', valMetric: v, bestValMetric: v, elapsed_s: elapsed(), eta_s: 0 });
    return history;
  }
  if (split.train.length === 0)
    throw new LabError('Training: the split has no training dates.', 'Move the split start later or use a longer dataset.');

  const vars = model.variables();
  const decayed = o.weightDecay > 0 ? (model.decayed?.() ?? []) : [];
  // Adam with epsilon 1e-7 on every backend: tfjs WebGL would otherwise raise the default to 1e-4 (docs/ARCHITECTURE.md,
  // toolchain facts); tfjs' optimizer, its update fused into one wasm call per variable on tfjs-wasm (train/adam.ts)
  const opt = labAdam(o.lr, 0.9, 0.999, 1e-7);
  const steps = epochBatches(Array.from(split.train), o.batchDates).length; // the same for every epoch's order
  const interval = o.progressIntervalMs ?? 100;
  let lastReport = -Infinity;
  let best: NamedWeight[] | null = null;
  let bestMetric = -Infinity;
  let sinceBest = 0;
  let stepTime = 0;
  let lastVal: number | null = null;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const te = performance.now();
      const batches = epochBatches(epochOrder(o.seed, epoch, split.train), o.batchDates);
      const sums: Record<string, number> = {};
      model.onEpochStart?.(epoch);
      for (let s = 0; s < steps; s++) {
        const ts = performance.now();
        const batch = makeBatch(d, batches[s]);
        const kept: Record<string, tf.Scalar> = {};
        const cost = opt.minimize(
          () => {
            const fctx = batchContext(batch, true);
            const out = model.forwardAux ? model.forwardAux(batch.x, fctx) : { scores: model.forward(batch.x, fctx), aux: undefined };
            const l = model.loss(out.scores, { y: batch.y, mask: batch.ymask, scale: batch.yscale, raw: batch.raw }, out.aux);
            for (const [k, v] of Object.entries(l.terms)) kept[k] = tf.keep(v);
            let total = l.total;
            if (decayed.length) {
              const l2 = tf.addN(decayed.map((v) => v.square().sum())).mul(o.weightDecay) as tf.Scalar;
              kept.l2 = tf.keep(l2);
              total = total.add(l2);
            }
            return total;
          },
          true,
          vars,
        ) as tf.Scalar;
        const names = ['loss', ...Object.keys(kept)];
        const packed = tf.stack([cost, ...Object.values(kept)]);
        const vals = await packed.data();
        tf.dispose([packed, cost, ...Object.values(kept)]);
        try {
          // outside the tape: a model's running statistics (E2EAI's directional buffers) see this batch, no gradient
          await model.afterStep?.({
            x: batch.x,
            ctx: batchContext(batch, false),
            target: { y: batch.y, mask: batch.ymask, scale: batch.yscale, raw: batch.raw },
          });
        } finally {
          disposeBatch(batch);
        }
        stepTime += performance.now() - ts;
        history.steps++;
        const terms: Record<string, number> = {};
        names.forEach((k, i) => {
          terms[k] = vals[i];
        });
        const bad = names.filter((k) => !Number.isFinite(terms[k]));
        if (bad.length) {
          const term = bad.find((k) => k !== 'loss') ?? bad[0];
          throw new LabError(
            `Training stopped: loss term "${term}" is ${terms[term]} at epoch ${epoch + 1}, step ${s + 1} of ${steps} (step ${history.steps} overall); non-finite: ${bad.map((k) => `${k}=${terms[k]}`).join(', ')}.`,
            'Lower the learning rate, check the factors for extreme or missing values (MAD clipping), or use a smaller model.',
          );
        }
        history.stepLosses.push(terms.loss);
        for (const k of names) sums[k] = (sums[k] ?? 0) + terms[k];
        const now = performance.now();
        if (hooks.onProgress && now - lastReport >= interval) {
          lastReport = now;
          const done = epoch * steps + s + 1;
          hooks.onProgress({
            phase: 'train',
            epoch: epoch + 1,
            epochs: o.epochs,
            step: s + 1,
            steps,
            lossTerms: terms,
            valMetric: lastVal,
            bestValMetric: Number.isFinite(bestMetric) ? bestMetric : null,
            elapsed_s: elapsed(),
            eta_s: (elapsed() / done) * (o.epochs * steps - done),
          });
        }
        await checkCancel();
      }
      const meanTerms: Record<string, number> = {};
      for (const k of Object.keys(sums)) meanTerms[k] = sums[k] / steps;
      await model.onEpochEnd?.(epoch);
      lastVal = await validate();
      const rec: EpochRecord = { epoch: epoch + 1, terms: meanTerms, valMetric: lastVal, ms: performance.now() - te };
      history.epochs.push(rec);
      hooks.onEpochEnd?.(rec);
      if (lastVal !== null) {
        if (lastVal > bestMetric) {
          bestMetric = lastVal;
          best = await model.getWeights();
          history.bestEpoch = epoch + 1;
          sinceBest = 0;
        } else sinceBest++;
      } else {
        history.bestEpoch = epoch + 1;
      }
      const done = (epoch + 1) * steps;
      hooks.onProgress?.({
        phase: 'validate',
        epoch: epoch + 1,
        epochs: o.epochs,
        step: steps,
        steps,
        lossTerms: meanTerms,
        valMetric: lastVal,
        bestValMetric: Number.isFinite(bestMetric) ? bestMetric : null,
        elapsed_s: elapsed(),
        eta_s: (elapsed() / done) * (o.epochs * steps - done),
      });
      if (lastVal !== null && sinceBest >= o.patience) {
        history.stoppedEarly = epoch + 1 < o.epochs;
        break;
      }
      await checkCancel();
    }
  } finally {
    opt.dispose();
  }
  if (best) model.setWeights(best);
  history.bestValMetric = Number.isFinite(bestMetric) ? bestMetric : null;
  history.stepMs = history.steps ? stepTime / history.steps : 0;
  return history;
}
