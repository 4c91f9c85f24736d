/**
 * THE training loop, for every model (no per-model copies). Per step: a batch of whole trading days
 * (cross-sections, masked stocks), forward, loss, Adam update. Per epoch: a seeded shuffle of the training
 * dates, a validation pass (mean rank IC or IC on the evaluated horizon), early stopping with patience, and
 * at the end the best epoch's weights are restored. Non-trainable models only `fit`.
 * Between steps it yields to the event loop, so cancel / pause messages reach a worker while it trains.
 */
import { LabError } from '../core/errors';
import { makeRng } from '../core/rng';
import type { ExtrasInput, Model, NamedWeight } from '../models/types';
import { disposeBatch, fitData, makeBatch, type Prepared } from './data';
import { tf } from './tf';
import { dailyIc, nanMean } from './valmetric';

export interface TrainOptions {
  epochs: number;
  lr: number;
  batchDates: number;
  patience: number;
  weightDecay: number;
  valMetric: 'rank_ic' | 'ic';
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
  constructor(message = 'Training cancelled') { super(message); this.name = 'CancelledError'; }
}

/** Pause / resume: the loop waits at the next step boundary while paused. */
export class PauseGate {
  private waiters: (() => void)[] = [];
  private isPaused = false;
  get paused() { return this.isPaused; }
  pause() { this.isPaused = true; }
  resume() { this.isPaused = false; const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
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
    return new Promise((r) => { const ch = new g.MessageChannel(); ch.port1.onmessage = () => { ch.port1.close(); r(); }; ch.port2.postMessage(0); });
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

/** options for the loop from a resolved model config (the `trainingFields` keys) */
export function trainOptionsFrom(config: Record<string, number | string | boolean>, seed: number, evalHorizonIndex: number): TrainOptions {
  const num = (k: string, d: number) => (config[k] === undefined ? d : Number(config[k]));
  return {
    epochs: Math.max(1, Math.floor(num('epochs', 30))),
    lr: num('lr', 1e-3),
    batchDates: Math.max(1, Math.floor(num('batchDates', 16))),
    patience: Math.max(1, Math.floor(num('patience', 5))),
    weightDecay: num('weightDecay', 0),
    valMetric: config.valMetric === 'ic' ? 'ic' : 'rank_ic',
    evalHorizonIndex,
    seed,
  };
}

export interface MemoryEstimate { bytes: number; parts: Record<string, number> }

/**
 * Memory a run needs, in bytes: parameters x4 (weights, gradients, Adam m and v), one batch of inputs and labels,
 * activations kept for the backward pass (x2 for their gradients), and the prepared panel arrays in JS memory.
 */
export function estimateMemory(a: { params: number; B: number; N: number; F: number; H: number; actPerStock: number; preparedBytes: number }): MemoryEstimate {
  const parts = {
    parameters: a.params * 4 * 4,
    batch: a.B * a.N * (a.F + 2 + 2 * a.H) * 4,
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
    `${what}: estimated memory ${mb(est.bytes)} MB exceeds the limit of ${mb(limitBytes)} MB (${Object.entries(est.parts).map(([k, v]) => `${k} ${mb(v)} MB`).join(', ')}).`,
    'Use fewer dates per step, a smaller model, fewer factors or a smaller universe.',
  );
}

/** bytes held by the prepared arrays the run keeps (labels and masks; x too when it is a subset copy) */
export const preparedBytes = (d: Prepared, panelX: Float32Array) =>
  d.target.byteLength + d.targetMask.byteLength + d.mask.byteLength + (d.x === panelX ? 0 : d.x.byteLength);

/** Model scores for `dates`: [H, D, N], NaN where the stock is not in the cross-section. Batched, no gradients. */
export async function predict(model: Model, d: Prepared, dates: ArrayLike<number>, batchDates: number): Promise<Float32Array> {
  const D = dates.length, { N, H } = d;
  const out = new Float32Array(H * D * N);
  for (let s = 0; s < D; s += batchDates) {
    const idx = Array.from({ length: Math.min(batchDates, D - s) }, (_, i) => dates[s + i]);
    const b = makeBatch(d, idx, false);
    const sc = tf.tidy(() => model.forward(b.x, { mask: b.mask, industry: b.industry, training: false }));
    const v = (await sc.data()) as Float32Array; // [B, N, H]
    sc.dispose();
    disposeBatch(b);
    for (let j = 0; j < idx.length; j++) {
      const t = idx[j];
      for (let i = 0; i < N; i++) {
        const inX = d.mask[t * N + i] === 1;
        for (let h = 0; h < H; h++) out[(h * D + s + j) * N + i] = inX ? v[(j * N + i) * H + h] : NaN;
      }
    }
  }
  return out;
}

/** The `extras` input for `dates` (indices into the prepared panel): batches built and disposed here, no labels. */
export function extrasInput(d: Prepared, dates: ArrayLike<number>, batchDates: number): ExtrasInput {
  const idx = Array.from(dates);
  return {
    dates: idx.map((t) => d.dates[t]),
    async forEachBatch(fn) {
      for (let s = 0; s < idx.length; s += batchDates) {
        const b = makeBatch(d, idx.slice(s, s + batchDates), false);
        try { await fn(b.x, { mask: b.mask, industry: b.industry, training: false }, s); } finally { disposeBatch(b); }
      }
    },
  };
}

/** mean (rank) IC of scores [H, D, N] at horizon index h vs the raw forward return on those dates */
export function validationMetric(scores: Float32Array, d: Prepared, dates: ArrayLike<number>, h: number, rank: boolean): number {
  const D = dates.length, { N, T } = d;
  const lab = new Float32Array(D * N);
  for (let j = 0; j < D; j++) lab.set(d.fwd.subarray((h * T + dates[j]) * N, (h * T + dates[j] + 1) * N), j * N);
  return nanMean(dailyIc(scores.subarray(h * D * N, (h + 1) * D * N), lab, D, N, rank));
}

/**
 * Fit and/or train `model` on `train` dates, early-stopping on `valid` dates. Returns the history; the model
 * holds the best epoch's weights afterwards. Throws CancelledError on abort, LabError on a non-finite loss.
 */
export async function trainModel(model: Model, d: Prepared, split: { train: ArrayLike<number>; valid: ArrayLike<number> }, o: TrainOptions, hooks: TrainHooks = {}): Promise<TrainHistory> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const { signal, gate } = hooks;
  const checkCancel = async () => {
    await yieldToEventLoop();
    if (gate?.paused) await gate.wait(signal);
    if (signal?.aborted) throw new CancelledError();
  };
  const history: TrainHistory = { epochs: [], bestEpoch: -1, bestValMetric: null, stoppedEarly: false, steps: 0, stepMs: 0, stepLosses: [] };
  const rank = o.valMetric === 'rank_ic';
  const validate = async (): Promise<number | null> => {
    if (split.valid.length === 0) return null;
    const sc = await predict(model, d, split.valid, o.batchDates);
    const v = validationMetric(sc, d, split.valid, o.evalHorizonIndex, rank);
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
  if (split.train.length === 0) throw new LabError('Training: the split has no training dates.', 'Move the split start later or use a longer dataset.');

  const vars = model.variables();
  const decayed = o.weightDecay > 0 ? (model.decayed?.() ?? []) : [];
  // Adam with epsilon 1e-7 on every backend: tfjs WebGL would otherwise raise the default to 1e-4 (DESIGN.md)
  const opt = tf.train.adam(o.lr, 0.9, 0.999, 1e-7);
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
      for (let s = 0; s < steps; s++) {
        const ts = performance.now();
        const batch = makeBatch(d, batches[s]);
        const kept: Record<string, tf.Scalar> = {};
        const cost = opt.minimize(() => {
          const fctx = { mask: batch.mask, industry: batch.industry, training: true };
          const out = model.forwardAux ? model.forwardAux(batch.x, fctx) : { scores: model.forward(batch.x, fctx), aux: undefined };
          const l = model.loss(out.scores, { y: batch.y, mask: batch.ymask, scale: batch.yscale }, out.aux);
          for (const [k, v] of Object.entries(l.terms)) kept[k] = tf.keep(v);
          let total = l.total;
          if (decayed.length) {
            const l2 = tf.addN(decayed.map((v) => v.square().sum())).mul(o.weightDecay) as tf.Scalar;
            kept.l2 = tf.keep(l2);
            total = total.add(l2);
          }
          return total;
        }, true, vars) as tf.Scalar;
        const names = ['loss', ...Object.keys(kept)];
        const packed = tf.stack([cost, ...Object.values(kept)]);
        const vals = await packed.data();
        tf.dispose([packed, cost, ...Object.values(kept)]);
        disposeBatch(batch);
        stepTime += performance.now() - ts;
        history.steps++;
        const terms: Record<string, number> = {};
        names.forEach((k, i) => { terms[k] = vals[i]; });
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
          hooks.onProgress({ phase: 'train', epoch: epoch + 1, epochs: o.epochs, step: s + 1, steps, lossTerms: terms, valMetric: lastVal, bestValMetric: Number.isFinite(bestMetric) ? bestMetric : null, elapsed_s: elapsed(), eta_s: (elapsed() / done) * (o.epochs * steps - done) });
        }
        await checkCancel();
      }
      const meanTerms: Record<string, number> = {};
      for (const k of Object.keys(sums)) meanTerms[k] = sums[k] / steps;
      lastVal = await validate();
      const rec: EpochRecord = { epoch: epoch + 1, terms: meanTerms, valMetric: lastVal, ms: performance.now() - te };
      history.epochs.push(rec);
      hooks.onEpochEnd?.(rec);
      if (lastVal !== null) {
        if (lastVal > bestMetric) { bestMetric = lastVal; best = await model.getWeights(); history.bestEpoch = epoch + 1; sinceBest = 0; } else sinceBest++;
      } else { history.bestEpoch = epoch + 1; }
      const done = (epoch + 1) * steps;
      hooks.onProgress?.({ phase: 'validate', epoch: epoch + 1, epochs: o.epochs, step: steps, steps, lossTerms: meanTerms, valMetric: lastVal, bestValMetric: Number.isFinite(bestMetric) ? bestMetric : null, elapsed_s: elapsed(), eta_s: (elapsed() / done) * (o.epochs * steps - done) });
      if (lastVal !== null && sinceBest >= o.patience) { history.stoppedEarly = epoch + 1 < o.epochs; break; }
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
